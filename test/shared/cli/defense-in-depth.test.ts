import { join } from 'node:path';
import {
  DISRUPTION_PROTECTION_ANNOTATION,
  DO_NOT_DISRUPT_ANNOTATION,
  INCIDENT_TAG,
  ORIGINAL_LABELS_ANNOTATION,
  QUARANTINE_LABEL,
  SCALE_DOWN_DISABLED_ANNOTATION,
  blockImagePolicyName,
  quarantinePolicyName,
} from '../../../shared/markers';
import { loadConfig } from '../../../shared/config';
import { createAdapters } from '../../../shared/dependencies';
import { containmentActionsOf } from '../../../shared/playbooks/registry';
import { RELEASES } from '../../../shared/playbooks/releases';
import { actionContext } from '../../helpers/action-context';
import { runCommand } from '../../helpers/cli';
import { install } from '../../helpers/cluster-addons';
import { ARGOCD_FINDING, EVENTS_DIR } from '../../helpers/events';
import { NODES, ROLES } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);
const DIGEST = `sha256:${'c'.repeat(64)}`;
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'networking.k8s.io']);

describe('eks-responder playbook quarantine: defense in depth', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  /** The argocd pod as it would run in an Istio sidecar mesh, its image digest reported by the kubelet. */
  function meshThePod(): void {
    const pod = sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!;
    sandbox.kube.seed({
      ...pod,
      spec: { ...pod.spec, containers: [...pod.spec.containers, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'centos', imageID: `docker.io/library/centos@${DIGEST}` }] },
    });
  }

  const quarantine = (env: Record<string, string> = {}) => runCommand(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json'], { ...sandbox.env, ...env });

  it('isolates at every layer a cluster with Cilium, Istio and Karpenter has, and keeps the node and pod from being disrupted', async () => {
    install(sandbox.kube, 'cilium', 'istio', 'karpenter');
    meshThePod();

    const result = await quarantine();

    expect(result.code).toBe(0);
    const [report] = result.reports;
    const incident = report.incidentId;
    expect(report.notes).toContain('cluster APIs: Cilium (cilium.io/v2), Istio (security.istio.io/v1), Karpenter (karpenter.sh/v1); not served: Calico, Kyverno, Gatekeeper');
    expect(report.actions.filter((action) => action.status !== 'done').map((action) => [action.action, action.detail])).toEqual([
      ['calico-deny', 'Calico not served (no projectcalico.org/v3 or crd.projectcalico.org/v1)'],
    ]);
    const { kube, aws } = sandbox;
    expect(kube.getObject('ciliumnetworkpolicies', 'argocd', quarantinePolicyName(incident))?.spec.endpointSelector).toEqual({ matchLabels: { [QUARANTINE_LABEL]: incident } });
    expect(kube.getObject('authorizationpolicies', 'argocd', quarantinePolicyName(incident))?.spec).toMatchObject({ action: 'DENY', rules: [{}] });
    expect(kube.getObject('networkpolicies.networking.k8s.io', 'argocd', quarantinePolicyName(incident))).toBeDefined();

    // Preservation ran after isolation rewrote the pod's annotations: both survive.
    const pod = kube.getObject('pods', 'argocd', 'privileged-pod')!;
    expect(pod.metadata.labels).toEqual({ [QUARANTINE_LABEL]: incident });
    expect(pod.metadata.annotations).toMatchObject({ [DO_NOT_DISRUPT_ANNOTATION]: 'true', [ORIGINAL_LABELS_ANNOTATION]: expect.any(String), [DISRUPTION_PROTECTION_ANNOTATION]: expect.any(String) });
    const node = kube.getObject('nodes', undefined, NODES.a.name)!;
    expect(node.spec.unschedulable).toBe(true);
    expect(node.metadata.annotations).toMatchObject({ [DO_NOT_DISRUPT_ANNOTATION]: 'true', [SCALE_DOWN_DISABLED_ANNOTATION]: 'true' });
    expect(aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: true, shutdownBehavior: 'stop' });

    // Opt-in actions stay out unless configured.
    expect(report.actions.map((action) => action.action)).not.toContain('block-image');
    expect(aws.snapshots()).toEqual([]);
  });

  it('attempts nothing beyond the built-in APIs on a plain cluster', async () => {
    const result = await quarantine({ BLOCK_IMAGE: 'true' });

    expect(result.code).toBe(0);
    const touched = sandbox.kube.requests.filter((request) => request.verb !== 'discovery' && !BUILTIN_GROUPS.has(request.group));
    expect(touched).toEqual([]);
    expect(result.reports[0].actions.find((action) => action.action === 'block-image')?.detail).toBe('neither Kyverno (kyverno.io/v1) nor Gatekeeper (templates.gatekeeper.sh/v1) is served');
  });

  it('blocks the image and snapshots the volumes when configured to', async () => {
    install(sandbox.kube, 'kyverno');
    meshThePod();

    const result = await quarantine({ BLOCK_IMAGE: 'true', SNAPSHOT_VOLUMES: 'true' });

    expect(result.code).toBe(0);
    const incident = result.reports[0].incidentId;
    expect(sandbox.kube.getObject('clusterpolicies', undefined, blockImagePolicyName(incident))?.spec.rules[0].validate.deny.conditions.any[0].value).toEqual([`*@${DIGEST}`]);
    expect(sandbox.aws.snapshots().map((snapshot) => [snapshot.volumeId, snapshot.tags.get(INCIDENT_TAG)])).toEqual([[`vol-${NODES.a.instanceId.slice(2)}`, incident]]);
  });

  it('is undone by the releases, which remove every object and annotation added and keep the evidence', async () => {
    install(sandbox.kube, 'cilium', 'istio', 'karpenter', 'kyverno');
    meshThePod();
    const optIns = { BLOCK_IMAGE: 'true', SNAPSHOT_VOLUMES: 'true' };
    const [report] = (await quarantine(optIns)).reports;
    const config = loadConfig({ ...sandbox.env, ...optIns }, 'cli');
    const context = {
      ...actionContext(sandbox, {
        pods: [{ namespace: 'argocd', pod: 'privileged-pod', labels: {}, serviceAccount: 'privileged-app', owners: [], node: NODES.a.name, roleArn: ROLES.privilegedApp }],
        nodes: [{ name: NODES.a.name, instanceId: NODES.a.instanceId, pods: ['argocd/privileged-pod'], why: 'hosts-affected-pod' }],
      }, createAdapters(config)),
      config,
      incidentId: report.incidentId,
    };
    const custom = () =>
      ['ciliumnetworkpolicies', 'authorizationpolicies', 'clusterpolicies'].flatMap((resource) => sandbox.kube.listObjects(resource).map((object) => `${resource}/${object.metadata.name}`));
    expect(custom()).toHaveLength(3);

    const results = [];
    for (const action of containmentActionsOf('quarantine', config).filter((item) => RELEASES[item.name])) {
      for (const target of action.targetsOf(context)) results.push([action.name, (await RELEASES[action.name].release(context, target)).status]);
    }

    expect(results).toEqual([
      ['collect-evidence', 'done'],
      ['cilium-deny', 'done'],
      ['calico-deny', 'skipped'],
      ['mesh-deny', 'done'],
      ['protect-instance', 'done'],
      ['snapshot-volumes', 'skipped'],
      ['block-image', 'done'],
      ['protect-from-disruption', 'done'],
      ['protect-from-disruption', 'done'],
    ]);
    expect(custom()).toEqual([]);
    const annotationsLeft = (annotations: Record<string, string> = {}) => Object.keys(annotations).filter((key) => key.startsWith('karpenter.sh/') || key.startsWith('cluster-autoscaler') || key === DISRUPTION_PROTECTION_ANNOTATION || key === 'eks-responder.io/evidence');
    expect(annotationsLeft(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.annotations)).toEqual([]);
    expect(annotationsLeft(sandbox.kube.getObject('nodes', undefined, NODES.a.name)?.metadata.annotations)).toEqual([]);
    expect(sandbox.aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: false, shutdownBehavior: 'terminate' });
    expect([...sandbox.aws.instance(NODES.a.instanceId)!.tags.keys()].filter((key) => key.startsWith('eks-responder:'))).toEqual([]);
    // Evidence stays: the bundle and the snapshots.
    expect(sandbox.aws.snapshots()).toHaveLength(1);
    expect(sandbox.aws.s3Objects('eks-responder-evidence-123456789012').size).toBeGreaterThan(5);
  });
});
