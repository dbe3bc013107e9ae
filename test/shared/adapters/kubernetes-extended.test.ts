import { KubeConfig } from '@kubernetes/client-node';
import { ClientNodeKubernetes } from '../../../shared/adapters/kubernetes';
import type { CustomResource } from '../../../shared/adapters/ports';
import { KubeApiServer } from '../../support/kube-api-server';

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
