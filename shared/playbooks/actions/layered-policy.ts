import type { CustomObject, CustomResource, KubernetesPort } from '../../adapters/ports';
import { detectClusterApis, type ClusterApis } from '../../correlation/cluster-apis';
import type { Action, ActionContext, KubernetesPermission } from '../action';
import type { ActionRelease } from '../action-release';
import { createdFor } from './created-object';
import type { NamespaceTarget } from './namespace-targets';
import { namespaceTargets } from './namespace-targets';
import { requireKube } from './require-kube';

/**
 * A deny policy one layer below or above Kubernetes NetworkPolicy (CNI, service mesh), created in
 * each affected namespace when the cluster serves its API, selecting the quarantine label.
 */
export interface LayeredPolicy {
  name: string;
  description: string;
  /** Which add-on, and its name for reasons ("Cilium"). */
  api: keyof ClusterApis;
  apiName: string;
  /** The resource to write, by the group version detection found. */
  resources: Record<string, CustomResource & { kind: string }>;
  /** What the policy does, for the plan. */
  effect: string;
  policyName(incidentId: string, groupVersion: string): string;
  build(groupVersion: string, namespace: string, context: ActionContext): CustomObject;
  /** A reason to leave the namespace alone although the API is served (e.g. no pod in the mesh). */
  notApplicable?(kube: KubernetesPort, target: NamespaceTarget): Promise<string | undefined>;
  permissions: KubernetesPermission[];
}

interface PolicyChange {
  resource: CustomResource & { kind: string };
  object: CustomObject;
}

interface Located {
  kube: KubernetesPort;
  groupVersion: string;
  resource: CustomResource & { kind: string };
  name: string;
  existing?: CustomObject;
  where: string;
}

/** The policy's resource and name on this cluster, and what is there already; or why the add-on is out of play. */
async function locate(policy: LayeredPolicy, context: ActionContext, target: NamespaceTarget): Promise<Located | { skip: string }> {
  const kube = requireKube(context);
  const groupVersion = (await detectClusterApis(kube))[policy.api];
  if (!groupVersion) return { skip: `${policy.apiName} not served (no ${Object.keys(policy.resources).join(' or ')})` };
  const resource = policy.resources[groupVersion];
  const name = policy.policyName(context.incidentId, groupVersion);
  const existing = await kube.getCustomObject(resource, target.namespace, name);
  return { kube, groupVersion, resource, name, existing, where: `${resource.kind} ${target.namespace}/${name}` };
}

export function layeredPolicyAction(policy: LayeredPolicy): Action<NamespaceTarget, PolicyChange> {
  return {
    name: policy.name,
    description: policy.description,
    kind: 'containment',
    correlation: 'workload',
    permissions: { kubernetes: policy.permissions, iam: [] },
    noTargetReason: 'no pod to isolate',
    targetsOf: namespaceTargets,
    describe: (target) => `namespace ${target.namespace}`,
    protectedReason: (target) => target.protectedReason,

    async plan(context, target) {
      const found = await locate(policy, context, target);
      if ('skip' in found) return found;
      const { kube, groupVersion, resource, existing, where } = found;
      if (existing) return { skip: createdFor(existing, context.incidentId) ? `already present: ${where}` : `${where} exists and was not created by the responder; left alone` };
      const notApplicable = await policy.notApplicable?.(kube, target);
      if (notApplicable) return { skip: notApplicable };
      return { summary: `create ${where} (${policy.effect})`, change: { resource, object: policy.build(groupVersion, target.namespace, context) } };
    },

    async apply(context, target, change) {
      const where = `${change.resource.kind} ${target.namespace}/${change.object.metadata.name}`;
      const outcome = await requireKube(context).createCustomObject(change.resource, change.object);
      if (outcome === 'not-found') throw new Error(`create ${where}: HTTP 404 (${change.resource.group}/${change.resource.version} ${change.resource.plural} no longer served, or namespace gone)`);
      return { status: 'done', detail: `${where} ${outcome === 'created' ? 'created' : 'already present'}` };
    },
  };
}

/** Deletes the policy the action created for the incident; a policy someone else made under that name stays. */
export function layeredPolicyRelease(policy: LayeredPolicy): ActionRelease<NamespaceTarget> {
  return {
    action: policy.name,
    permissions: { iam: [] },
    describe: (incidentId) => `delete the ${policy.apiName} policy created for incident ${incidentId} in each affected namespace`,
    async release(context, target) {
      const found = await locate(policy, context, target);
      if ('skip' in found) return { status: 'skipped', detail: found.skip };
      const { kube, resource, existing, name, where } = found;
      if (!existing) return { status: 'skipped', detail: `nothing to remove: no ${where}` };
      if (!createdFor(existing, context.incidentId)) return { status: 'skipped', detail: `${where} was not created by the responder for this incident; left alone` };
      await kube.deleteCustomObject(resource, target.namespace, name);
      return { status: 'done', detail: `${where} deleted` };
    },
  };
}
