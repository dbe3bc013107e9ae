import { QUARANTINE_LABEL } from '../../shared/markers';
import type { IncidentReport } from '../../shared/model';
import { respond } from '../../shared/pipeline';
import { normalizeEvent } from '../../shared/sources';
import { loadConfig } from '../../shared/config';
import { createAdapters } from '../../shared/dependencies';
import { createLogger } from '../../shared/observability';
import { startSandbox, TOPIC_ARN, type Sandbox } from '../support/sandbox';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';

type Handler = (event: any) => Promise<IncidentReport>;

/** A fresh module registry is a fresh Lambda execution environment: concurrent invocations share only the tables. */
async function coldStart(): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../functions/guardduty')).handler;
  });
  return handler as Handler;
}

/**
 * Several execution environments (module registries can only be built one at a time, and each
 * costs a module load, so tests spread their invocations over two of them round-robin).
 */
async function coldStarts(count: number): Promise<Handler[]> {
  const handlers: Handler[] = [];
  for (let index = 0; index < count; index += 1) handlers.push(await coldStart());
  return handlers;
}

/** The changes one quarantine of the argocd pod makes, counted by kind. */
function mutationCounts(sandbox: Sandbox): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of sandbox.kube.mutations()) counts[`${request.verb} ${request.resource}`] = (counts[`${request.verb} ${request.resource}`] ?? 0) + 1;
  for (const call of sandbox.aws.mutations()) counts[`${call.service} ${call.operation}`] = (counts[`${call.service} ${call.operation}`] ?? 0) + 1;
  return counts;
}

/**
 * Every change one quarantine makes in the sandbox (no Cilium, Calico or mesh there): the
 * evidence bundle and its pod marker, the pod's labels, the NetworkPolicies, the node's cordon
 * and disruption annotation, the instance's protection, the role's revocation.
 */
const ONE_QUARANTINE = {
  's3 PutObject': 9,
  'patch pods': 2,
  'create networkpolicies': 1,
  'patch networkpolicies': 1,
  'patch nodes': 2,
  'ec2 ModifyInstanceAttribute': 2,
  'ec2 CreateTags': 1,
  'iam PutRolePolicy': 1,
};
/** The Security Hub note each handled (not duplicate) delivery leaves. */
const notes = (count: number) => ({ 'securityhub BatchUpdateFindings': count });

/** The incident log the handlers write, read back through the same adapter. */
const incidentLog = () => {
  const log = createAdapters(loadConfig(process.env, 'cli')).incidentLog;
  if (!log) throw new Error('INCIDENT_TABLE is not set');
  return log;
};

const event = (severity = 8, id?: string) => asEventBridgeEvent(argocdFinding({ severity, id }));
// The per-target claims are shown on the core three; the layered actions' repeats are caught by the mutation counts.
const CLAIMED = ['isolate-pod', 'cordon-node', 'revoke-role-sessions'];
const containment = (report: IncidentReport) => report.actions.filter((action) => CLAIMED.includes(action.action));

