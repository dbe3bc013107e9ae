import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceManifest } from '../../../shared/playbooks/actions/evidence-bundle';
import { QUARANTINE_LABEL } from '../../../shared/markers';
import { runCommand } from '../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR } from '../../helpers/events';
import { CLUSTER } from '../../support/cluster-scenario';
import { EVIDENCE_BUCKET, startSandbox, type Sandbox } from '../../support/sandbox';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('eks-responder evidence bundles', () => {
  let sandbox: Sandbox;
  let directory: string;
  beforeEach(async () => {
    sandbox = await startSandbox({ withoutEvidenceBucket: true });
    directory = mkdtempSync(join(tmpdir(), 'eks-responder-evidence-'));
  });
  afterEach(async () => {
    rmSync(directory, { recursive: true, force: true });
    await sandbox.stop();
  });

  it('writes the bundle of a Deployment pod to --evidence-dir, its manifest matching every file', async () => {
    const result = await runCommand(
      ['playbook', 'collect-evidence', '--cluster', CLUSTER, '--namespace', 'web', '--pod', 'frontend-7d4b9c8f6-x2k4p', '--mode', 'enforce', '--evidence-dir', directory, '--json'],
      sandbox.env,
    );

    expect(result.code).toBe(0);
    const record = result.reports[0].actions.find((action) => action.action === 'collect-evidence')!;
    const location = /^manifest (file:\/\/\S+) \(sha256 ([0-9a-f]{64})\)/.exec(record.detail);
    expect(record.status).toBe('done');
    expect(location).not.toBeNull();
    const manifestPath = location![1].slice('file://'.length);
    const manifestText = readFileSync(manifestPath, 'utf8');
    expect(sha256(manifestText)).toBe(location![2]);
    const manifest = JSON.parse(manifestText) as EvidenceManifest;
    const bundleDir = manifestPath.slice(0, -'manifest.json'.length);
    expect(manifest.objects.map((object) => object.key)).toEqual(
      expect.arrayContaining(['pod.json', 'owners/ReplicaSet-frontend-7d4b9c8f6.json', 'owners/Deployment-frontend.json', 'node.json', 'serviceaccount.json', 'role.json', 'logs/app.log']),
    );
    for (const entry of manifest.objects) expect({ key: entry.key, sha256: sha256(readFileSync(join(bundleDir, entry.key), 'utf8')) }).toEqual({ key: entry.key, sha256: entry.sha256 });
    expect(readdirSync(bundleDir).sort()).toEqual(['events.json', 'finding.json', 'logs', 'manifest.json', 'networkpolicies.json', 'node.json', 'owners', 'pod.json', 'role.json', 'serviceaccount.json']);
    expect(sandbox.aws.callsTo('s3')).toEqual([]);
  });

  it('collects before the quarantine changes anything: the bundle shows the pod and its policies as they were', async () => {
    const result = await runCommand(['playbook', 'quarantine', '--event', join(EVENTS_DIR, ARGOCD_FINDING), '--mode', 'enforce', '--json'], { ...sandbox.env, EVIDENCE_BUCKET });

    expect(result.code).toBe(0);
    const objects = sandbox.aws.s3Objects(EVIDENCE_BUCKET);
    const body = (suffix: string) => [...objects].find(([key]) => key.endsWith(suffix))![1].body;
    expect(JSON.parse(body('/pod.json')).metadata.labels).toEqual({ app: 'privileged-pod', team: 'danger' });
    const policies = JSON.parse(body('/networkpolicies.json')).items;
    expect(policies.find((policy: { metadata: { name: string } }) => policy.metadata.name === 'allow-same-namespace').spec.podSelector).toEqual({});
    // ...while the cluster now holds the contained state.
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: result.reports[0].incidentId });
    expect(result.reports[0].actions[0]).toMatchObject({ action: 'collect-evidence', status: 'done', detail: expect.stringMatching(`^manifest s3://${EVIDENCE_BUCKET}/`) });
  });

  it('lists what it would collect in plan mode and writes nothing', async () => {
    const result = await runCommand(['respond', '--event', join(EVENTS_DIR, ARGOCD_FINDING), '--evidence-dir', directory, '--json'], sandbox.env);

    expect(result.reports[0].actions[0]).toMatchObject({ action: 'collect-evidence', status: 'planned', detail: expect.stringMatching(/^would collect 10 objects to file:\/\/.*: finding\.json, pod\.json/) });
    expect(readdirSync(directory)).toEqual([]);
  });
});
