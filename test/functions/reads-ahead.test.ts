// Reads started with an incident's first reads, before its pods are known, from what the
// environment or the finding already tells: the role each service account held when an earlier
// incident looked, and the instance a Runtime Monitoring finding names. The pods' own service
// accounts and nodes still decide what is changed; a guess that turns out wrong costs a read.
import type { IncidentReport } from '../../shared/model';
import { REVOKE_POLICY_NAME } from '../../shared/markers';
import { NODES, ROLES } from '../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../support/sandbox';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';

type Handler = (event: unknown) => Promise<IncidentReport>;

const FRONTEND = { Name: 'frontend', Type: 'deployments', Namespace: 'web' };
const LATENCY_MS = 30;
/**
 * Whether a request started before `other` had answered, or only once it had: half a round trip
 * either side of its end, wide of the two servers' clocks (within a millisecond of each other).
 */
const startedBefore = (request: { startedAt: number }, other: { endedAt: number }) => request.startedAt < other.endedAt - LATENCY_MS / 2;
const startedAfter = (request: { startedAt: number }, other: { endedAt: number }) => request.startedAt > other.endedAt - LATENCY_MS / 2;
const roleName = (arn: string) => arn.split('/').pop() as string;

describe('reads ahead of the pods', () => {
  let sandbox: Sandbox;
  let handler: Handler;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    // A latency makes the order visible: every request takes at least one round trip.
    sandbox = await startSandbox({ withoutSlack: true, withoutEvidenceBucket: true, latencyMs: LATENCY_MS });
    Object.assign(process.env, sandbox.env, { RESPONSE_MODE: 'enforce' });
    await jest.isolateModulesAsync(async () => {
      handler = (await import('../../functions/guardduty')).handler as Handler;
    });
  });
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  const policyReads = (role: string) => sandbox.aws.callsTo('iam', 'GetRolePolicy').filter((call) => call.params.RoleName === role && call.params.PolicyName === REVOKE_POLICY_NAME);
  const policyPuts = () => sandbox.aws.callsTo('iam', 'PutRolePolicy').map((call) => call.params.RoleName);
  const revocations = (report: IncidentReport) => report.actions.filter((action) => action.action === 'revoke-role-sessions');

  it("reads the role's revocation policy with the first reads once an earlier incident has seen the service accounts", async () => {
    const cold = await handler(asEventBridgeEvent(argocdFinding({ severity: 8 })));
    const [podRead] = sandbox.kube.requests.filter((request) => request.resource === 'pods' && request.verb === 'get' && request.name === 'privileged-pod');
    const [coldRead] = policyReads(roleName(ROLES.privilegedApp));

    const warm = await handler(asEventBridgeEvent(argocdFinding({ severity: 8, id: 'a-second-finding', workload: FRONTEND })));
    const [podList] = sandbox.kube.requests.filter((request) => request.resource === 'pods' && request.verb === 'list' && request.namespace === 'web');
    const [warmRead] = policyReads(roleName(ROLES.frontend));

    // Cold, nothing is known before the pod is: its role is read after it.
    expect(revocations(cold)).toEqual([expect.objectContaining({ status: 'done', target: `role ${ROLES.privilegedApp}` })]);
    expect(startedAfter(coldRead, podRead)).toBe(true);
    // Warm, alongside the pod list: it starts before the list has answered.
    expect(revocations(warm)).toEqual([expect.objectContaining({ status: 'done', target: `role ${ROLES.frontend}` })]);
    expect(policyReads(roleName(ROLES.frontend))).toHaveLength(1);
    expect(startedBefore(warmRead, podList)).toBe(true);
    expect(policyPuts()).toEqual([roleName(ROLES.privilegedApp), roleName(ROLES.frontend)]);
  });

  it('revokes the role the pods run as now when the service account changed role since: the hint costs one read', async () => {
    const renamed = `${ROLES.frontend}-v2`;
    sandbox.aws.addRole({ name: roleName(renamed) });
    await handler(asEventBridgeEvent(argocdFinding({ severity: 8 })));
    const [account] = sandbox.kube.listObjects('serviceaccounts', 'web').filter((item) => item.metadata.name === 'frontend');
    sandbox.kube.seed({ ...account, metadata: { ...account.metadata, annotations: { 'eks.amazonaws.com/role-arn': renamed } } });
    // Past the moment concurrent invocations share a read, so the service accounts are listed afresh.
    await new Promise((resolve) => setTimeout(resolve, 2100));

    const warm = await handler(asEventBridgeEvent(argocdFinding({ severity: 8, id: 'a-second-finding', workload: FRONTEND })));

    expect(policyReads(roleName(ROLES.frontend))).toHaveLength(1);
    expect(policyReads(roleName(renamed))).toHaveLength(1);
    expect(revocations(warm)).toEqual([expect.objectContaining({ status: 'done', target: `role ${renamed}` })]);
    expect(policyPuts()).toEqual([roleName(ROLES.privilegedApp), roleName(renamed)]);
  });

  const instanceCalls = (operation: string, instanceId: string, since = 0) =>
    sandbox.aws.callsTo('ec2', operation).filter((call) => call.startedAt >= since && JSON.stringify(call.params).includes(instanceId));
  const protections = (report: IncidentReport) => report.actions.filter((action) => action.action === 'protect-instance');
  // A warm environment, after a quarantine on the other node: its clients are loaded, so what
  // starts when shows in the requests, not in module loading.
  const warmUp = async (): Promise<number> => {
    await handler(asEventBridgeEvent(argocdFinding({ severity: 8, id: 'the-warm-up', workload: { Name: 'frontend-debug', Type: 'pods', Namespace: 'web' } })));
    return performance.timeOrigin + performance.now();
  };

  it("reads the instance a Runtime Monitoring finding names with the first reads, and protects the pod's node's", async () => {
    const since = await warmUp();
    const report = await handler(asEventBridgeEvent(argocdFinding({ severity: 8, instanceId: NODES.a.instanceId })));
    const [podRead] = sandbox.kube.requests.filter((request) => request.resource === 'pods' && request.verb === 'get' && request.name === 'privileged-pod');
    const reads = [...instanceCalls('DescribeInstanceAttribute', NODES.a.instanceId, since), ...instanceCalls('DescribeInstances', NODES.a.instanceId, since)];

    expect(protections(report)).toEqual([expect.objectContaining({ status: 'done', target: expect.stringContaining(NODES.a.instanceId) })]);
    expect(reads.map((call) => call.operation).sort()).toEqual(['DescribeInstanceAttribute', 'DescribeInstanceAttribute', 'DescribeInstances']);
    // Sent before the pod (and so its node) was known.
    expect(reads.filter((read) => !startedBefore(read, podRead))).toEqual([]);
  });

  it("protects the instance behind the pod's node when the finding names another: the other is only read", async () => {
    const since = await warmUp();
    const report = await handler(asEventBridgeEvent(argocdFinding({ severity: 8, instanceId: NODES.b.instanceId })));

    expect(protections(report)).toEqual([expect.objectContaining({ status: 'done', target: expect.stringContaining(NODES.a.instanceId) })]);
    expect(instanceCalls('DescribeInstanceAttribute', NODES.b.instanceId, since)).toHaveLength(2);
    expect(instanceCalls('ModifyInstanceAttribute', NODES.a.instanceId, since)).toHaveLength(2);
    expect(sandbox.aws.mutations().filter((call) => call.startedAt >= since && JSON.stringify(call.params).includes(NODES.b.instanceId))).toEqual([]);
  });
});