describe('duplicate deliveries', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };
  const start = async (withTables: boolean) => {
    sandbox = await startSandbox({ withTables });
    sandbox.aws.addSecret('eks-responder/slack', sandbox.aws.slackWebhookUrl);
    const { SLACK_WEBHOOK_URL: _plainUrl, ...env } = sandbox.env;
    Object.assign(process.env, env, { RESPONSE_MODE: 'enforce', SLACK_WEBHOOK_SECRET_ID: 'eks-responder/slack' });
  };
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  it('without any table: N identical deliveries make one set of changes, the markers stop the rest', async () => {
    await start(false);
    const handler = await coldStart();

    const reports = [];
    for (let delivery = 0; delivery < 3; delivery += 1) reports.push(await handler(event()));

    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(3) });
    for (const report of reports.slice(1)) expect(containment(report).map((action) => action.detail)).toEqual([`already isolated (incident ${report.incidentId})`, `already cordoned (incident ${report.incidentId})`, expect.stringMatching(/^already revoked/)]);
  });

  it('with the tables: identical deliveries after the first are skipped as already handled, and send nothing', async () => {
    await start(true);
    const handler = await coldStart();

    const first = await handler(event());
    const again = [await handler(event()), await handler(event())];

    expect(containment(first).map((action) => action.status)).toEqual(['done', 'done', 'done']);
    for (const report of again) {
      expect(report.actions).toEqual(
        first.actions.map((action) => ({ action: action.action, target: action.target, status: 'skipped', detail: `already handled (incident ${first.incidentId}): was ${action.status}: ${action.detail}` })),
      );
    }
    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(1) });
    expect(sandbox.aws.notifications()).toHaveLength(2);
    // Every delivery is on record, the duplicates as such.
    const record = await incidentLog().get(first.incidentId);
    expect(record?.deliveries).toBe(3);
    expect(record?.timeline.filter((entry) => entry.kind === 'delivery').map((entry) => entry.duplicate ?? false)).toEqual([false, true, true]);
  });

  it('with the tables: concurrent identical deliveries make exactly one set of changes', async () => {
    await start(true);
    const handlers = await coldStarts(2);

    const results = await Promise.allSettled([0, 1, 2, 3].map((index) => handlers[index % 2](event())));

    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(1) });
    const fulfilled = results.filter((result): result is PromiseFulfilledResult<IncidentReport> => result.status === 'fulfilled').map((result) => result.value);
    const acted = fulfilled.filter((report) => containment(report).every((action) => action.status === 'done'));
    expect(acted).toHaveLength(1);
    // The others either saw the stored report or were told to retry while the first was running.
    for (const result of results.filter((result) => result.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrentDeliveryError', retryable: true });
    }
  });

  it('escalates a re-published finding with a higher severity, then treats its repeat as a duplicate', async () => {
    await start(true);
    const handler = await coldStart();

    const medium = await handler(event(5));
    const high = await handler(event(8));
    const repeat = await handler(event(8));

    expect(medium).toMatchObject({ decision: 'notify' });
    expect(containment(medium).map((action) => action.status)).toEqual(['planned', 'planned', 'planned']);
    expect(high.incidentId).toBe(medium.incidentId);
    expect(containment(high).map((action) => action.status)).toEqual(['done', 'done', 'done']);
    expect(repeat.reason).toMatch(/^duplicate delivery, already handled/);
    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(2) });
  });

  it('with the tables: concurrent deliveries of one incident at different severities act once per target', async () => {
    await start(true);
    const handlers = await coldStarts(2);

    const reports = await Promise.all([handlers[0](event(8)), handlers[1](event(9)), handlers[0](event(8.5))]);

    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(3) });
    const statuses = reports.flatMap((report) => containment(report).map((action) => `${action.action} ${action.status}`));
    expect(statuses.filter((status) => status.endsWith('done')).sort()).toEqual(['cordon-node done', 'isolate-pod done', 'revoke-role-sessions done']);
    const others = reports.flatMap((report) => containment(report).filter((action) => action.status !== 'done').map((action) => action.detail));
    for (const detail of others) expect(detail).toMatch(/^(already handled \(incident|being handled by another invocation \(incident|already (isolated|cordoned|revoked))/);
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: reports[0].incidentId });
  });

  it('treats a finding and its Security Hub copy as one incident, acting once', async () => {
    await start(true);
    const config = loadConfig({ ...process.env, NOTIFY_TOPIC_ARN: TOPIC_ARN }, 'lambda');
    const deps = { config, adapters: createAdapters(config), logger: createLogger() };
    const [direct] = normalizeEvent(event());
    // Derived here: no public sample is the Security Hub copy of this finding. The ASFF normalizer maps such a copy to the GuardDuty incident key (tested with the sources).
    const copy = { ...direct, source: 'securityhub' as const, findingId: `arn:aws:securityhub:us-east-1::product/aws/guardduty/${direct.findingId}` };

    const [a, b] = await Promise.all([respond(direct, { mode: 'enforce' }, deps), respond(copy, { mode: 'enforce' }, deps)]);

    expect(a.incidentId).toBe(b.incidentId);
    expect(mutationCounts(sandbox)).toEqual({ ...ONE_QUARANTINE, ...notes(2) });
    expect(await incidentLog().get(a.incidentId)).toMatchObject({ sources: ['guardduty', 'securityhub'], deliveries: 2, findingIds: [copy.findingId, direct.findingId].sort() });
  });
});
