import { CILIUM_INGRESS_DENY, ciliumDeny, ciliumDenyRelease } from '../../../../shared/playbooks/actions/cilium-deny';
import { namespaceTargets } from '../../../../shared/playbooks/actions/namespace-targets';
import { CHANGED_AT_ANNOTATION, INCIDENT_ANNOTATION, MANAGED_BY_LABEL, QUARANTINE_LABEL, quarantinePolicyName } from '../../../../shared/markers';
import type { PodTarget } from '../../../../shared/model';
import type { ActionContext } from '../../../../shared/playbooks/action';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { install } from '../../../helpers/cluster-addons';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const pod = (namespace: string, name: string, protectedReason?: string): PodTarget => ({ namespace, pod: name, labels: {}, serviceAccount: 'default', owners: [], protectedReason });
const NAME = quarantinePolicyName(INCIDENT);

describe('cilium-deny', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const context = () => actionContext(sandbox, { pods: [pod('argocd', 'privileged-pod')] });
  const target = { namespace: 'argocd', pods: [pod('argocd', 'privileged-pod')] };

  it('is skipped with the reason on a cluster without Cilium', async () => {
    expect(await ciliumDeny.plan(context(), target)).toEqual({ skip: 'Cilium not served (no cilium.io/v2)' });
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('creates a CiliumNetworkPolicy whose deny rules select the quarantine label, leaving the local host its probes', async () => {
    install(sandbox.kube, 'cilium');
    const ctx = context();

    const plan = await ciliumDeny.plan(ctx, target);
    if ('skip' in plan) throw new Error(plan.skip);
    expect(sandbox.kube.mutations()).toEqual([]);
    const result = await ciliumDeny.apply(ctx, target, plan.change);

    expect(result).toEqual({ status: 'done', detail: `CiliumNetworkPolicy argocd/${NAME} created` });
    const stored = sandbox.kube.getObject('ciliumnetworkpolicies.cilium.io', 'argocd', NAME)!;
    expect(stored.metadata.labels).toEqual({ [MANAGED_BY_LABEL]: 'eks-responder', [QUARANTINE_LABEL]: INCIDENT });
    expect(stored.metadata.annotations).toEqual({ [INCIDENT_ANNOTATION]: INCIDENT, [CHANGED_AT_ANNOTATION]: '2026-11-24T10:00:00.000Z' });
    expect(stored.spec).toEqual({
      endpointSelector: { matchLabels: { [QUARANTINE_LABEL]: INCIDENT } },
      ingressDeny: [
        { fromEntities: ['world', 'remote-node', 'kube-apiserver', 'health', 'init', 'unmanaged'] },
        { fromEndpoints: [{ matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'Exists' }] }] },
      ],
      egressDeny: [{ toEntities: ['all'] }],
    });
    expect(CILIUM_INGRESS_DENY.flatMap((rule) => rule.fromEntities ?? [])).not.toContain('host');
  });

  it('skips a policy it already created for the incident, and leaves a foreign one of that name alone', async () => {
    install(sandbox.kube, 'cilium');
    const plan = await ciliumDeny.plan(context(), target);
    if ('skip' in plan) throw new Error(plan.skip);
    await ciliumDeny.apply(context(), target, plan.change);

    expect(await ciliumDeny.plan(context(), target)).toEqual({ skip: `already present: CiliumNetworkPolicy argocd/${NAME}` });

    sandbox.kube.seed({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: 'argocd', name: NAME }, spec: {} });
    expect(await ciliumDeny.plan(context(), target)).toEqual({ skip: `CiliumNetworkPolicy argocd/${NAME} exists and was not created by the responder; left alone` });
  });

  it('fails with the API server’s answer when the create is refused', async () => {
    install(sandbox.kube, 'cilium');
    const plan = await ciliumDeny.plan(context(), target);
    if ('skip' in plan) throw new Error(plan.skip);
    sandbox.kube.failNext({ verb: 'create', group: 'cilium.io' }, 403);

    await expect(ciliumDeny.apply(context(), target, plan.change)).rejects.toThrow(/create ciliumnetworkpolicies.cilium.io argocd\/.*: HTTP 403/);
    expect(sandbox.kube.getObject('ciliumnetworkpolicies.cilium.io', 'argocd', NAME)).toBeUndefined();
  });

  it('is released by deleting its own policy only', async () => {
    install(sandbox.kube, 'cilium');
    const plan = await ciliumDeny.plan(context(), target);
    if ('skip' in plan) throw new Error(plan.skip);
    await ciliumDeny.apply(context(), target, plan.change);

    expect(await ciliumDenyRelease.release(context(), target)).toEqual({ status: 'done', detail: `CiliumNetworkPolicy argocd/${NAME} deleted` });
    expect(sandbox.kube.listObjects('ciliumnetworkpolicies.cilium.io')).toEqual([]);
    expect(await ciliumDenyRelease.release(context(), target)).toEqual({ status: 'skipped', detail: `nothing to remove: no CiliumNetworkPolicy argocd/${NAME}` });
  });

  it('makes one target per namespace, protected only when every affected pod there is', () => {
    const pods = [pod('web', 'a'), pod('web', 'b'), pod('kube-system', 'c', 'namespace kube-system is protected'), pod('argocd', 'd', 'x'), pod('argocd', 'e')];

    expect(namespaceTargets({ targets: { pods, nodes: [], roles: [], notes: [] } } as unknown as ActionContext).map((target) => [target.namespace, target.pods.map((p) => p.pod), target.protectedReason])).toEqual([
      ['web', ['a', 'b'], undefined],
      ['kube-system', ['c'], 'namespace kube-system is protected'],
      ['argocd', ['e'], undefined],
    ]);
  });
});
