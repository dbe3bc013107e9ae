// The Lambda handlers' CloudWatch metrics, read back from the Embedded Metric Format lines
// Powertools writes to standard output while the real handler runs against the sandbox.
import { EVIDENCE_ANNOTATION } from '../../shared/markers';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/metrics';
import type { IncidentReport } from '../../shared/model';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { CLUSTER } from '../support/cluster-scenario';
import { EVIDENCE_BUCKET, startSandbox, TOPIC_ARN, type Sandbox } from '../support/sandbox';

type Handler = (event: unknown) => Promise<any>;

async function coldStart(path: '../../functions/guardduty' | '../../functions/manual-playbook'): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import(path)).handler;
  });
  return handler as Handler;
}

interface EmfBlob {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Runs the handler, returning what it returned or threw and the EMF blobs it wrote to standard output. */
async function invokeCapturing(handler: Handler, event: unknown): Promise<{ result?: any; error?: unknown; blobs: EmfBlob[] }> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { result: await handler(event), blobs: parseBlobs(written) };
  } catch (error) {
    return { error, blobs: parseBlobs(written) };
  } finally {
    spy.mockRestore();
  }
}

function parseBlobs(written: string[]): EmfBlob[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfBlob);
}

/** Metric name -> values, with each blob's dimensions, across all blobs. */
function metricsIn(blobs: EmfBlob[]): { name: string; unit: string; value: unknown; dimensions: Record<string, unknown> }[] {
  return blobs.flatMap((blob) =>
    blob._aws.CloudWatchMetrics.flatMap((directive) => {
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      const dimensions = Object.fromEntries(directive.Dimensions.flat().map((name) => [name, blob[name]]));
      return directive.Metrics.map((metric) => ({ name: metric.Name, unit: metric.Unit, value: blob[metric.Name], dimensions }));
    }),
  );
}

/** The real argocd finding at high severity, created `secondsAgo` before now (derived here, not a sample). */
function recentFinding(secondsAgo: number): Record<string, any> {
  const event = asEventBridgeEvent(argocdFinding({ severity: 8 }));
  event.detail.createdAt = new Date(Date.now() - secondsAgo * 1000).toISOString();
  return event;
}

