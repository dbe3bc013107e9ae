import { protectFromDisruption, protectFromDisruptionRelease } from '../../../../shared/playbooks/actions/protect-from-disruption';
import { DISRUPTION_PROTECTION_ANNOTATION, DO_NOT_DISRUPT_ANNOTATION, SCALE_DOWN_DISABLED_ANNOTATION } from '../../../../shared/markers';
import type { NodeTarget, PodTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { install } from '../../../helpers/cluster-addons';
import { NODES } from '../../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const pod: PodTarget = { namespace: 'argocd', pod: 'privileged-pod', labels: {}, serviceAccount: 'privileged-app', owners: [], node: NODES.a.name };
const node: NodeTarget = { name: NODES.a.name, instanceId: NODES.a.instanceId, pods: ['argocd/privileged-pod'], why: 'hosts-affected-pod' };
const podTarget = { kind: 'pod' as const, pod };
const nodeTarget = { kind: 'node' as const, node };

describe('protect-from-disruption', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const annotations = (kind: 'pod' | 'node') =>
    (kind === 'pod' ? sandbox.kube.getObject('pods', 'argocd', 'privileged-pod') : sandbox.kube.getObject('nodes', undefined, NODES.a.name))?.metadata.annotations ?? {};

  async function protect(target: typeof podTarget | typeof nodeTarget, incidentId = INCIDENT) {
    const context = { ...actionContext(sandbox, { pods: [pod], nodes: [node] }), incidentId };
    const plan = await protectFromDisruption.plan(context, target);
    if ('skip' in plan) return plan;
    return { plan, result: await protectFromDisruption.apply(context, target, plan.change) };
  }

  it('runs after containment, which rewrites the pod’s annotations', () => {
    expect(protectFromDisruption.phase).toBe('preservation');
  });

  it('without Karpenter leaves pods alone and disables only the autoscaler’s scale-down on nodes', async () => {
    expect(await protect(podTarget)).toEqual({ skip: 'Karpenter not served (no karpenter.sh/v1): no pod annotation needed' });

    expect(await protect(nodeTarget)).toMatchObject({ result: { status: 'done', detail: SCALE_DOWN_DISABLED_ANNOTATION + ' set' } });
    expect(annotations('node')).toEqual({ [SCALE_DOWN_DISABLED_ANNOTATION]: 'true', [DISRUPTION_PROTECTION_ANNOTATION]: JSON.stringify({ [INCIDENT]: [SCALE_DOWN_DISABLED_ANNOTATION] }) });
  });

  it('with Karpenter marks the pod and its node do-not-disrupt', async () => {
    install(sandbox.kube, 'karpenter');

    await protect(podTarget);
    await protect(nodeTarget);

    expect(annotations('pod')).toEqual({ [DO_NOT_DISRUPT_ANNOTATION]: 'true', [DISRUPTION_PROTECTION_ANNOTATION]: JSON.stringify({ [INCIDENT]: [DO_NOT_DISRUPT_ANNOTATION] }) });
    expect(annotations('node')).toMatchObject({ [DO_NOT_DISRUPT_ANNOTATION]: 'true', [SCALE_DOWN_DISABLED_ANNOTATION]: 'true' });
    expect(await protect(podTarget)).toEqual({ skip: `already protected (incident ${INCIDENT})` });
  });

  it('records annotations that were already there and leaves them on release', async () => {
    install(sandbox.kube, 'karpenter');
    const stored = sandbox.kube.getObject('nodes', undefined, NODES.a.name)!;
    sandbox.kube.seed({ ...stored, metadata: { ...stored.metadata, annotations: { [DO_NOT_DISRUPT_ANNOTATION]: 'true' } } });

    const protection = await protect(nodeTarget);

    expect(protection).toMatchObject({
      plan: { summary: `annotate node ${NODES.a.name} ${SCALE_DOWN_DISABLED_ANNOTATION}="true"; ${DO_NOT_DISRUPT_ANNOTATION} already set, left as they are`, before: { alreadySet: [DO_NOT_DISRUPT_ANNOTATION] } },
    });
    expect(await protectFromDisruptionRelease.release(actionContext(sandbox), nodeTarget)).toEqual({ status: 'done', detail: `${SCALE_DOWN_DISABLED_ANNOTATION} removed` });
    expect(annotations('node')).toEqual({ [DO_NOT_DISRUPT_ANNOTATION]: 'true' });
  });

  it('keeps annotations another incident still claims when one incident is released', async () => {
    await protect(nodeTarget, 'inc-aaaaaaaaaaaaaaaa');
    // The second incident finds the annotation set and claims nothing new.
    expect(await protect(nodeTarget)).toEqual({ skip: 'already protected (incident inc-aaaaaaaaaaaaaaaa)' });

    expect(await protectFromDisruptionRelease.release(actionContext(sandbox), nodeTarget)).toEqual({ status: 'skipped', detail: 'nothing to remove: not protected by this incident' });
    expect(await protectFromDisruptionRelease.release({ ...actionContext(sandbox), incidentId: 'inc-aaaaaaaaaaaaaaaa' }, nodeTarget)).toMatchObject({ status: 'done' });
    expect(annotations('node')).toEqual({});
  });

  it('fails with the API server’s answer when the patch is refused', async () => {
    const context = actionContext(sandbox, { nodes: [node] });
    const plan = await protectFromDisruption.plan(context, nodeTarget);
    if ('skip' in plan) throw new Error(plan.skip);
    sandbox.kube.failNext({ verb: 'patch', resource: 'nodes' }, 403);

    await expect(protectFromDisruption.apply(context, nodeTarget, plan.change)).rejects.toThrow(/patch node .*: HTTP 403/);
  });
});
