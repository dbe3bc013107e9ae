import { meshDeny, meshDenyRelease, meshEnrolment } from '../../../../shared/playbooks/actions/mesh-deny';
import { ORIGINAL_LABELS_ANNOTATION, QUARANTINE_LABEL, quarantinePolicyName } from '../../../../shared/markers';
import type { PodTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { install } from '../../../helpers/cluster-addons';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const NAME = quarantinePolicyName(INCIDENT);
const podTarget = (name: string): PodTarget => ({ namespace: 'web', pod: name, labels: {}, serviceAccount: 'default', owners: [] });

describe('mesh-deny', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const seedPod = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    sandbox.kube.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name, ...metadata }, spec });

  async function run(name: string) {
    const target = { namespace: 'web', pods: [podTarget(name)] };
    const context = actionContext(sandbox, { pods: target.pods });
    const plan = await meshDeny.plan(context, target);
    if ('skip' in plan) return plan;
    return meshDeny.apply(context, target, plan.change);
  }

  it('is skipped with the reason on a cluster without Istio', async () => {
    seedPod('meshed', { containers: [{ name: 'app' }, { name: 'istio-proxy' }] });

    expect(await run('meshed')).toEqual({ skip: 'Istio not served (no security.istio.io/v1 or security.istio.io/v1beta1)' });
  });

  it('is skipped when no affected pod is in the mesh', async () => {
    install(sandbox.kube, 'istio');
    seedPod('plain', { containers: [{ name: 'app' }] });

    expect(await run('plain')).toEqual({ skip: 'no affected pod in the mesh (no istio-proxy sidecar, no istio.io/dataplane-mode=ambient)' });
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('denies every request to a sidecar pod with an AuthorizationPolicy selecting the quarantine label', async () => {
    install(sandbox.kube, 'istio');
    seedPod('meshed', { containers: [{ name: 'app' }, { name: 'istio-proxy' }] });

    expect(await run('meshed')).toEqual({ status: 'done', detail: `AuthorizationPolicy web/${NAME} created` });

    const stored = sandbox.kube.getObject('authorizationpolicies', 'web', NAME)!;
    expect(stored.apiVersion).toBe('security.istio.io/v1');
    expect(stored.spec).toEqual({ selector: { matchLabels: { [QUARANTINE_LABEL]: INCIDENT } }, action: 'DENY', rules: [{}] });
  });

  it('covers ambient enrolment by namespace, by the pod’s original labels, and native sidecars', () => {
    expect(meshEnrolment({ spec: { containers: [{ name: 'app' }] } }, { 'istio.io/dataplane-mode': 'ambient' })).toBe('ambient');
    expect(meshEnrolment({ metadata: { labels: { [QUARANTINE_LABEL]: INCIDENT }, annotations: { [ORIGINAL_LABELS_ANNOTATION]: '{"istio.io/dataplane-mode":"ambient"}' } } }, {})).toBe('ambient');
    expect(meshEnrolment({ metadata: { labels: { 'istio.io/dataplane-mode': 'none' } } }, { 'istio.io/dataplane-mode': 'ambient' })).toBeUndefined();
    expect(meshEnrolment({ spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy' }] } }, {})).toBe('sidecar');
    expect(meshEnrolment({ spec: { containers: [{ name: 'app' }] } }, {})).toBeUndefined();
  });

  it('acts on an ambient namespace through the API server', async () => {
    install(sandbox.kube, 'istio');
    sandbox.kube.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels: { 'istio.io/dataplane-mode': 'ambient' } } });
    seedPod('ambient', { containers: [{ name: 'app' }] });

    expect(await run('ambient')).toMatchObject({ status: 'done' });
  });

  it('is released by deleting its policy', async () => {
    install(sandbox.kube, 'istio');
    seedPod('meshed', { containers: [{ name: 'app' }, { name: 'istio-proxy' }] });
    await run('meshed');
    const target = { namespace: 'web', pods: [podTarget('meshed')] };

    expect(await meshDeny.plan(actionContext(sandbox), target)).toEqual({ skip: `already present: AuthorizationPolicy web/${NAME}` });
    expect(await meshDenyRelease.release(actionContext(sandbox), target)).toMatchObject({ status: 'done' });
    expect(sandbox.kube.listObjects('authorizationpolicies')).toEqual([]);
  });
});
