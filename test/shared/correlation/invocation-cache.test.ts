import type { KubeNetworkPolicy, KubeNode, KubePod, KubernetesPort } from '../../../shared/adapters/ports';
import { cacheReadsForInvocation } from '../../../shared/correlation/invocation-cache';

const pod = (name: string, labels: Record<string, string> = { app: 'web' }): KubePod => ({
  name,
  namespace: 'web',
  labels,
  annotations: {},
  ownerReferences: [],
  serviceAccountName: 'default',
  containers: [],
});

const policy = (name: string): KubeNetworkPolicy => ({ metadata: { name, namespace: 'web' }, spec: { podSelector: {} } });

/** An in-memory cluster behind the KubernetesPort, counting the calls that reach it. */
function fakeCluster() {
  const pods = new Map([['web-1', pod('web-1')], ['web-2', pod('web-2')]]);
  const node = (name: string): KubeNode => ({ name, labels: {}, annotations: {}, ownerReferences: [], unschedulable: false });
  const nodes = new Map<string, KubeNode>([['n1', node('n1')], ['n2', node('n2')]]);
  const policies: KubeNetworkPolicy[] = [];
  const calls: string[] = [];
  // Only what the cache keeps or invalidates is faked; the pass-through calls are not used here.
  const fake = {
    description: 'fake',
    readPod: async (_namespace, name) => (calls.push(`readPod ${name}`), pods.get(name) && { ...pods.get(name)! }),
    listPods: async () => (calls.push('listPods'), [...pods.values()].map((item) => ({ ...item }))),
    readWorkload: async () => undefined,
    listReplicaSets: async () => [],
    readServiceAccount: async (_namespace, name) => (calls.push(`readServiceAccount ${name}`), undefined),
    listServiceAccounts: async () => (calls.push('listServiceAccounts'), [{ namespace: 'web', name: 'default', labels: {}, annotations: {}, ownerReferences: [] }]),
    listNodes: async () => (calls.push('listNodes'), [...nodes.values()].map((item) => ({ ...item }))),
    readNode: async (name) => (calls.push(`readNode ${name}`), nodes.get(name) && { ...nodes.get(name)! }),
    replacePodLabels: async (_namespace, name, change) => {
      calls.push(`replacePodLabels ${name}`);
      const changed = { ...pods.get(name)!, labels: change.labels };
      pods.set(name, changed);
      return changed;
    },
    listNetworkPolicies: async () => (calls.push('listNetworkPolicies'), [...policies]),
    createNetworkPolicy: async (created) => {
      calls.push(`createNetworkPolicy ${created.metadata.name}`);
      if (policies.some((item) => item.metadata.name === created.metadata.name)) return false;
      policies.push(created);
      return true;
    },
    patchNetworkPolicy: async (_namespace, name) => void calls.push(`patchNetworkPolicy ${name}`),
    patchNode: async (name, patch) => {
      calls.push(`patchNode ${name}`);
      const changed = { ...nodes.get(name)!, unschedulable: patch.unschedulable ?? false };
      nodes.set(name, changed);
      return changed;
    },
  } satisfies Partial<KubernetesPort>;
  return { port: fake as unknown as KubernetesPort, calls };
}

