import type { ActionContext } from '../action';
import type { PodTarget } from '../../model';

/** A namespace holding affected pods: namespaced policies selecting the quarantine label are made once per namespace. */
export interface NamespaceTarget {
  namespace: string;
  /** The pods the quarantine label will select there (protected ones left out). */
  pods: PodTarget[];
  /** Set when every affected pod in the namespace is protected. */
  protectedReason?: string;
}

export function namespaceTargets(context: ActionContext): NamespaceTarget[] {
  const byNamespace = new Map<string, PodTarget[]>();
  for (const pod of context.targets.pods) byNamespace.set(pod.namespace, [...(byNamespace.get(pod.namespace) ?? []), pod]);
  return [...byNamespace].map(([namespace, pods]) => {
    const acted = pods.filter((pod) => !pod.protectedReason);
    return acted.length ? { namespace, pods: acted } : { namespace, pods, protectedReason: pods[0].protectedReason };
  });
}
