import { calicoDeny, calicoDenyRelease } from '../../../../shared/playbooks/actions/calico-deny';
import { QUARANTINE_LABEL, quarantinePolicyName } from '../../../../shared/markers';
import type { PodTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { install } from '../../../helpers/cluster-addons';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const pod: PodTarget = { namespace: 'argocd', pod: 'privileged-pod', labels: {}, serviceAccount: 'default', owners: [] };
const target = { namespace: 'argocd', pods: [pod] };
const NAME = quarantinePolicyName(INCIDENT);
const DENY_ALL = { order: 0, selector: `${QUARANTINE_LABEL} == '${INCIDENT}'`, types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] };

describe('calico-deny', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const context = () => actionContext(sandbox, { pods: [pod] });

  async function applied() {
    const ctx = context();
    const plan = await calicoDeny.plan(ctx, target);
    if ('skip' in plan) throw new Error(plan.skip);
    return calicoDeny.apply(ctx, target, plan.change);
  }

  it('is skipped with the reason on a cluster without Calico', async () => {
    expect(await calicoDeny.plan(context(), target)).toEqual({ skip: 'Calico not served (no projectcalico.org/v3 or crd.projectcalico.org/v1)' });
  });

  it('writes through Calico’s API server a deny-all policy at order 0 selecting the quarantine label', async () => {
    install(sandbox.kube, 'calicoApiServer', 'calicoCrds');

    expect(await applied()).toEqual({ status: 'done', detail: `NetworkPolicy argocd/${NAME} created` });

    const stored = sandbox.kube.getObject({ group: 'projectcalico.org', resource: 'networkpolicies' }, 'argocd', NAME)!;
    expect(stored.apiVersion).toBe('projectcalico.org/v3');
    expect(stored.spec).toEqual(DENY_ALL);
    expect(sandbox.kube.listObjects({ group: 'crd.projectcalico.org', resource: 'networkpolicies' })).toEqual([]);
    // The Kubernetes NetworkPolicy of the same name space is untouched.
    expect(sandbox.kube.listObjects({ group: 'networking.k8s.io', resource: 'networkpolicies' }, 'argocd').map((policy) => policy.metadata.name)).not.toContain(NAME);
  });

  it('writes the storage form (default. prefix, tier default) when only Calico’s CRDs are served', async () => {
    install(sandbox.kube, 'calicoCrds');

    expect(await applied()).toEqual({ status: 'done', detail: `NetworkPolicy argocd/default.${NAME} created` });

    const stored = sandbox.kube.getObject({ group: 'crd.projectcalico.org', resource: 'networkpolicies' }, 'argocd', `default.${NAME}`)!;
    expect(stored.apiVersion).toBe('crd.projectcalico.org/v1');
    expect(stored.spec).toEqual({ tier: 'default', ...DENY_ALL });
    expect(await calicoDeny.plan(context(), target)).toEqual({ skip: `already present: NetworkPolicy argocd/default.${NAME}` });
  });

  it('is released by deleting its policy', async () => {
    install(sandbox.kube, 'calicoApiServer');
    await applied();

    expect(await calicoDenyRelease.release(context(), target)).toEqual({ status: 'done', detail: `NetworkPolicy argocd/${NAME} deleted` });
    expect(sandbox.kube.listObjects({ group: 'projectcalico.org', resource: 'networkpolicies' })).toEqual([]);
  });
});
