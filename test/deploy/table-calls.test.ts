// The DynamoDB and SSM calls the functions make, recorded by the local DynamoDB and AWS endpoint
// while the real handlers run with the environment the stack gives each of them (the response
// policy in an SSM parameter), checked against the grants test/deploy/expected-grants.ts derives
// (and template.test.ts compares with every role): a call outside them would be refused in a
// deployed stack.
import type { IncidentReport } from '../../shared/model';
import { DEFAULT_POLICY_YAML } from '../../shared/policy/default-policy-text';
import { CLUSTER } from '../support/cluster-scenario';
import { IDEMPOTENCY_TABLE, INCIDENT_TABLE } from '../support/dynamo';
import { startSandbox, TOPIC_ARN, type Sandbox } from '../support/sandbox';
import { CLUSTER_ADMIN_POLICY, eksCall, PEER_ROLE } from '../helpers/cloudtrail';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { asffFinding, customActionEvent } from '../helpers/securityhub';
import type { FunctionName } from './cloudformation';
import { expectedTableCalls, FUNCTION_SCOPES } from './expected-grants';

type Handler = (event: unknown) => Promise<any>;
const MODULES: Record<FunctionName, string> = {
  guardduty: '../../functions/guardduty',
  securityhub: '../../functions/securityhub',
  cloudtrail: '../../functions/cloudtrail',
  manualPlaybook: '../../functions/manual-playbook',
};
const LOGICAL_IDS: Record<string, 'IncidentTable' | 'IdempotencyTable'> = { [INCIDENT_TABLE]: 'IncidentTable', [IDEMPOTENCY_TABLE]: 'IdempotencyTable' };

/** A fresh module registry is a fresh Lambda execution environment (a cold start). */
async function coldStart(name: FunctionName): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import(MODULES[name])).handler;
  });
  return handler as Handler;
}

const finding = () => asEventBridgeEvent(argocdFinding({ severity: 8 }));
const adminGrant = () => eksCall('AssociateAccessPolicy', { clusterName: CLUSTER, principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } });

/** What each function is asked to do, in enforce mode: each event delivered twice; a quarantine then its release by incident id. */
const SCENARIOS: Partial<Record<FunctionName, (handler: Handler, sandbox: Sandbox) => Promise<void>>> = {
  guardduty: async (handler) => {
    await handler(finding());
    await handler(finding());
  },
  securityhub: async (handler) => {
    const quarantineAction = () =>
      customActionEvent(asffFinding({ cluster: { name: CLUSTER, account: '123456789012', region: 'us-east-1' }, workload: { name: 'privileged-pod', type: 'pods', namespace: 'argocd' } }));
    await handler(quarantineAction());
    await handler(quarantineAction());
  },
  cloudtrail: async (handler, sandbox) => {
    sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [CLUSTER_ADMIN_POLICY] });
    await handler(adminGrant());
    await handler(adminGrant());
  },
  manualPlaybook: async (handler) => {
    const [quarantined] = (await handler({ playbook: 'quarantine', event: finding() })) as IncidentReport[];
    await handler({ playbook: 'release', incident: quarantined.incidentId });
  },
};

describe('the DynamoDB calls of the functions', () => {
  const savedEnv = { ...process.env };
  const calls: Partial<Record<FunctionName, Record<string, string[]>>> = {};
  const parameterReads: Partial<Record<FunctionName, string[]>> = {};
  const POLICY_PARAMETER = '/eks-responder/policy';

  beforeAll(async () => {
    for (const [name, scenario] of Object.entries(SCENARIOS) as [FunctionName, NonNullable<(typeof SCENARIOS)[FunctionName]>][]) {
      const sandbox = await startSandbox({ withTables: true });
      try {
        // The stack's environment: the idempotency table only for the functions EventBridge invokes.
        const { SLACK_WEBHOOK_URL: _plainUrl, IDEMPOTENCY_TABLE: idempotency, ...env } = sandbox.env;
        sandbox.aws.addParameter(POLICY_PARAMETER, DEFAULT_POLICY_YAML, 'SecureString');
        Object.assign(process.env, env, { NOTIFY_TOPIC_ARN: TOPIC_ARN, RESPONSE_MODE: 'enforce', CONTROL_PLANE_REMEDIATION: 'revoke-access-entry', POLICY_SSM_PARAMETER: POLICY_PARAMETER });
        if (FUNCTION_SCOPES[name].entry === 'event') process.env.IDEMPOTENCY_TABLE = idempotency;
        // The tables' own creation is not the function's.
        const from = sandbox.dynamo!.calls.length;
        await scenario(await coldStart(name), sandbox);
        const byTable: Record<string, string[]> = {};
        for (const call of sandbox.dynamo!.calls.slice(from)) byTable[LOGICAL_IDS[call.table] ?? call.table] = [...new Set([...(byTable[LOGICAL_IDS[call.table] ?? call.table] ?? []), `dynamodb:${call.operation}`])].sort();
        calls[name] = byTable;
        parameterReads[name] = sandbox.aws.callsTo('ssm').map((call) => `${call.operation} ${String(call.params.Name)}`);
      } finally {
        await sandbox.stop();
        process.env = { ...savedEnv };
      }
    }
  }, 60_000);

  it.each(Object.keys(SCENARIOS))('%s calls only what its role is granted on each table', (name) => {
    const expected = expectedTableCalls(name as FunctionName);
    for (const [table, actions] of Object.entries(calls[name as FunctionName]!)) {
      expect({ table, outside: actions.filter((action) => !(expected[table as keyof typeof expected] ?? []).includes(action)) }).toEqual({ table, outside: [] });
    }
  });

  it.each(Object.keys(SCENARIOS))('%s reads the response policy from its parameter, once, and calls nothing else of SSM', (name) => {
    expect(parameterReads[name as FunctionName]).toEqual([`GetParameter ${POLICY_PARAMETER}`]);
  });

  it('records every incident, claims its targets and drops duplicate deliveries of the functions EventBridge invokes', () => {
    for (const name of ['guardduty', 'securityhub', 'cloudtrail'] as const) {
      expect(calls[name]!.IncidentTable).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
      expect(calls[name]!.IdempotencyTable).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem']));
    }
  });

  it('reads the incident back for a release by id, and never touches the idempotency table from the manual function', () => {
    expect(calls.manualPlaybook!.IncidentTable).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:DeleteItem']));
    expect(calls.manualPlaybook!.IdempotencyTable).toBeUndefined();
  });
});
