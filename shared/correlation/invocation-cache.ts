import type { KubeNode, KubePod, KubernetesPort, KubeServiceAccount, KubeWorkload } from '../adapters/ports';
import { SharedReads } from '../adapters/shared-reads';

/** How long concurrent invocations in one process reuse each other's reads (never writes). */
export const SHARED_READ_MS = 2000;

// The connector hands every warm invocation the same port for a cluster, so reads are shared per port.
const sharedByPort = new WeakMap<KubernetesPort, SharedReads>();

function sharedReadsOf(kube: KubernetesPort, shareForMs: number): SharedReads {
  let shared = sharedByPort.get(kube);
  if (!shared) {
    shared = new SharedReads(shareForMs);
    sharedByPort.set(kube, shared);
  }
  return shared;
}

/**
 * Wraps a KubernetesPort so that, within one invocation, each object is read at most once
 * (a DaemonSet's pods share nodes, a Deployment's pods share a service account), and reads
 * in flight or just answered are shared with concurrent invocations (SharedReads). Writes
 * always go out; a write by any invocation makes every cached copy of what it changed stale:
 * the next read of it, in this invocation or another, gets what the write answered (the object
 * as it now is), or goes to the API server again when another write to it overlapped.
 */
export function cacheReadsForInvocation(kube: KubernetesPort, options: { shareForMs?: number } = {}): KubernetesPort {
  const shared = sharedReadsOf(kube, options.shareForMs ?? SHARED_READ_MS);
  // `since`: the last write in the process when the entry was taken; nothing later is in it.
  const memo = new Map<string, { value: Promise<unknown>; version: number; since: number }>();
  // Keys this invocation changed without making other invocations' copies stale: read afresh.
  const changedHere = new Set<string>();
  const keep = (key: string, value: Promise<unknown>): void => void memo.set(key, { value, version: shared.version(key), since: shared.writeCount });
  const kept = (key: string): Promise<unknown> | undefined => {
    const entry = memo.get(key);
    return entry && entry.version === shared.version(key) && !changedHere.has(key) ? entry.value : undefined;
  };
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    const own = kept(key);
    if (own) return own as Promise<T>;
    const value = changedHere.delete(key) ? shared.refresh(key, read) : shared.read(key, read);
    keep(key, value);
    value.catch(() => memo.get(key)?.value === value && memo.delete(key));
    return value;
  };
  /**
   * An object the invocation has in a list (answered or in flight) comes from that list, unless
   * the object was written since the list was taken (a write to another node makes the node
   * list stale, not this node's entry in it); one it wrote comes from the write's answer;
   * anything else is read on its own.
   */
  const fromList = <T extends { name: string }>(listKey: string, key: string, pick: (item: T) => boolean, read: () => Promise<T | undefined>): Promise<T | undefined> => {
    const own = kept(key) as Promise<T | undefined> | undefined;
    if (own) return own;
    const list = memo.get(listKey);
    if (!list || changedHere.has(listKey) || shared.version(key) > list.since) return once(key, read);
    return (list.value as Promise<T[]>).then(
      (items) => items.find(pick) ?? once(key, read),
      () => once(key, read),
    );
  };
  /**
   * Every write goes out and makes the written keys stale everywhere. When no other write to
   * them ran meanwhile, the write's answer is the object as it now is: `remember` keeps it, so
   * this invocation does not read back what it has just been told.
   */
  const write = async <T>(keys: string[], change: () => Promise<T>, remember?: (result: T, untouched: (key: string) => boolean) => void): Promise<T> => {
    const started = shared.written(keys);
    let result: T;
    try {
      result = await change();
    } catch (error) {
      shared.written(keys);
      throw error;
    }
    const untouched = new Set(keys.filter((key) => shared.version(key) === started));
    shared.written(keys);
    remember?.(result, (key) => untouched.has(key));
    return result;
  };
  // The answer serves this invocation and, like a read, the concurrent ones (the next incident
  // about the object, waiting on its target lock, need not read back what was just written).
  const remember = (key: string, value: unknown): void => {
    keep(key, Promise.resolve(value));
    shared.answered(key, value);
  };
  const rememberPod = (namespace: string, name: string) => (pod: KubePod, untouched: (key: string) => boolean) => {
    const key = `pod/${namespace}/${name}`;
    if (untouched(key)) remember(key, pod);
  };
  // The node list stays whole: the written node is swapped for the write's answer, the others are as fresh as the list.
  const patchNode: KubernetesPort['patchNode'] = (name, patch) => {
    const listBefore = kept('node-list') as Promise<KubeNode[]> | undefined;
    return write([`node/${name}`, 'node-list'], () => kube.patchNode(name, patch), (node, untouched) => {
      if (untouched(`node/${name}`)) remember(`node/${name}`, node);
      if (listBefore && untouched('node-list')) keep('node-list', listBefore.then((nodes) => nodes.map((item) => (item.name === name ? node : item))));
    });
  };
  // A listed pod is as fresh as a read one: keep it, unless something was written meanwhile.
  const keepListed = (pods: KubePod[], writesBefore: number): void => {
    if (shared.writeCount !== writesBefore) return;
    for (const pod of pods) {
      const key = `pod/${pod.namespace}/${pod.name}`;
      if (!memo.has(key)) keep(key, Promise.resolve(pod));
    }
  };
  // Several pods of one workload need the same quarantine policy: one create request serves them all.
  // Policies are created per incident, and other incidents look only for their own (isolate-pod
  // ignores quarantine policies when it looks for admitting ones): a create makes this
  // invocation's list stale, not the list other invocations share. Patches change what every
  // incident sees, so they make the shared list stale too.
  const creating = new Map<string, Promise<boolean>>();
  return {
    description: kube.description,
    readPod: (namespace, name) => once(`pod/${namespace}/${name}`, () => kube.readPod(namespace, name)),
    listPods: async (namespace, query) => {
      const writesBefore = shared.writeCount;
      const pods = await kube.listPods(namespace, query);
      keepListed(pods, writesBefore);
      return pods;
    },
    readWorkload: (kind, namespace, name) =>
      kind === 'replicasets'
        ? fromList<KubeWorkload>(`rs-list/${namespace}`, `${kind}/${namespace}/${name}`, (item) => item.name === name, () => kube.readWorkload(kind, namespace, name))
        : once(`${kind}/${namespace}/${name}`, () => kube.readWorkload(kind, namespace, name)),
    listReplicaSets: (namespace) => once(`rs-list/${namespace}`, () => kube.listReplicaSets(namespace)),
    readServiceAccount: (namespace, name) =>
      fromList<KubeServiceAccount>('sa-list', `sa/${namespace}/${name}`, (item) => item.namespace === namespace && item.name === name, () => kube.readServiceAccount(namespace, name)),
    listServiceAccounts: () => once('sa-list', () => kube.listServiceAccounts()),
    readNode: (name) => fromList<KubeNode>('node-list', `node/${name}`, (item) => item.name === name, () => kube.readNode(name)),
    listNodes: () => once('node-list', () => kube.listNodes()),
    replacePodLabels: (namespace, name, change) =>
      write([`pod/${namespace}/${name}`, `pods/${namespace}/${name}`], () => kube.replacePodLabels(namespace, name, change), rememberPod(namespace, name)),
    listNetworkPolicies: (namespace) => once(`netpol-list/${namespace}`, () => kube.listNetworkPolicies(namespace)),
    createNetworkPolicy: (policy) => {
      const key = `netpol/${policy.metadata.namespace}/${policy.metadata.name}`;
      let created = creating.get(key);
      if (!created) {
        const list = `netpol-list/${policy.metadata.namespace}`;
        const forget = () => {
          memo.delete(list);
          changedHere.add(list);
        };
        forget();
        created = kube.createNetworkPolicy(policy).finally(forget);
        creating.set(key, created);
        created.catch(() => creating.delete(key));
      }
      return created;
    },
    patchNetworkPolicy: (namespace, name, operations) => write([`netpol-list/${namespace}`], () => kube.patchNetworkPolicy(namespace, name, operations)),
    deleteNetworkPolicy: (namespace, name) => write([`netpol-list/${namespace}`], () => kube.deleteNetworkPolicy(namespace, name)),
    patchNode,
    readBinding: (ref) => once(`binding/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`, () => kube.readBinding(ref)),
    deleteBinding: (ref, expected) => write([`binding/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`], () => kube.deleteBinding(ref, expected)),
    // Through `write`, like every write: the shared copy of the pod goes stale too, or a later
    // read (isolate-pod's) would get the pod without these annotations and write them away.
    patchPodMetadata: (namespace, name, patch) =>
      write([`pod/${namespace}/${name}`, `pods/${namespace}/${name}`], () => kube.patchPodMetadata(namespace, name, patch), rememberPod(namespace, name)),
    // Already kept per connection by the adapter.
    servedGroupVersions: () => kube.servedGroupVersions(),
    getCustomObject: (resource, namespace, name) => kube.getCustomObject(resource, namespace, name),
    createCustomObject: (resource, object) => kube.createCustomObject(resource, object),
    deleteCustomObject: (resource, namespace, name) => kube.deleteCustomObject(resource, namespace, name),
    listCustomObjects: (resource, labelSelector) => kube.listCustomObjects(resource, labelSelector),
    // Evidence is read fresh: it must show the object as it is when collected.
    readManifest: (kind, namespace, name) => kube.readManifest(kind, namespace, name),
    listManifests: (kind, namespace, fieldSelector) => kube.listManifests(kind, namespace, fieldSelector),
    readPodLog: (namespace, pod, query) => kube.readPodLog(namespace, pod, query),
  };
}