describe('cacheReadsForInvocation', () => {
  it('reads each object once per invocation', async () => {
    const { port, calls } = fakeCluster();
    const kube = cacheReadsForInvocation(port);

    await Promise.all([kube.readPod('web', 'web-1'), kube.readPod('web', 'web-1'), kube.readNode('n1')]);
    await kube.readPod('web', 'web-1');

    expect(calls).toEqual(['readPod web-1', 'readNode n1']);
  });

  it('shares a read between concurrent invocations on the same connection, not across connections', async () => {
    const { port, calls } = fakeCluster();
    const other = fakeCluster();

    await Promise.all([cacheReadsForInvocation(port).readPod('web', 'web-1'), cacheReadsForInvocation(port).readPod('web', 'web-1'), cacheReadsForInvocation(other.port).readPod('web', 'web-1')]);

    expect(calls).toEqual(['readPod web-1']);
    expect(other.calls).toEqual(['readPod web-1']);
  });

  it("serves every invocation what a write answered, instead of the copies read before it", async () => {
    const { port, calls } = fakeCluster();
    const first = cacheReadsForInvocation(port);
    const second = cacheReadsForInvocation(port);
    await Promise.all([first.readPod('web', 'web-1'), second.readPod('web', 'web-1'), first.readNode('n1'), second.readNode('n1')]);

    await first.replacePodLabels('web', 'web-1', { expectedLabels: { app: 'web' }, labels: { quarantine: 'inc-1' }, annotations: {} });
    await first.patchNode('n1', { unschedulable: true });
    const [seenBySecond, seenByFirst, node] = await Promise.all([second.readPod('web', 'web-1'), first.readPod('web', 'web-1'), second.readNode('n1')]);

    expect(seenBySecond?.labels).toEqual({ quarantine: 'inc-1' });
    expect(seenByFirst?.labels).toEqual({ quarantine: 'inc-1' });
    expect(node?.unschedulable).toBe(true);
    expect(calls).toEqual(['readPod web-1', 'readNode n1', 'replacePodLabels web-1', 'patchNode n1']);
  });

  it('reads an object again, in every invocation, when writes to it overlapped', async () => {
    const { port, calls } = fakeCluster();
    const first = cacheReadsForInvocation(port);
    const second = cacheReadsForInvocation(port);
    await first.readNode('n1');

    await Promise.all([first.patchNode('n1', { unschedulable: true }), second.patchNode('n1', { annotations: { marked: 'yes' } })]);
    await Promise.all([first.readNode('n1'), second.readNode('n1')]);

    expect(calls).toEqual(['readNode n1', 'patchNode n1', 'patchNode n1', 'readNode n1']);
  });

  it("does not reuse another invocation's answer once it is older than the sharing window", async () => {
    const { port, calls } = fakeCluster();
    await cacheReadsForInvocation(port, { shareForMs: 0 }).readPod('web', 'web-1');

    await cacheReadsForInvocation(port, { shareForMs: 0 }).readPod('web', 'web-1');

    expect(calls).toEqual(['readPod web-1', 'readPod web-1']);
  });

  it('keeps the pods a list returned, so they are not read again', async () => {
    const { port, calls } = fakeCluster();
    const kube = cacheReadsForInvocation(port);

    await kube.listPods('web', { labelSelector: 'app=web' });
    const read = await kube.readPod('web', 'web-2');

    expect(read?.name).toBe('web-2');
    expect(calls).toEqual(['listPods']);
  });

  it('sends one create for the same policy within an invocation, and every invocation its own', async () => {
    const { port, calls } = fakeCluster();
    const first = cacheReadsForInvocation(port);
    const second = cacheReadsForInvocation(port);

    const created = await Promise.all([first.createNetworkPolicy(policy('quarantine-inc-1')), first.createNetworkPolicy(policy('quarantine-inc-1'))]);
    const again = await second.createNetworkPolicy(policy('quarantine-inc-1'));

    expect(created).toEqual([true, true]);
    expect(again).toBe(false);
    expect(calls).toEqual(['createNetworkPolicy quarantine-inc-1', 'createNetworkPolicy quarantine-inc-1']);
  });

  it('lists policies again after its own create, and in every invocation after a patch', async () => {
    const { port, calls } = fakeCluster();
    const first = cacheReadsForInvocation(port);
    const second = cacheReadsForInvocation(port);
    await Promise.all([first.listNetworkPolicies('web'), second.listNetworkPolicies('web')]);

    await first.createNetworkPolicy(policy('quarantine-inc-1'));
    const [own, others] = await Promise.all([first.listNetworkPolicies('web'), second.listNetworkPolicies('web')]);
    await second.patchNetworkPolicy('web', 'allow-all', []);
    await first.listNetworkPolicies('web');

    expect(own.map((item) => item.metadata.name)).toEqual(['quarantine-inc-1']);
    expect(others).toEqual([]);
    expect(calls).toEqual(['listNetworkPolicies', 'createNetworkPolicy quarantine-inc-1', 'listNetworkPolicies', 'patchNetworkPolicy allow-all', 'listNetworkPolicies']);
  });

  it('answers reads of nodes and service accounts from the lists it has, even in flight', async () => {
    const { port, calls } = fakeCluster();
    const kube = cacheReadsForInvocation(port);

    const listing = Promise.all([kube.listNodes(), kube.listServiceAccounts()]);
    const [node, account, missing] = await Promise.all([kube.readNode('n1'), kube.readServiceAccount('web', 'default'), kube.readServiceAccount('web', 'other')]);
    await listing;

    expect(node?.name).toBe('n1');
    expect(account?.name).toBe('default');
    expect(missing).toBeUndefined();
    expect(calls).toEqual(['listNodes', 'listServiceAccounts', 'readServiceAccount other']);
  });

  it("keeps its own write's answer, in the object and in the node list, and shares the object's", async () => {
    const { port, calls } = fakeCluster();
    const first = cacheReadsForInvocation(port);
    const second = cacheReadsForInvocation(port);
    await Promise.all([first.listNodes(), second.listNodes(), first.readPod('web', 'web-1')]);

    await Promise.all([first.patchNode('n1', { unschedulable: true }), first.replacePodLabels('web', 'web-1', { expectedLabels: { app: 'web' }, labels: { quarantine: 'inc-1' }, annotations: {} })]);
    const [node, listed, pod, seenBySecond] = await Promise.all([first.readNode('n1'), first.listNodes(), first.readPod('web', 'web-1'), second.readNode('n1')]);

    expect(node?.unschedulable).toBe(true);
    expect(listed.map((item) => item.unschedulable)).toEqual([true, false]);
    expect(pod?.labels).toEqual({ quarantine: 'inc-1' });
    expect(seenBySecond?.unschedulable).toBe(true);
    expect(calls).toEqual(['listNodes', 'readPod web-1', 'patchNode n1', 'replacePodLabels web-1']);
  });

  it('answers a node from the list while another node is being written', async () => {
    const { port, calls } = fakeCluster();
    const kube = cacheReadsForInvocation(port);
    await kube.listNodes();

    const [, other] = await Promise.all([kube.patchNode('n1', { unschedulable: true }), kube.readNode('n2')]);

    expect(other?.name).toBe('n2');
    expect(calls).toEqual(['listNodes', 'patchNode n1']);
  });

  it('keeps the answers of its own writes to two nodes at once', async () => {
    const { port, calls } = fakeCluster();
    const kube = cacheReadsForInvocation(port);
    await kube.listNodes();

    await Promise.all([kube.patchNode('n1', { unschedulable: true }), kube.patchNode('n2', { unschedulable: true })]);
    const read = await Promise.all([kube.readNode('n1'), kube.readNode('n2')]);

    expect(read.map((node) => node?.unschedulable)).toEqual([true, true]);
    expect(calls).toEqual(['listNodes', 'patchNode n1', 'patchNode n2']);
  });
});
