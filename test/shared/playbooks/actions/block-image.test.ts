import { blockImage, blockImageRelease, imageDigests } from '../../../../shared/playbooks/actions/block-image';
import { blockImagePolicyName, MANAGED_BY_LABEL, QUARANTINE_LABEL } from '../../../../shared/markers';
import type { PodTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { install } from '../../../helpers/cluster-addons';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const NAME = blockImagePolicyName(INCIDENT);
const pod: PodTarget = { namespace: 'argocd', pod: 'privileged-pod', labels: {}, serviceAccount: 'privileged-app', owners: [] };
const target = { pods: [pod] };

describe('block-image', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    // The kubelet reports the digest the container runs.
    const stored = sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!;
    sandbox.kube.seed({ ...stored, status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'centos', imageID: `docker.io/library/centos@${DIGEST}` }] } });
  });
  afterEach(() => sandbox.stop());

  async function block() {
    const context = actionContext(sandbox, { pods: [pod] });
    const plan = await blockImage.plan(context, target);
    if ('skip' in plan) return plan;
    return { plan, result: await blockImage.apply(context, target, plan.change) };
  }

  it('reads digests from container statuses and digest references, nothing from tags', () => {
    expect(
      imageDigests([
        { spec: { containers: [{ image: 'nginx:1.27' }, { image: `repo/app@sha256:${'b'.repeat(64)}` }] }, status: { containerStatuses: [{ imageID: `docker.io/library/nginx@${DIGEST}` }, { imageID: '' }] } },
      ]),
    ).toEqual([DIGEST, `sha256:${'b'.repeat(64)}`]);
  });

  it('is skipped with the reason when neither Kyverno nor Gatekeeper runs', async () => {
    expect(await block()).toEqual({ skip: 'neither Kyverno (kyverno.io/v1) nor Gatekeeper (templates.gatekeeper.sh/v1) is served' });
  });

  it('creates a Kyverno ClusterPolicy named after the incident that refuses new pods naming the digest', async () => {
    install(sandbox.kube, 'kyverno');

    const blocked = await block();

    expect(blocked).toMatchObject({
      plan: { summary: `create ClusterPolicy ${NAME} denying new pods that name ${DIGEST}; pods naming the image by tag only are not matched` },
      result: { status: 'done', detail: `ClusterPolicy ${NAME} created` },
    });
    const policy = sandbox.kube.getObject('clusterpolicies', undefined, NAME)!;
    expect(policy.metadata.labels).toEqual({ [MANAGED_BY_LABEL]: 'eks-responder', [QUARANTINE_LABEL]: INCIDENT });
    expect(policy.spec).toEqual({
      validationFailureAction: 'Enforce',
      background: false,
      rules: [
        {
          name: 'deny-compromised-image-digests',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          preconditions: { all: [{ key: "{{ request.operation || 'BACKGROUND' }}", operator: 'Equals', value: 'CREATE' }] },
          validate: {
            message: `eks-responder incident ${INCIDENT}: this image digest belongs to a compromised workload and is blocked`,
            deny: { conditions: { any: [{ key: '{{ request.object.spec.[ephemeralContainers, initContainers, containers][].image }}', operator: 'AnyIn', value: [`*@${DIGEST}`] }] } },
          },
        },
      ],
    });
    expect(await block()).toEqual({ skip: `already present: ClusterPolicy ${NAME}` });
  });

  it('creates the shared Gatekeeper template and a constraint for the incident', async () => {
    install(sandbox.kube, 'gatekeeper', 'gatekeeperBlockedImageKind');

    expect(await block()).toMatchObject({ result: { status: 'done', detail: `ConstraintTemplate eksresponderblockedimage created; EksResponderBlockedImage ${NAME} created` } });

    const template = sandbox.kube.getObject('constrainttemplates', undefined, 'eksresponderblockedimage')!;
    expect(template.spec.crd.spec.names).toEqual({ kind: 'EksResponderBlockedImage' });
    expect(template.spec.targets[0]).toMatchObject({ target: 'admission.k8s.gatekeeper.sh', rego: expect.stringContaining('input.review.operation == "CREATE"') });
    expect(sandbox.kube.getObject('eksresponderblockedimage', undefined, NAME)?.spec).toEqual({
      enforcementAction: 'deny',
      match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] },
      parameters: { incident: INCIDENT, digests: [DIGEST] },
    });
  });

  it('fails, to be run again, when Gatekeeper has not served the constraint kind in time', async () => {
    install(sandbox.kube, 'gatekeeper');

    await expect(block()).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('not served yet (Gatekeeper has not picked up its ConstraintTemplate)') });
    expect(sandbox.kube.getObject('constrainttemplates', undefined, 'eksresponderblockedimage')).toBeDefined();
  });

  it('warns about other pods naming the digest', async () => {
    install(sandbox.kube, 'kyverno');
    sandbox.kube.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name: 'pinned' }, spec: { containers: [{ name: 'c', image: `docker.io/library/centos@${DIGEST}` }] } });

    const plan = await blockImage.plan(actionContext(sandbox), target);

    expect(plan).toMatchObject({ summary: expect.stringContaining('warning: 1 other pod(s) name these digests and could not be re-created: web/pinned') });
  });

  it('is skipped when no digest is known yet', async () => {
    install(sandbox.kube, 'kyverno');
    const stored = sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')!;
    sandbox.kube.seed({ ...stored, status: { phase: 'Pending' } });

    expect(await block()).toEqual({ skip: 'no image digest known for the affected pods (no container has started)' });
  });

  it('is released by deleting the incident’s policy', async () => {
    install(sandbox.kube, 'kyverno');
    await block();

    expect(await blockImageRelease.release(actionContext(sandbox), target)).toEqual({ status: 'done', detail: `ClusterPolicy ${NAME} deleted` });
    expect(sandbox.kube.listObjects('clusterpolicies')).toEqual([]);
  });
});
