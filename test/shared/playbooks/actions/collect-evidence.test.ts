import { createHash } from 'node:crypto';
import { loadConfig } from '../../../../shared/config';
import { createAdapters } from '../../../../shared/dependencies';
import type { EvidenceManifest } from '../../../../shared/playbooks/actions/evidence-bundle';
import { collectEvidence } from '../../../../shared/playbooks/actions/collect-evidence';
import { EVIDENCE_ANNOTATION } from '../../../../shared/markers';
import type { PodTarget, RoleTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { NODES, ROLES } from '../../../support/cluster-scenario';
import { EVIDENCE_BUCKET, startSandbox, type Sandbox } from '../../../support/sandbox';

const PREFIX = `${INCIDENT}/20261124T100000Z/argocd/privileged-pod/`;
const privileged: PodTarget = { namespace: 'argocd', pod: 'privileged-pod', labels: {}, serviceAccount: 'privileged-app', owners: [], node: NODES.a.name, roleArn: ROLES.privilegedApp, roleVia: 'irsa' };
const role: RoleTarget = { arn: ROLES.privilegedApp, name: 'privileged-app-irsa', via: 'irsa', serviceAccounts: ['argocd/privileged-app'], sharedWith: [], isNodeRole: false };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('collect-evidence', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.kube.setPodLog('argocd', 'privileged-pod', 'app', 'starting\ncurl http://169.254.169.254/latest/meta-data/iam/security-credentials/\n');
    sandbox.kube.setPodLog('argocd', 'privileged-pod', 'app', 'previous run: nsenter -t 1 -m -u -i -n sh\n', true);
    sandbox.kube.seed(
      { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'argocd', name: 'privileged-pod.1' }, involvedObject: { kind: 'Pod', name: 'privileged-pod', namespace: 'argocd' }, reason: 'Started' },
      { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'argocd', name: 'other.1' }, involvedObject: { kind: 'Pod', name: 'argocd-server-86867c9dd8-p6qk7', namespace: 'argocd' }, reason: 'Started' },
    );
    sandbox.aws.addRole({ name: 'privileged-app-irsa', attachedPolicies: [{ name: 'AmazonS3ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] });
  });
  afterEach(() => sandbox.stop());

  const context = (env: Record<string, string> = {}) => {
    const config = loadConfig({ ...sandbox.env, ...env }, 'cli');
    return { ...actionContext(sandbox, { pods: [privileged], roles: [role] }, createAdapters(config)), config };
  };
  const stored = () => sandbox.aws.s3Objects(EVIDENCE_BUCKET);

  async function collect(env: Record<string, string> = {}) {
    const ctx = context(env);
    const plan = await collectEvidence.plan(ctx, privileged);
    if ('skip' in plan) return plan;
    return { plan, result: await collectEvidence.apply(ctx, privileged, plan.change) };
  }

  it('runs in the evidence phase, before any change', () => {
    expect(collectEvidence.phase).toBe('evidence');
  });

  it('is skipped without an evidence store', async () => {
    const config = loadConfig({}, 'cli');
    expect(await collectEvidence.plan({ ...actionContext(sandbox, {}, createAdapters(config)), config }, privileged)).toEqual({
      skip: 'no evidence store: set EVIDENCE_BUCKET (or --evidence-dir on the command line)',
    });
  });

  it('lists what it would collect, reading only', async () => {
    const plan = await collectEvidence.plan(context(), privileged);

    expect(plan).toEqual({
      summary: `collect 10 objects to s3://${EVIDENCE_BUCKET}/${PREFIX}: finding.json, pod.json, events.json, logs/app.log, logs/app.previous.log, node.json, serviceaccount.json, role.json, networkpolicies.json, manifest.json`,
      change: { prefix: PREFIX },
    });
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('writes the bundle to S3 with SSE-KMS and a manifest whose hashes match every stored object', async () => {
    const collected = await collect({ EVIDENCE_KMS_KEY_ID: 'alias/eks-responder-evidence' });

    const objects = stored();
    const manifestObject = objects.get(`${PREFIX}manifest.json`)!;
    const manifest = JSON.parse(manifestObject.body) as EvidenceManifest;
    expect(collected).toMatchObject({ result: { status: 'done', detail: `manifest s3://${EVIDENCE_BUCKET}/${PREFIX}manifest.json (sha256 ${sha256(manifestObject.body)}), 9 objects` } });
    expect(manifest.objects.map((object) => object.key).sort()).toEqual(
      ['events.json', 'finding.json', 'logs/app.log', 'logs/app.previous.log', 'networkpolicies.json', 'node.json', 'pod.json', 'role.json', 'serviceaccount.json'].sort(),
    );
    for (const entry of manifest.objects) {
      const object = objects.get(`${PREFIX}${entry.key}`)!;
      expect({ key: entry.key, sha256: sha256(object.body), bytes: Buffer.byteLength(object.body) }).toEqual({ key: entry.key, sha256: entry.sha256, bytes: entry.bytes });
      expect(object).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/eks-responder-evidence', contentType: entry.contentType });
      // S3 itself verified the SHA-256 of what it received.
      expect(object.checksumSha256).toBe(createHash('sha256').update(object.body).digest('base64'));
      expect(Date.parse(entry.takenAt)).not.toBeNaN();
    }
    expect(manifest).toMatchObject({ format: 'eks-responder-evidence/1', incidentId: INCIDENT, subject: 'pod argocd/privileged-pod', limits: { logTailLines: 1000, logLimitBytes: 1048576 }, missing: [] });
    expect(objects.size).toBe(manifest.objects.length + 1);
  });

  it('holds the pod verbatim, its logs, its events, and the policies that selected it', async () => {
    const apiPod = JSON.stringify(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod'));

    await collect();

    const body = (key: string) => stored().get(`${PREFIX}${key}`)!.body;
    expect(body('pod.json')).toBe(apiPod);
    expect(body('logs/app.log')).toContain('169.254.169.254');
    expect(body('logs/app.previous.log')).toBe('previous run: nsenter -t 1 -m -u -i -n sh\n');
    expect(JSON.parse(body('events.json')).items.map((event: { metadata: { name: string } }) => event.metadata.name)).toEqual(['privileged-pod.1']);
    expect(JSON.parse(body('networkpolicies.json')).items.map((policy: { metadata: { name: string } }) => policy.metadata.name)).toEqual(['allow-same-namespace', 'allow-team-danger-egress']);
    expect(JSON.parse(body('node.json')).metadata.name).toBe(NODES.a.name);
    expect(JSON.parse(body('serviceaccount.json')).metadata.annotations['eks.amazonaws.com/role-arn']).toBe(ROLES.privilegedApp);
    expect(JSON.parse(body('role.json'))).toMatchObject({ correlation: { arn: ROLES.privilegedApp, via: 'irsa' }, iam: { arn: ROLES.privilegedApp, attachedPolicies: [{ name: 'AmazonS3ReadOnlyAccess' }] } });
    expect(JSON.parse(body('finding.json'))).toMatchObject({ findingId: 'manual:test' });
  });

  it('caps logs in bytes and records the cap', async () => {
    const collected = await collect({ EVIDENCE_LOG_BYTES: '16', EVIDENCE_LOG_LINES: '1' });

    const manifest = JSON.parse(stored().get(`${PREFIX}manifest.json`)!.body) as EvidenceManifest;
    expect(manifest.limits).toEqual({ logTailLines: 1, logLimitBytes: 16 });
    expect(manifest.objects.find((object) => object.key === 'logs/app.log')).toMatchObject({ bytes: 16, truncated: true });
    expect(sandbox.kube.requests.find((request) => request.subresource === 'log')?.query).toMatchObject({ tailLines: '1', limitBytes: '16' });
    expect(collected).toMatchObject({ result: { detail: expect.stringContaining('2 log(s) capped at 16 bytes') } });
  });

  it('records what it could not read, and collects the rest', async () => {
    sandbox.kube.failNext({ verb: 'list', resource: 'events' }, 403);

    const collected = await collect();

    const manifest = JSON.parse(stored().get(`${PREFIX}manifest.json`)!.body) as EvidenceManifest;
    expect(manifest.missing).toEqual([{ key: 'events.json', source: expect.stringContaining('/events'), reason: expect.stringMatching(/^read failed: list Event in argocd: HTTP 403/) }]);
    expect(collected).toMatchObject({ result: { status: 'done', detail: expect.stringContaining('8 objects, 1 not available') } });
  });

  it('marks the pod with its manifest and does not collect twice for the incident', async () => {
    await collect();

    const marker = JSON.parse(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!.metadata.annotations[EVIDENCE_ANNOTATION]);
    expect(marker).toEqual({ incident: INCIDENT, manifest: `s3://${EVIDENCE_BUCKET}/${PREFIX}manifest.json` });
    expect(await collect()).toEqual({ skip: `already collected: s3://${EVIDENCE_BUCKET}/${PREFIX}manifest.json` });
  });

  it('fails when the store refuses an object, leaving the pod unmarked', async () => {
    sandbox.aws.failNext({ service: 's3', operation: 'PutObject' }, { status: 403, code: 'AccessDenied', message: 'Access Denied' });

    await expect(collect()).rejects.toThrow(/Access Denied/);
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!.metadata.annotations?.[EVIDENCE_ANNOTATION]).toBeUndefined();
  });
});
