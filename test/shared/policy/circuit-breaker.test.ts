// The circuit breaker's counters in the local DynamoDB, through the real adapter: a target an
// earlier change counted stays counted when a later action on it changes nothing, so the window's
// limit cannot be overrun by giving back a slot someone else holds.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoBreakerCounters } from '../../../shared/adapters/dynamodb-breaker';
import type { AnyAction } from '../../../shared/playbooks/action';
import { circuitBreakerGuard } from '../../../shared/policy/circuit-breaker';
import { builtInPolicy } from '../../../shared/policy/default-policy';
import type { ActionRecord } from '../../../shared/model';
import { INCIDENT_TABLE, startDynamo, type LocalDynamo } from '../../support/dynamo';
import { FAKE_CREDENTIALS } from '../../support/fake-aws';

const isolatePod = { name: 'isolate-pod', kind: 'containment' } as AnyAction;
const ended = (status: ActionRecord['status']): ActionRecord => ({ action: 'isolate-pod', target: 'pod web/api-1', status, detail: status });

describe('circuit breaker counters', () => {
  let dynamo: LocalDynamo;
  let counters: DynamoBreakerCounters;
  beforeAll(async () => {
    dynamo = await startDynamo();
    counters = new DynamoBreakerCounters(DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS })), INCIDENT_TABLE);
  });
  afterAll(() => dynamo.stop());

  // One guard per invocation, as the pipeline builds them; one pod per window.
  const invocation = (cluster: string) => circuitBreakerGuard({ limits: { ...builtInPolicy().limits, podsIsolated: 1 }, cluster, counters, now: new Date('2026-11-24T10:00:00Z') });
  const enter = (cluster: string, target: string) => invocation(cluster).enter(isolatePod, target, {} as never);
  const admitted = async (cluster: string, target: string) => {
    const entry = await enter(cluster, target);
    if ('skip' in entry) throw new Error(`refused: ${entry.skip}`);
    return entry;
  };
  const members = async (cluster: string) => (await dynamo.items(INCIDENT_TABLE)).filter((item) => item.pk === `BREAKER#${cluster}`).flatMap((item) => [...(item.members ?? [])]);

  it('keeps a target counted by an earlier change when a later action on it changes nothing', async () => {
    await (await admitted('prod', 'pod web/api-1')).exit(ended('done'));
    // Another incident acts on the same pod (already counted: admitted) and fails.
    await (await admitted('prod', 'pod web/api-1')).exit(ended('failed'));

    expect(await members('prod')).toEqual(['pod web/api-1']);
    expect(await enter('prod', 'pod web/api-2')).toEqual({ skip: expect.stringMatching(/^circuit-open: 1 pods isolated in cluster prod/) });
  });

  it('gives back the slot a target took when its action changes nothing', async () => {
    await (await admitted('staging', 'pod web/api-1')).exit(ended('skipped'));

    expect(await members('staging')).toEqual([]);
    await expect(admitted('staging', 'pod web/api-2')).resolves.toHaveProperty('exit');
  });
});