describe('handler metrics (EMF)', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    sandbox = await startSandbox({ withoutSlack: true });
    Object.assign(process.env, { NOTIFY_TOPIC_ARN: TOPIC_ARN, POWERTOOLS_METRICS_DISABLED: 'false' });
  });
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  it('counts the finding, the incident, each action by result, and the time to contain a quarantine', async () => {
    process.env.RESPONSE_MODE = 'enforce';
    const handler = await coldStart('../../functions/guardduty');

    const { result, blobs } = await invokeCapturing(handler, recentFinding(90));

    const report = result as IncidentReport;
    expect(report.cluster).toBe(CLUSTER);
    const metrics = metricsIn(blobs);
    const service = { service: METRICS_SERVICE };
    expect(metrics.filter((metric) => metric.name !== 'Actions')).toEqual([
      { name: 'FindingsReceived', unit: 'Count', value: 1, dimensions: service },
      { name: 'Incidents', unit: 'Count', value: 1, dimensions: service },
      { name: 'TimeToContainSeconds', unit: 'Seconds', value: (Date.parse(report.containedAt!) - Date.parse(report.findingCreatedAt!)) / 1000, dimensions: service },
    ]);
    const seconds = metrics.find((metric) => metric.name === 'TimeToContainSeconds')!.value as number;
    expect(seconds).toBeGreaterThanOrEqual(90);
    expect(seconds).toBeLessThan(120);
    // No EVIDENCE_BUCKET in this environment and a plain cluster (no Cilium, Calico, Istio, Karpenter): those are skipped.
    expect(metrics.filter((metric) => metric.name === 'Actions').map(({ value, dimensions }) => ({ value, ...dimensions }))).toEqual([
      // No EVIDENCE_BUCKET in this environment: no evidence store, so collect-evidence skips.
      { value: 1, service: METRICS_SERVICE, action: 'collect-evidence', status: 'skipped' },
      { value: 1, service: METRICS_SERVICE, action: 'isolate-pod', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'cordon-node', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'revoke-role-sessions', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'cilium-deny', status: 'skipped' },
      { value: 1, service: METRICS_SERVICE, action: 'calico-deny', status: 'skipped' },
      { value: 1, service: METRICS_SERVICE, action: 'mesh-deny', status: 'skipped' },
      { value: 1, service: METRICS_SERVICE, action: 'protect-instance', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'protect-from-disruption', status: 'skipped' },
      { value: 1, service: METRICS_SERVICE, action: 'protect-from-disruption', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'notify', status: 'done' },
      { value: 1, service: METRICS_SERVICE, action: 'update-securityhub-finding', status: 'done' },
    ]);
  });

  it('reports no time to contain when nothing was contained (notify mode)', async () => {
    const handler = await coldStart('../../functions/guardduty');

    const { result, blobs } = await invokeCapturing(handler, recentFinding(30));

    expect((result as IncidentReport).containedAt).toBeUndefined();
    const metrics = metricsIn(blobs);
    expect(metrics.map((metric) => metric.name)).not.toContain('TimeToContainSeconds');
    expect(metrics.filter((metric) => metric.name === 'Actions').map(({ value, dimensions }) => [dimensions.action, dimensions.status, value])).toEqual([
      ['collect-evidence', 'skipped', 1],
      ['isolate-pod', 'planned', 1],
      ['cordon-node', 'planned', 1],
      ['revoke-role-sessions', 'planned', 1],
      ['cilium-deny', 'skipped', 1],
      ['calico-deny', 'skipped', 1],
      ['mesh-deny', 'skipped', 1],
      ['protect-instance', 'planned', 1],
      ['protect-from-disruption', 'skipped', 1],
      ['protect-from-disruption', 'planned', 1],
      ['notify', 'done', 1],
      ['update-securityhub-finding', 'done', 1],
    ]);
  });

  it('reports no time to contain when only evidence was taken, the workload being contained already', async () => {
    Object.assign(process.env, { RESPONSE_MODE: 'enforce', EVIDENCE_BUCKET });
    const handler = await coldStart('../../functions/guardduty');
    await invokeCapturing(handler, recentFinding(60));
    // The pod's pointer to its evidence removed (as the release does): the next run collects again and contains nothing.
    const pod = sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!;
    sandbox.kube.seed({ ...pod, metadata: { ...pod.metadata, annotations: Object.fromEntries(Object.entries(pod.metadata.annotations).filter(([key]) => key !== EVIDENCE_ANNOTATION)) } });

    const { result, blobs } = await invokeCapturing(handler, recentFinding(60));

    const report = result as IncidentReport;
    expect(report.actions.filter((action) => action.status === 'done').map((action) => action.action)).toEqual(['collect-evidence', 'notify', 'update-securityhub-finding']);
    expect(report.containedAt).toBeUndefined();
    expect(metricsIn(blobs).map((metric) => metric.name)).not.toContain('TimeToContainSeconds');
  });

  it('publishes the failed action before the handler raises for a retry', async () => {
    process.env.RESPONSE_MODE = 'enforce';
    sandbox.aws.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 403, code: 'AccessDenied' });
    const handler = await coldStart('../../functions/guardduty');

    const { error, blobs } = await invokeCapturing(handler, recentFinding(60));

    expect(error).toMatchObject({ name: 'ActionFailedError' });
    const actions = metricsIn(blobs).filter((metric) => metric.name === 'Actions');
    expect(actions).toContainEqual(expect.objectContaining({ value: 1, dimensions: { service: METRICS_SERVICE, action: 'revoke-role-sessions', status: 'failed' } }));
  });

  it('counts an ignored finding as received only', async () => {
    const handler = await coldStart('../../functions/guardduty');

    const { blobs } = await invokeCapturing(handler, asEventBridgeEvent(argocdFinding({ severity: 2 })));

    expect(metricsIn(blobs).map(({ name, value }) => [name, value])).toEqual([['FindingsReceived', 1]]);
  });

  it('writes nothing for an event it cannot parse', async () => {
    const handler = await coldStart('../../functions/guardduty');

    const { error, blobs } = await invokeCapturing(handler, { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: {} });

    expect(error).toMatchObject({ name: 'BadInputError' });
    expect(blobs).toEqual([]);
  });

  it('counts every finding of a manual invocation', async () => {
    const handler = await coldStart('../../functions/manual-playbook');

    const { blobs } = await invokeCapturing(handler, { playbook: 'isolate-pod', target: { cluster: CLUSTER, namespace: 'web', pod: 'frontend-7d4b9c8f6-m5t7z' }, mode: 'enforce' });

    const metrics = metricsIn(blobs);
    expect(metrics.filter((metric) => metric.name === 'FindingsReceived').map((metric) => metric.value)).toEqual([1]);
    // A manual target has no finding creation time: nothing to measure from.
    expect(metrics.map((metric) => metric.name)).not.toContain('TimeToContainSeconds');
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'Actions', value: 1, dimensions: { service: METRICS_SERVICE, action: 'isolate-pod', status: 'done' } }));
  });
});
