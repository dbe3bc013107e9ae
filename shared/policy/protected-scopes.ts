import type { KubernetesPort } from '../adapters/ports';
import type { NodeTarget, PodTarget, RoleTarget, Targets } from '../model';
import { labelsMatch, matchesGlob } from './evaluate';
import type { LabelMatch, ProtectedScopes } from './schema';

/**
 * Marks the targets the policy protects: pods in protected namespaces or with protected labels,
 * nodes with protected labels (a system node group or Karpenter node pool) or hosting only
 * protected pods, and roles used only by protected pods. The runner skips protected targets;
 * `allowProtected` (a person's explicit override) leaves everything actionable.
 */
export interface ProtectionOptions {
  scopes: ProtectedScopes;
  /** PROTECTED_NAMESPACES from the environment: adds to the policy's list, never replaces it. */
  extraNamespaces: string[];
  allowProtected: boolean;
  /** Node reads are cached per invocation; correlation has already read these nodes. */
  kube?: KubernetesPort;
}

function matchingLabel(wanted: LabelMatch, labels: Record<string, string>): string | undefined {
  const hit = Object.keys(wanted).find((key) => labelsMatch({ [key]: wanted[key] }, labels));
  return hit && `${hit}=${labels[hit]}`;
}

function podReason(pod: PodTarget, namespaces: string[], scopes: ProtectedScopes): string | undefined {
  if (pod.protectedReason) return pod.protectedReason;
  if (namespaces.some((pattern) => matchesGlob(pattern, pod.namespace))) return `namespace ${pod.namespace} is protected`;
  const label = matchingLabel(scopes.workloadLabels, pod.labels);
  return label && `workload label ${label} is protected`;
}

async function nodeReason(node: NodeTarget, pods: PodTarget[], options: ProtectionOptions): Promise<string | undefined> {
  if (Object.keys(options.scopes.nodeLabels).length && options.kube) {
    const labels = (await options.kube.readNode(node.name))?.labels ?? {};
    const label = matchingLabel(options.scopes.nodeLabels, labels);
    if (label) return `node label ${label} is protected`;
  }
  if (node.protectedReason || node.why !== 'hosts-affected-pod') return node.protectedReason;
  // A node is spared only when every affected pod on it is protected.
  const onNode = pods.filter((pod) => pod.node === node.name);
  return onNode.length && onNode.every((pod) => pod.protectedReason) ? `hosts only protected pods (${onNode[0].protectedReason})` : undefined;
}

function roleReason(role: RoleTarget, pods: PodTarget[]): string | undefined {
  if (role.protectedReason) return role.protectedReason;
  const users = pods.filter((pod) => role.serviceAccounts.includes(`${pod.namespace}/${pod.serviceAccount}`));
  return users.length && users.every((pod) => pod.protectedReason) ? `used only by protected pods (${users[0].protectedReason})` : undefined;
}

export async function applyProtectedScopes(targets: Targets, options: ProtectionOptions): Promise<Targets> {
  if (options.allowProtected) return targets;
  const namespaces = [...new Set([...options.scopes.namespaces, ...options.extraNamespaces])];
  const pods = targets.pods.map((pod) => ({ ...pod, protectedReason: podReason(pod, namespaces, options.scopes) }));
  const nodes = await Promise.all(targets.nodes.map(async (node) => ({ ...node, protectedReason: await nodeReason(node, pods, options) })));
  const roles = targets.roles.map((role) => ({ ...role, protectedReason: roleReason(role, pods) }));
  return { ...targets, pods, nodes, roles };
}
