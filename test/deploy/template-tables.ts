// The DynamoDB tables of the packaged template (issue 4): the incident table (audit trail,
// per-target claims, circuit-breaker counters) and the idempotency table, with the keys and TTL
// attributes the adapters use, the functions that get their names, and the denies that keep the
// responder from weakening them. template.test.ts packages the template.
import { INCIDENT_TABLE_KEYS } from '../../shared/adapters/dynamodb';
import { FUNCTION_NAMES, FUNCTIONS, asList, ofType, resolve, roleOf, statementsOf, type Template } from './cloudformation';
import { FUNCTION_SCOPES } from './expected-grants';

/** Powertools idempotency's DynamoDBPersistenceLayer defaults, which shared/adapters/delivery-dedup.ts keeps. */
const POWERTOOLS_KEYS = { partition: 'id', ttl: 'expiration' };

const TABLE_DENIES = ['dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContinuousBackups', 'dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'];

export function describeTables(template: () => Template): void {
  let t: Template;
  beforeAll(() => {
    t = template();
  });
  const table = (id: string) => t.Resources[id];

  it('creates exactly the incident and idempotency tables, on demand, with point-in-time recovery and KMS encryption', () => {
    expect(ofType(t, 'AWS::DynamoDB::Table').map(([id]) => id).sort()).toEqual(['IdempotencyTable', 'IncidentTable']);
    for (const id of ['IncidentTable', 'IdempotencyTable']) {
      expect(table(id).Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // The AWS managed key aws/dynamodb (no KMSMasterKeyId): see serverless.yml.
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      });
      expect(table(id).Properties.SSESpecification.KMSMasterKeyId).toBeUndefined();
      // CloudFormation names them: two stages never share a table.
      expect(table(id).Properties.TableName).toBeUndefined();
    }
  });

  it('keys the incident table as the adapters write it, with their expiry attribute, and keeps it when the stack goes', () => {
    const { partition, sort, ttl } = INCIDENT_TABLE_KEYS;
    const incidents = table('IncidentTable');
    expect(incidents.Properties.KeySchema).toEqual([
      { AttributeName: partition, KeyType: 'HASH' },
      { AttributeName: sort, KeyType: 'RANGE' },
    ]);
    expect(incidents.Properties.AttributeDefinitions).toEqual([
      { AttributeName: partition, AttributeType: 'S' },
      { AttributeName: sort, AttributeType: 'S' },
    ]);
    expect(incidents.Properties.TimeToLiveSpecification).toEqual({ AttributeName: ttl, Enabled: true });
    // The audit trail outlives a deleted stack or a replaced table.
    expect([incidents.DeletionPolicy, incidents.UpdateReplacePolicy, incidents.Properties.DeletionProtectionEnabled]).toEqual(['Retain', 'Retain', true]);
    expect(incidents.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('keys the idempotency table as Powertools idempotency expects', () => {
    const idempotency = table('IdempotencyTable');
    expect(idempotency.Properties.KeySchema).toEqual([{ AttributeName: POWERTOOLS_KEYS.partition, KeyType: 'HASH' }]);
    expect(idempotency.Properties.AttributeDefinitions).toEqual([{ AttributeName: POWERTOOLS_KEYS.partition, AttributeType: 'S' }]);
    expect(idempotency.Properties.TimeToLiveSpecification).toEqual({ AttributeName: POWERTOOLS_KEYS.ttl, Enabled: true });
  });

  it('names the incident table to every function and the idempotency table to the functions EventBridge invokes', () => {
    for (const name of FUNCTION_NAMES) {
      const variables = resolve(t, t.Resources[FUNCTIONS[name]].Properties.Environment.Variables);
      expect({ name, incidents: variables.INCIDENT_TABLE, idempotency: variables.IDEMPOTENCY_TABLE }).toEqual({
        name,
        incidents: 'ref:IncidentTable',
        // A direct invocation is one request by a person: nothing delivers it twice.
        idempotency: FUNCTION_SCOPES[name].entry === 'event' ? 'ref:IdempotencyTable' : undefined,
      });
    }
    expect(resolve(t, t.Outputs.IncidentTableName.Value)).toBe('ref:IncidentTable');
  });

  it('denies every function any change to the tables themselves', () => {
    for (const name of FUNCTION_NAMES) {
      const denies = statementsOf(t, roleOf(t, name)).filter(({ statement }) => statement.Effect === 'Deny' && asList(statement.Action ?? []).some((action) => action.startsWith('dynamodb:')));
      expect(denies.map(({ statement }) => ({ actions: asList(statement.Action), resources: resolve(t, statement.Resource) }))).toEqual([
        { actions: TABLE_DENIES, resources: ofType(t, 'AWS::DynamoDB::Table').map(([id]) => `getatt:${id}.Arn`) },
      ]);
    }
  });
}
