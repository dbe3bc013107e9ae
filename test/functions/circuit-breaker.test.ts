import { CORDONED_BY_ANNOTATION, QUARANTINE_LABEL } from '../../shared/markers';
import type { IncidentReport } from '../../shared/model';
import { ACCOUNT } from '../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../support/sandbox';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';

type Handler = (event: any) => Promise<IncidentReport>;

async function coldStarts(count: number): Promise<Handler[]> {
  const handlers: Handler[] = [];
  for (let index = 0; index < count; index += 1) {
    await jest.isolateModulesAsync(async () => {
      handlers.push((await import('../../functions/guardduty')).handler);
    });
  }
  return handlers;
}

const WORKERS = 6;

/** Six workers, each a pod on its own node, running as its own service account with its own IRSA role. */
function seedWorkers(sandbox: Sandbox): void {
  for (let index = 0; index < WORKERS; index += 1) {
    const node = `ip-10-1-0-${index}.ec2.internal`;
    const role = `worker-${index}`;
    sandbox.kube.seed(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'kubernetes.io/hostname': node } }, spec: { providerID: `aws:///us-east-1a/i-0000000000000000${index}` } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'web', name: role, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/${role}` } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name: `worker-${index}`, labels: { app: `worker-${index}` } }, spec: { nodeName: node, serviceAccountName: role, containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } },
    );
    sandbox.aws.addRole({ name: role });
  }
}

/** A distinct incident per worker: the real argocd finding, pointed at the worker's pod. */
const workerEvent = (index: number) => asEventBridgeEvent(argocdFinding({ severity: 8, id: `finding-worker-${index}`, workload: { Name: `worker-${index}`, Type: 'pods', Namespace: 'web' } }));

describe('circuit breaker', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };
  const start = async (limits: string, playbook: string) => {
    sandbox = await startSandbox({ withTables: true });
    seedWorkers(sandbox);
    sandbox.aws.addParameter('/eks-responder/policy', `version: 1\nlimits: ${limits}\nrules:\n  - name: all\n    decision: respond\n    playbook: ${playbook}\ndefault:\n  decision: ignore\n`);
    const { SLACK_WEBHOOK_URL: _plain, ...env } = sandbox.env;
    Object.assign(process.env, env, { RESPONSE_MODE: 'enforce', POLICY_SSM_PARAMETER: '/eks-responder/policy' });
  };
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  /** Every worker's incident at once, spread over two execution environments sharing the table. */
  async function all(): Promise<IncidentReport[]> {
    const handlers = await coldStarts(2);
    return Promise.all(Array.from({ length: WORKERS }, (_, index) => handlers[index % 2](workerEvent(index))));
  }

  const outcomes = (reports: IncidentReport[], action: string) => reports.flatMap((report) => report.actions.filter((record) => record.action === action));

  it('isolates exactly as many pods per cluster and window as the limit, across parallel invocations', async () => {
    await start('{podsIsolated: 3}', 'isolate-pod');

    const reports = await all();

    const quarantined = Array.from({ length: WORKERS }, (_, index) => sandbox.kube.getObject('pods', 'web', `worker-${index}`)?.metadata.labels[QUARANTINE_LABEL]).filter(Boolean);
    expect(quarantined).toHaveLength(3);
    const held = outcomes(reports, 'isolate-pod').filter((record) => record.status === 'skipped');
    expect(held).toHaveLength(3);
    for (const record of held) expect(record.detail).toMatch(/^circuit-open: 3 pods isolated in cluster guardduty-blueprint since \S+ \(limit 3 per 1h\)$/);
    // Each held-back incident is reported as urgent.
    expect(reports.filter((report) => report.urgent)).toHaveLength(3);
    const subjects = sandbox.aws.callsTo('sns', 'Publish').map((call) => String(call.params.Subject));
    expect(subjects.filter((subject) => subject.startsWith('[URGENT] [respond]'))).toHaveLength(3);
    expect(sandbox.aws.callsTo('sns', 'Publish').filter((call) => (call.params.MessageAttributes as any).urgent.StringValue === 'true')).toHaveLength(3);
  });

  it('cordons exactly as many nodes as the limit, across parallel invocations', async () => {
    await start('{nodesCordoned: 2, nodesCordonedFraction: 1}', 'cordon-node');

    const reports = await all();

    const cordoned = sandbox.kube.listObjects('nodes').filter((node) => node.spec?.unschedulable);
    expect(cordoned).toHaveLength(2);
    for (const node of cordoned) expect(node.metadata.annotations[CORDONED_BY_ANNOTATION]).toMatch(/^inc-/);
    expect(outcomes(reports, 'cordon-node').filter((record) => record.detail.startsWith('circuit-open: 2 nodes cordoned'))).toHaveLength(4);
  });

  it('revokes exactly as many roles as the limit, across parallel invocations', async () => {
    await start('{roleRevocations: 2}', 'revoke-role-sessions');

    const reports = await all();

    expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toHaveLength(2);
    expect(outcomes(reports, 'revoke-role-sessions').filter((record) => record.detail.startsWith('circuit-open: 2 role revocations'))).toHaveLength(4);
  });

  it('never cordons the last schedulable nodes', async () => {
    await start('{nodesCordoned: 50, nodesCordonedFraction: 1, minSchedulableNodes: 8}', 'cordon-node');
    const [handler] = await coldStarts(1);

    // The cluster has 9 schedulable nodes (3 from the scenario, 6 workers); 8 must stay schedulable.
    const first = await handler(workerEvent(0));
    const second = await handler(workerEvent(1));

    expect(outcomes([first], 'cordon-node')[0].status).toBe('done');
    expect(outcomes([second], 'cordon-node')[0]).toMatchObject({ status: 'skipped', detail: 'circuit-open: cordoning node ip-10-1-0-1.ec2.internal would leave 7 schedulable nodes (at least 8 must stay schedulable)' });
    expect(second.urgent).toBeDefined();
    expect(sandbox.kube.getObject('nodes', undefined, 'ip-10-1-0-1.ec2.internal')?.spec.unschedulable).toBeUndefined();
  });

  it('gives the slot back when the action fails, so another target may take it', async () => {
    await start('{podsIsolated: 1}', 'isolate-pod');
    const [handler] = await coldStarts(1);
    sandbox.kube.failNext({ verb: 'patch', resource: 'pods' }, 403, 1);

    await expect(handler(workerEvent(0))).rejects.toMatchObject({ name: 'ActionFailedError' });
    const next = await handler(workerEvent(1));
    const third = await handler(workerEvent(2));

    expect(outcomes([next], 'isolate-pod')[0].status).toBe('done');
    expect(outcomes([third], 'isolate-pod')[0].detail).toMatch(/^circuit-open: 1 pods isolated/);
  });
});
