import type { CustomObject, CustomResource } from '../../adapters/ports';
import { detectClusterApis } from '../../correlation/cluster-apis';
import { ActionFailedError } from '../../errors';
import { blockImagePolicyName, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../markers';
import type { PodTarget } from '../../model';
import type { Action, ActionContext } from '../action';
import type { ActionRelease } from '../action-release';
import { createdFor, createdMetadata } from './created-object';
import { requireKube } from './require-kube';
import { blockedImageTemplate, CONSTRAINT_KIND, gatekeeperConstraint, kyvernoPolicy } from './block-image-policies';

export const KYVERNO_POLICIES: CustomResource & { kind: string } = { group: 'kyverno.io', version: 'v1', plural: 'clusterpolicies', namespaced: false, kind: 'ClusterPolicy' };
export const CONSTRAINT_TEMPLATES: CustomResource & { kind: string } = { group: 'templates.gatekeeper.sh', version: 'v1', plural: 'constrainttemplates', namespaced: false, kind: 'ConstraintTemplate' };
export const BLOCKED_IMAGE_CONSTRAINTS: CustomResource & { kind: string } = {
  group: 'constraints.gatekeeper.sh',
  version: 'v1beta1',
  plural: CONSTRAINT_KIND.toLowerCase(),
  namespaced: false,
  kind: CONSTRAINT_KIND,
};

interface ImageTarget {
  pods: PodTarget[];
}

interface BlockChange {
  engine: 'kyverno' | 'gatekeeper';
  /** Created in order; the Gatekeeper constraint needs its template first. */
  objects: { resource: CustomResource & { kind: string }; object: CustomObject }[];
}

const DIGEST = /sha256:[0-9a-f]{64}/;

interface PodManifest {
  spec?: Record<string, { image?: string }[] | undefined>;
  status?: Record<string, { imageID?: string }[] | undefined>;
}

/** The digests the pods' containers run (status imageID), and those their specs name. */
export function imageDigests(pods: PodManifest[]): string[] {
  const references = pods.flatMap((pod) => [
    ...['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'].flatMap((field) => (pod.status?.[field] ?? []).map((status) => status.imageID ?? '')),
    ...['containers', 'initContainers', 'ephemeralContainers'].flatMap((field) => (pod.spec?.[field] ?? []).map((container) => container.image ?? '')),
  ]);
  return [...new Set(references.map((reference) => DIGEST.exec(reference)?.[0]).filter((digest): digest is string => Boolean(digest)))].sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Gatekeeper serves a template's constraint kind a moment after the template is created. */
const CONSTRAINT_KIND_WAIT = { attempts: 4, delayMs: 500 };

/**
 * Refuses admission of new pods (and, through Kyverno's auto-generated rules, controllers)
 * that name a compromised image by digest: a Kyverno ClusterPolicy when Kyverno runs, else a
 * Gatekeeper constraint. Only creations are refused, so the quarantined pod itself can still be
 * relabelled and released. Opt-in (BLOCK_IMAGE=true): an image shared by healthy workloads
 * would stop them from being re-created by digest.
 */
export const blockImage: Action<ImageTarget, BlockChange> = {
  name: 'block-image',
  description: 'Deny admission of pods naming the compromised image digests (Kyverno ClusterPolicy or Gatekeeper constraint named after the incident)',
  kind: 'containment',
  correlation: 'workload',
  permissions: {
    kubernetes: [
      { group: '', resource: 'pods', verbs: ['get', 'list'] },
      { group: 'kyverno.io', resource: 'clusterpolicies', verbs: ['get', 'create'] },
      { group: 'templates.gatekeeper.sh', resource: 'constrainttemplates', verbs: ['get', 'create'] },
      { group: 'constraints.gatekeeper.sh', resource: BLOCKED_IMAGE_CONSTRAINTS.plural, verbs: ['get', 'create'] },
    ],
    iam: [],
  },
  noTargetReason: 'no pod whose image to block',
  targetsOf: (context) => {
    const pods = context.targets.pods.filter((pod) => !pod.protectedReason);
    return pods.length ? [{ pods }] : [];
  },
  describe: (target) => `images of ${target.pods.map((pod) => `${pod.namespace}/${pod.pod}`).join(', ')}`,

  async plan(context, target) {
    const kube = requireKube(context);
    const apis = await detectClusterApis(kube);
    const engine = apis.kyverno ? 'kyverno' : apis.gatekeeper ? 'gatekeeper' : undefined;
    if (!engine) return { skip: 'neither Kyverno (kyverno.io/v1) nor Gatekeeper (templates.gatekeeper.sh/v1) is served' };
    const resource = engine === 'kyverno' ? KYVERNO_POLICIES : BLOCKED_IMAGE_CONSTRAINTS;
    const name = blockImagePolicyName(context.incidentId);
    const [existing, manifests, template, allPods] = await Promise.all([
      kube.getCustomObject(resource, undefined, name),
      Promise.all(target.pods.map((pod) => kube.readManifest('Pod', pod.namespace, pod.pod))),
      engine === 'gatekeeper' ? kube.getCustomObject(CONSTRAINT_TEMPLATES, undefined, CONSTRAINT_KIND.toLowerCase()) : undefined,
      kube.listPods(undefined, {}),
    ]);
    const where = `${resource.kind} ${name}`;
    if (existing) return { skip: createdFor(existing, context.incidentId) ? `already present: ${where}` : `${where} exists and was not created by the responder; left alone` };
    const digests = imageDigests(manifests.filter((text): text is string => Boolean(text)).map((text) => JSON.parse(text) as PodManifest));
    if (digests.length === 0) return { skip: 'no image digest known for the affected pods (no container has started)' };
    const affected = new Set(target.pods.map((pod) => `${pod.namespace}/${pod.pod}`));
    const sharing = allPods.filter((pod) => !affected.has(`${pod.namespace}/${pod.name}`) && pod.containers.some((container) => digests.some((digest) => container.image?.includes(digest))));
    const metadata = createdMetadata(name, context.incidentId, context.now);
    const objects: BlockChange['objects'] =
      engine === 'kyverno'
        ? [{ resource: KYVERNO_POLICIES, object: kyvernoPolicy(metadata, context.incidentId, digests) }]
        : [
            ...(template ? [] : [{ resource: CONSTRAINT_TEMPLATES, object: blockedImageTemplate({ [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }) }]),
            { resource: BLOCKED_IMAGE_CONSTRAINTS, object: gatekeeperConstraint(metadata, context.incidentId, digests) },
          ];
    const steps = [
      `create ${objects.map((item) => `${item.resource.kind} ${item.object.metadata.name}`).join(' and ')} denying new pods that name ${digests.join(', ')}`,
      'pods naming the image by tag only are not matched',
      sharing.length ? `warning: ${sharing.length} other pod(s) name these digests and could not be re-created: ${sharing.map((pod) => `${pod.namespace}/${pod.name}`).join(', ')}` : undefined,
    ].filter(Boolean);
    return { summary: steps.join('; '), change: { engine, objects }, before: { digests } };
  },

  async apply(context, _target, change) {
    const kube = requireKube(context);
    const created: string[] = [];
    for (const { resource, object } of change.objects) {
      const where = `${resource.kind} ${object.metadata.name}`;
      let outcome = await kube.createCustomObject(resource, object);
      for (let attempt = 1; outcome === 'not-found' && resource === BLOCKED_IMAGE_CONSTRAINTS && attempt < CONSTRAINT_KIND_WAIT.attempts; attempt++) {
        await sleep(CONSTRAINT_KIND_WAIT.delayMs);
        outcome = await kube.createCustomObject(resource, object);
      }
      if (outcome === 'not-found') {
        throw new ActionFailedError(`create ${where}: not served yet (Gatekeeper has not picked up its ConstraintTemplate); run the playbook again`, { retryable: true });
      }
      created.push(`${where} ${outcome === 'created' ? 'created' : 'already present'}`);
    }
    return { status: 'done', detail: created.join('; ') };
  },
};

/** Deletes the incident's policy or constraint; the shared Gatekeeper template stays for other incidents. */
export const blockImageRelease: ActionRelease<ImageTarget> = {
  action: blockImage.name,
  permissions: { iam: [] },
  describe: (incidentId) => `delete ClusterPolicy or ${CONSTRAINT_KIND} ${blockImagePolicyName(incidentId)} (the shared ConstraintTemplate stays)`,
  async release(context: ActionContext) {
    const kube = requireKube(context);
    const name = blockImagePolicyName(context.incidentId);
    const removed: string[] = [];
    for (const resource of [KYVERNO_POLICIES, BLOCKED_IMAGE_CONSTRAINTS]) {
      const existing = await kube.getCustomObject(resource, undefined, name);
      if (existing && createdFor(existing, context.incidentId) && (await kube.deleteCustomObject(resource, undefined, name))) removed.push(`${resource.kind} ${name}`);
    }
    return removed.length ? { status: 'done', detail: `${removed.join(', ')} deleted` } : { status: 'skipped', detail: `nothing to remove: no ${name}` };
  },
};
