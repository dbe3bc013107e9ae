// The deployment's tables on the way of a quarantine, and what they must not hold up: the
// delivery is looked up while the cluster is read; each change is claimed before it is made and
// the claim settled after, alongside the notification (which does not wait for it), all settled
// before the incident is recorded and the handler returns. The claim and the circuit breaker's
// slot are taken together, and alongside the reads of a plan that reads AWS (protect-instance's).
import type { IncidentReport } from '../../shared/model';
import { startSandbox, type Sandbox } from '../support/sandbox';
import { IDEMPOTENCY_TABLE, INCIDENT_TABLE } from '../support/dynamo';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';

type Handler = (event: unknown) => Promise<IncidentReport>;

describe('a quarantine with the tables', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  // A latency makes the order visible: every table call takes at least one round trip.
  const quarantine = async (options: { withoutEvidenceBucket?: boolean } = {}): Promise<IncidentReport> => {
    sandbox = await startSandbox({ withTables: true, withoutSlack: true, latencyMs: 30, ...options });
    Object.assign(process.env, sandbox.env, { RESPONSE_MODE: 'enforce' });
    let handler: Handler | undefined;
    await jest.isolateModulesAsync(async () => {
      handler = (await import('../../functions/guardduty')).handler as Handler;
    });
    return handler!(asEventBridgeEvent(argocdFinding({ severity: 8 })));
  };

  it('reads the cluster while the delivery is looked up, and changes nothing before it is known to be the first', async () => {
    const report = await quarantine();

    // Powertools' first write: the delivery's in-progress record, refused for a duplicate.
    const [lookup] = sandbox.dynamo!.calls.filter((call) => call.table === IDEMPOTENCY_TABLE && call.operation === 'PutItem');
    // A cold start: the cluster lookup is the response's first read.
    const [clusterLookup] = sandbox.aws.callsTo('eks', 'DescribeCluster');
    const firstChange = Math.min(...sandbox.kube.mutations().map((request) => request.startedAt));
    expect(report.actions.find((action) => action.action === 'isolate-pod')).toMatchObject({ status: 'done' });
    expect(clusterLookup.startedAt).toBeLessThan(lookup.endedAt);
    // The Kubernetes server's clock is Date.now(), the tables' performance time: a millisecond apart at most.
    expect(firstChange).toBeGreaterThanOrEqual(lookup.endedAt - 1);
  });

  it('settles the claims while the notification goes out, all before the incident is recorded', async () => {
    const report = await quarantine();

    const claims = (await sandbox.dynamo!.items(INCIDENT_TABLE)).filter((item) => item.kind === 'claim');
    const done = report.actions.filter((action) => action.status === 'done' && action.action !== 'notify' && action.action !== 'update-securityhub-finding');
    expect(claims.length).toBeGreaterThanOrEqual(3);
    expect(claims.map((claim) => claim.state)).toEqual(claims.map(() => 'done'));
    expect(claims.map((claim) => `${claim.action} ${claim.target}`).sort()).toEqual(expect.arrayContaining(['cordon-node', 'isolate-pod', 'revoke-role-sessions'].map((action) => expect.stringContaining(action))));
    expect(done.length).toBeGreaterThanOrEqual(claims.length);

    const calls = sandbox.dynamo!.calls.filter((call) => call.table === INCIDENT_TABLE);
    const settlements = calls.filter((call) => call.operation === 'UpdateItem' && call.sortKey?.startsWith('TARGET#'));
    const recorded = calls.filter((call) => call.sortKey?.startsWith('EVENT#'));
    expect(recorded.map((call) => call.operation)).toEqual(['BatchWriteItem']);
    const [publish] = sandbox.aws.callsTo('sns', 'Publish');
    expect(settlements).toHaveLength(claims.length);
    // The notification did not wait for the settlements; the record did.
    const lastSettled = Math.max(...settlements.map((call) => call.endedAt));
    expect(publish.startedAt).toBeLessThan(lastSettled);
    expect(Math.min(...recorded.map((call) => call.startedAt))).toBeGreaterThanOrEqual(lastSettled);
  });

  it("claims an instance while protect-instance's plan reads it, and changes it once both have answered", async () => {
    // Without evidence to take first, containment plans while the instance is still being read.
    await quarantine({ withoutEvidenceBucket: true });

    const reads = [...sandbox.aws.callsTo('ec2', 'DescribeInstances'), ...sandbox.aws.callsTo('ec2', 'DescribeInstanceAttribute')];
    const [change] = sandbox.aws.callsTo('ec2', 'ModifyInstanceAttribute');
    const claim = sandbox.dynamo!.calls.find((call) => call.table === INCIDENT_TABLE && call.operation === 'PutItem' && call.sortKey?.startsWith('TARGET#protect-instance#'));
    expect(reads).toHaveLength(3);
    expect(claim).toBeDefined();
    const lastRead = Math.max(...reads.map((call) => call.endedAt));
    // The clocks are a millisecond apart at most (see above).
    expect(claim!.startedAt).toBeLessThan(lastRead);
    expect(change.startedAt).toBeGreaterThanOrEqual(Math.max(lastRead, claim!.endedAt) - 1);
  });

  it('claims a target and takes its circuit-breaker slot in the same round trip', async () => {
    await quarantine();

    const calls = sandbox.dynamo!.calls.filter((call) => call.table === INCIDENT_TABLE);
    const claim = calls.find((call) => call.operation === 'PutItem' && call.sortKey?.startsWith('TARGET#isolate-pod#'));
    const slot = calls.find((call) => call.operation === 'UpdateItem' && call.sortKey?.endsWith('#pods'));
    expect(claim).toBeDefined();
    expect(slot).toBeDefined();
    expect(slot!.startedAt).toBeLessThan(claim!.endedAt);
    expect(claim!.startedAt).toBeLessThan(slot!.endedAt);
  });
});
