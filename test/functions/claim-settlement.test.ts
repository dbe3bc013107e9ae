// With the deployment's tables, each change is claimed before it is made and the claim settled
// after: the settling runs alongside the notification (which does not wait for it) and is over
// before the incident is recorded and the handler returns.
import type { IncidentReport } from '../../shared/model';
import { startSandbox, type Sandbox } from '../support/sandbox';
import { INCIDENT_TABLE } from '../support/dynamo';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';

type Handler = (event: unknown) => Promise<IncidentReport>;

describe('claims of a quarantine, with the tables', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  it('are settled while the notification goes out, and all settled before the incident is recorded', async () => {
    // A latency makes the order visible: a settlement takes at least one round trip.
    sandbox = await startSandbox({ withTables: true, withoutSlack: true, latencyMs: 30 });
    Object.assign(process.env, sandbox.env, { RESPONSE_MODE: 'enforce' });
    let handler: Handler | undefined;
    await jest.isolateModulesAsync(async () => {
      handler = (await import('../../functions/guardduty')).handler as Handler;
    });

    const report = await handler!(asEventBridgeEvent(argocdFinding({ severity: 8 })));

    const claims = (await sandbox.dynamo!.items(INCIDENT_TABLE)).filter((item) => item.kind === 'claim');
    const done = report.actions.filter((action) => action.status === 'done' && action.action !== 'notify' && action.action !== 'update-securityhub-finding');
    expect(claims.length).toBeGreaterThanOrEqual(3);
    expect(claims.map((claim) => claim.state)).toEqual(claims.map(() => 'done'));
    expect(claims.map((claim) => `${claim.action} ${claim.target}`).sort()).toEqual(expect.arrayContaining(['cordon-node', 'isolate-pod', 'revoke-role-sessions'].map((action) => expect.stringContaining(action))));
    expect(done.length).toBeGreaterThanOrEqual(claims.length);

    const calls = sandbox.dynamo!.calls.filter((call) => call.table === INCIDENT_TABLE);
    const settlements = calls.filter((call) => call.operation === 'UpdateItem' && call.sortKey?.startsWith('TARGET#'));
    const recorded = calls.filter((call) => call.sortKey?.startsWith('EVENT#'));
    const [publish] = sandbox.aws.callsTo('sns', 'Publish');
    expect(settlements).toHaveLength(claims.length);
    // The notification did not wait for the settlements; the record did.
    const lastSettled = Math.max(...settlements.map((call) => call.endedAt));
    expect(publish.startedAt).toBeLessThan(lastSettled);
    expect(Math.min(...recorded.map((call) => call.startedAt))).toBeGreaterThanOrEqual(lastSettled);
  });
});
