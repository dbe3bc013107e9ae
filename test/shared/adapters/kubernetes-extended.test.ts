import { KubeConfig } from '@kubernetes/client-node';
import { ClientNodeKubernetes } from '../../../shared/adapters/kubernetes';
import type { CustomResource } from '../../../shared/adapters/ports';
import { KubeApiServer, ownerReferenceTo } from '../../support/kube-api-server';

const CILIUM: CustomResource = { group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies', namespaced: true };
const KYVERNO: CustomResource = { group: 'kyverno.io', version: 'v1', plural: 'clusterpolicies', namespaced: false };

describe('ClientNodeKubernetes: discovery, custom objects, verbatim manifests and logs', () => {
  let server: KubeApiServer;
  let kube: ClientNodeKubernetes;
  beforeEach(async () => {
    server = await KubeApiServer.start();
    const config = new KubeConfig();
    config.loadFromOptions(server.kubeConfigOptions());
    kube = new ClientNodeKubernetes(config, 'test', { attempts: 2, firstDelayMs: 1, maxDelayMs: 2 });
  });
  afterEach(() => server.stop());

  it('lists the served group versions once per connection', async () => {
    server.registerResource({ group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true });

    const [first, second] = await Promise.all([kube.servedGroupVersions(), kube.servedGroupVersions()]);

    expect(first).toEqual(expect.arrayContaining(['cilium.io/v2', 'apps/v1', 'networking.k8s.io/v1']));
    expect(first).not.toContain('kyverno.io/v1');
    expect(second).toBe(first);
    expect(server.requests.filter((request) => request.verb === 'discovery')).toHaveLength(1);
  });

  it('asks again after a failed discovery', async () => {
    server.failNext({ verb: 'discovery' }, 403);

    await expect(kube.servedGroupVersions()).rejects.toThrow(/discover API groups: HTTP 403/);
    await expect(kube.servedGroupVersions()).resolves.toContain('apps/v1');
  });

  it('creates, reads, lists by label and deletes namespaced and cluster-scoped custom objects', async () => {
    server.registerResource({ group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true });
    server.registerResource({ group: 'kyverno.io', version: 'v1', resource: 'clusterpolicies', kind: 'ClusterPolicy', namespaced: false });
    const policy = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'deny', namespace: 'web', labels: { owner: 'us' } }, spec: { endpointSelector: {} } };

    expect(await kube.createCustomObject(CILIUM, policy)).toBe('created');
    expect(await kube.createCustomObject(CILIUM, policy)).toBe('exists');
    expect(await kube.createCustomObject(KYVERNO, { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'block', labels: { owner: 'us' } }, spec: {} })).toBe('created');

    expect(await kube.getCustomObject(CILIUM, 'web', 'deny')).toMatchObject({ metadata: { name: 'deny', namespace: 'web' }, spec: { endpointSelector: {} } });
    expect(await kube.getCustomObject(CILIUM, 'web', 'other')).toBeUndefined();
    expect((await kube.listCustomObjects(CILIUM, 'owner=us')).map((object) => object.metadata.name)).toEqual(['deny']);
    expect((await kube.listCustomObjects(KYVERNO, 'owner=us')).map((object) => object.metadata.name)).toEqual(['block']);
    expect(await kube.listCustomObjects(KYVERNO, 'owner=them')).toEqual([]);

    expect(await kube.deleteCustomObject(CILIUM, 'web', 'deny')).toBe(true);
    expect(await kube.deleteCustomObject(CILIUM, 'web', 'deny')).toBe(false);
    expect(server.getObject('ciliumnetworkpolicies.cilium.io', 'web', 'deny')).toBeUndefined();
  });

  it('answers not-found when the custom resource is not served', async () => {
    expect(await kube.createCustomObject(CILIUM, { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'deny', namespace: 'web' } })).toBe('not-found');
  });

  it('reads a manifest verbatim, fields the typed client does not know included', async () => {
    server.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'web' }, spec: { containers: [{ name: 'app' }], fieldFromTheFuture: { x: 1 } } });

    const text = await kube.readManifest('Pod', 'web', 'p');

    expect(text).toBe(JSON.stringify(server.getObject('pods', 'web', 'p')));
    expect(JSON.parse(text!).spec.fieldFromTheFuture).toEqual({ x: 1 });
    expect(await kube.readManifest('Deployment', 'web', 'missing')).toBeUndefined();
  });

  it('lists a pod’s events and a namespace’s policies as sent', async () => {
    server.seed(
      { apiVersion: 'v1', kind: 'Event', metadata: { name: 'p.1', namespace: 'web' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'web' }, reason: 'Started' },
      { apiVersion: 'v1', kind: 'Event', metadata: { name: 'q.1', namespace: 'web' }, involvedObject: { kind: 'Pod', name: 'q', namespace: 'web' }, reason: 'Started' },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow', namespace: 'web' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
    );

    const events = JSON.parse(await kube.listManifests('Event', 'web', 'involvedObject.kind=Pod,involvedObject.name=p'));
    const policies = JSON.parse(await kube.listManifests('NetworkPolicy', 'web'));

    expect(events.items.map((event: { metadata: { name: string } }) => event.metadata.name)).toEqual(['p.1']);
    // The wire name `from`, which the typed model would have renamed `_from`.
    expect(policies.items[0].spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
  });

  it('lists every node and service account with what the typed reads of each give, and reports a failed list as the server said', async () => {
    server.seed(
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'ip-10-0-1-1.ec2.internal', labels: { 'eks.amazonaws.com/nodegroup': 'system' }, annotations: { 'eks-responder/cordoned-by': 'inc-1' } },
        spec: { unschedulable: true, providerID: 'aws:///us-east-1a/i-0123456789abcdef0', taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
        status: { images: [{ names: ['registry/app:1'], sizeBytes: 1 }], conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-11-25T10:00:00Z' }] },
      },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fargate-ip-10-0-2-2.ec2.internal', labels: { 'eks.amazonaws.com/compute-type': 'fargate' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'web', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'kube-system' } },
    );

    const [nodes, accounts] = await Promise.all([kube.listNodes(), kube.listServiceAccounts()]);

    const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName(nodes)).toEqual(await Promise.all(byName(nodes).map((node) => kube.readNode(node.name))));
    expect(byName(nodes).map(({ name, unschedulable, providerID }) => [name, unschedulable, providerID])).toEqual([
      ['fargate-ip-10-0-2-2.ec2.internal', false, undefined],
      ['ip-10-0-1-1.ec2.internal', true, 'aws:///us-east-1a/i-0123456789abcdef0'],
    ]);
    expect(byName(accounts)).toEqual(await Promise.all(byName(accounts).map((account) => kube.readServiceAccount(account.namespace, account.name))));
    expect(byName(accounts).map(({ namespace, name, annotations }) => [namespace, name, annotations])).toEqual([
      ['web', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' }],
      ['kube-system', 'default', {}],
    ]);

    server.failNext({ verb: 'list', resource: 'nodes' }, 403);
    await expect(kube.listNodes()).rejects.toThrow('list nodes: HTTP 403 injected Forbidden (403) for nodes');
  });

  it('lists a namespace’s pods and ReplicaSets with what the typed reads of each give', async () => {
    const [replicaSet] = server.seed({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-5d8f', namespace: 'web', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true }] },
      spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, template: { metadata: { labels: { app: 'web' } } } },
    });
    server.seed(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-5d8f-a', namespace: 'web', labels: { app: 'web' }, ownerReferences: [ownerReferenceTo(replicaSet)] },
        spec: { nodeName: 'ip-10-0-1-1.ec2.internal', serviceAccountName: 'app', containers: [{ name: 'app', image: 'registry/app:1' }] },
        status: { phase: 'Running', startTime: '2026-11-25T10:00:00Z' },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'web' }, spec: { containers: [{ name: 'app' }] } },
    );

    const [pods, replicaSets] = await Promise.all([kube.listPods('web', {}), kube.listReplicaSets('web')]);

    expect(pods.map((pod) => pod.name).sort()).toEqual(['other', 'web-5d8f-a']);
    expect(pods).toEqual(await Promise.all(pods.map((pod) => kube.readPod('web', pod.name))));
    expect(pods.find((pod) => pod.name === 'web-5d8f-a')).toMatchObject({ nodeName: 'ip-10-0-1-1.ec2.internal', serviceAccountName: 'app', phase: 'Running', containers: [{ name: 'app', image: 'registry/app:1' }] });
    expect(replicaSets).toEqual([await kube.readWorkload('replicasets', 'web', 'web-5d8f')]);
    expect(replicaSets[0]).toMatchObject({ ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }], selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] } });
  });

  it('reads current and previous logs with the line and byte limits, and answers undefined for a log that does not exist', async () => {
    server.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'web' }, spec: { containers: [{ name: 'app' }] } });
    server.setPodLog('web', 'p', 'app', 'one\ntwo\nthree\n');
    const query = { container: 'app', tailLines: 2, limitBytes: 1024, previous: false };

    expect(await kube.readPodLog('web', 'p', query)).toBe('two\nthree\n');
    expect(await kube.readPodLog('web', 'p', { ...query, limitBytes: 3 })).toBe('two');
    expect(await kube.readPodLog('web', 'p', { ...query, previous: true })).toBeUndefined();
    expect(server.requests.find((request) => request.subresource === 'log')?.query).toMatchObject({ container: 'app', tailLines: '2', limitBytes: '1024' });
  });

  it('merges pod annotations without touching the others', async () => {
    server.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'web', annotations: { keep: 'me' } }, spec: { containers: [] } });

    await kube.patchPodMetadata('web', 'p', { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });

    expect(server.getObject('pods', 'web', 'p')?.metadata.annotations).toEqual({ keep: 'me', 'karpenter.sh/do-not-disrupt': 'true' });
  });
});
