import type { KubernetesPort } from '../adapters/ports';

/**
 * Wraps a KubernetesPort so that, within one invocation, each object is read at most once
 * (a DaemonSet's pods share nodes, a Deployment's pods share a service account). Writes pass
 * through and drop the cached copy of what they changed.
 */
export function cacheReadsForInvocation(kube: KubernetesPort): KubernetesPort {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let pending = memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      memo.set(key, pending);
      pending.catch(() => memo.delete(key));
    }
    return pending;
  };
  return {
    description: kube.description,
    readPod: (namespace, name) => once(`pod/${namespace}/${name}`, () => kube.readPod(namespace, name)),
    listPods: (namespace, query) => kube.listPods(namespace, query),
    readWorkload: (kind, namespace, name) => once(`${kind}/${namespace}/${name}`, () => kube.readWorkload(kind, namespace, name)),
    readServiceAccount: (namespace, name) => once(`sa/${namespace}/${name}`, () => kube.readServiceAccount(namespace, name)),
    listServiceAccounts: () => once('sa-list', () => kube.listServiceAccounts()),
    readNode: (name) => once(`node/${name}`, () => kube.readNode(name)),
    listNodes: () => once('node-list', () => kube.listNodes()),
    replacePodLabels: (namespace, name, change) => {
      memo.delete(`pod/${namespace}/${name}`);
      return kube.replacePodLabels(namespace, name, change);
    },
    listNetworkPolicies: (namespace) => once(`netpol-list/${namespace}`, () => kube.listNetworkPolicies(namespace)),
    createNetworkPolicy: (policy) => {
      memo.delete(`netpol-list/${policy.metadata.namespace}`);
      return kube.createNetworkPolicy(policy);
    },
    patchNetworkPolicy: (namespace, name, operations) => {
      memo.delete(`netpol-list/${namespace}`);
      return kube.patchNetworkPolicy(namespace, name, operations);
    },
    deleteNetworkPolicy: (namespace, name) => {
      memo.delete(`netpol-list/${namespace}`);
      return kube.deleteNetworkPolicy(namespace, name);
    },
    patchNode: (name, patch) => {
      memo.delete(`node/${name}`);
      memo.delete('node-list');
      return kube.patchNode(name, patch);
    },
  };
}
