import type { JsonPatchOperation, KubeNetworkPolicy } from '../../adapters/ports';
import { QUARANTINE_LABEL, quarantinePolicyName } from '../../markers';
import type { Action, ActionContext } from '../action';
import { requireKube } from './require-kube';

interface NamespaceTarget {
  namespace: string;
}

interface NetworkRestore {
  deletePolicy?: string;
  /** Policies to take the quarantine exclusion out of, with the patch that does it. */
  unnarrow: { name: string; operations: JsonPatchOperation[] }[];
}

const isExclusion = (requirement: { key: string; operator: string }) => requirement.key === QUARANTINE_LABEL && requirement.operator === 'DoesNotExist';

/**
 * The patch that removes the `quarantine DoesNotExist` requirement isolate-pod added, tested
 * first so a policy edited since is refused rather than damaged. When it was the only
 * requirement the list goes too, as it was before (an empty list selects the same pods).
 */
function unnarrowPatch(policy: KubeNetworkPolicy): JsonPatchOperation[] | undefined {
  const expressions = policy.spec.podSelector.matchExpressions ?? [];
  const index = expressions.findIndex(isExclusion);
  if (index < 0) return undefined;
  const path = '/spec/podSelector/matchExpressions';
  if (expressions.length === 1) return [{ op: 'test', path, value: expressions }, { op: 'remove', path }];
  return [{ op: 'test', path: `${path}/${index}`, value: expressions[index] }, { op: 'remove', path: `${path}/${index}` }];
}

/** Pods of the namespace that stay quarantined after this release (by any incident). */
async function stillQuarantined(context: ActionContext, namespace: string) {
  const pods = await requireKube(context).listPods(namespace, { labelSelector: QUARANTINE_LABEL });
  return pods.filter((pod) => !context.release?.releasing.has(`${namespace}/${pod.name}`));
}

/**
 * Undoes isolate-pod's NetworkPolicy changes in a namespace: deletes the incident's deny-all
 * policy once no pod of the incident is quarantined there, and takes the quarantine exclusion
 * out of the namespace's other policies once no quarantined pod of any incident still needs it.
 */
export const restoreNetworkPolicies: Action<NamespaceTarget, NetworkRestore> = {
  name: 'restore-network-policies',
  description: "Delete the incident's quarantine NetworkPolicy and undo the quarantine exclusion added to other policies",
  kind: 'containment',
  // The release finds its targets from the markers and the incident log, not by correlation.
  correlation: 'cluster',
  permissions: { kubernetes: [{ group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list', 'patch', 'delete'] }, { group: '', resource: 'pods', verbs: ['list'] }], iam: [] },
  noTargetReason: 'no namespace with quarantined pods of this incident',
  targetsOf: (context) => (context.release?.namespaces ?? []).map((namespace) => ({ namespace })),
  describe: (target) => `namespace ${target.namespace}`,

  async plan(context, target) {
    const [policies, remaining] = await Promise.all([requireKube(context).listNetworkPolicies(target.namespace), stillQuarantined(context, target.namespace)]);
    const ours = quarantinePolicyName(context.incidentId);
    const remainingOfIncident = remaining.filter((pod) => pod.labels[QUARANTINE_LABEL] === context.incidentId);
    const deletePolicy = policies.some((policy) => policy.metadata.name === ours) && remainingOfIncident.length === 0 ? ours : undefined;
    const unnarrow = remaining.length
      ? []
      : policies.flatMap((policy) => {
          const operations = unnarrowPatch(policy);
          return operations ? [{ name: policy.metadata.name, operations }] : [];
        });
    const kept = [
      remainingOfIncident.length ? `${ours} kept: it still isolates ${remainingOfIncident.map((pod) => pod.name).join(', ')}` : undefined,
      remaining.length && policies.some(unnarrowPatch) ? `quarantine exclusions kept: ${remaining.map((pod) => pod.name).join(', ')} still quarantined` : undefined,
    ].filter(Boolean);
    if (!deletePolicy && unnarrow.length === 0) return { skip: kept.join('; ') || 'nothing to restore' };
    const steps = [
      deletePolicy ? `delete NetworkPolicy ${deletePolicy}` : undefined,
      unnarrow.length ? `remove the ${QUARANTINE_LABEL} DoesNotExist exclusion from ${unnarrow.map((policy) => policy.name).join(', ')}` : undefined,
      ...kept,
    ].filter(Boolean);
    return { summary: steps.join('; '), change: { deletePolicy, unnarrow }, before: { quarantinePolicy: deletePolicy ?? null, narrowedPolicies: unnarrow.map((policy) => policy.name) } };
  },

  async apply(context, target, change) {
    const kube = requireKube(context);
    const [deleted] = await Promise.all([
      change.deletePolicy ? kube.deleteNetworkPolicy(target.namespace, change.deletePolicy) : Promise.resolve(false),
      ...change.unnarrow.map((policy) => kube.patchNetworkPolicy(target.namespace, policy.name, policy.operations)),
    ]);
    const parts = [
      change.deletePolicy ? `NetworkPolicy ${change.deletePolicy} ${deleted ? 'deleted' : 'already gone'}` : undefined,
      change.unnarrow.length ? `quarantine exclusion removed from ${change.unnarrow.map((policy) => policy.name).join(', ')}` : undefined,
    ].filter(Boolean);
    return { status: 'done', detail: parts.join('; ') };
  },
};
