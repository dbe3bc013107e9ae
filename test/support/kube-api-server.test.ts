// Drives the fake kube-apiserver with the real @kubernetes/client-node over HTTP to prove each behaviour it offers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  ApisApi,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiServer, ownerReferenceTo } from './kube-api-server';
import { applyJsonPatch, mergePatch, PatchError } from './kube-api-server/patch';
import { matchesLabels, parseLabelSelector } from './kube-api-server/selectors';

const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicPatchOptions = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const jsonPatchOptions = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

interface Failure {
  code: number;
  status: Record<string, any>;
  headers: Record<string, string>;
}

/** Awaits a client-node call that must fail and returns the HTTP code and the parsed Status body. */
async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<unknown>;
    expect(typeof e.body).toBe('string');
    return { code: e.code, status: JSON.parse(e.body as string), headers: e.headers };
  }
  throw new Error('expected the call to fail');
}

function pod(name: string, namespace: string | undefined, extra: Record<string, any> = {}): Record<string, any> {
  const { labels, ...spec } = extra;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27' }], ...spec },
  };
}

let server: KubeApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let batch: BatchV1Api;
let networking: NetworkingV1Api;
let rbac: RbacAuthorizationV1Api;
let objects: KubernetesObjectApi;

function connect(config: object): void {
  kc = new KubeConfig();
  kc.loadFromOptions(config);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  networking = kc.makeApiClient(NetworkingV1Api);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
}

beforeEach(async () => {
  server = await KubeApiServer.start();
  connect(server.kubeConfigOptions());
});

afterEach(async () => {
  await server.stop();
});

describe('connection', () => {
  it('listens on 127.0.0.1 and builds a working kubeconfig', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()).toMatchObject({ server: server.url, skipTLSVerify: true });
  });

  it('writes a kubeconfig file that KubeConfig.loadFromFile accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-api-server-'));
    try {
      const path = join(dir, 'kubeconfig');
      server.writeKubeconfig(path);
      const fromFile = new KubeConfig();
      fromFile.loadFromFile(path);
      expect(fromFile.getCurrentCluster()).toMatchObject({ server: server.url, skipTLSVerify: true });
      server.seed(pod('web-1', 'default'));
      const read = await fromFile.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'web-1', namespace: 'default' });
      expect(read.metadata?.name).toBe('web-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 401 without the configured bearer token and serves requests that carry it', async () => {
    const guarded = await KubeApiServer.start({ token: 'sekret' });
    try {
      const good = new KubeConfig();
      good.loadFromOptions(guarded.kubeConfigOptions());
      await expect(good.makeApiClient(CoreV1Api).listNamespace()).resolves.toMatchObject({ items: [] });

      const options = guarded.kubeConfigOptions();
      options.users[0].token = 'wrong';
      const bad = new KubeConfig();
      bad.loadFromOptions(options);
      const err = await bad.makeApiClient(CoreV1Api).listNamespace().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiException);
      expect((err as ApiException<unknown>).code).toBe(401);
      expect(guarded.requests.map((r) => r.status)).toEqual([200, 401]);
    } finally {
      await guarded.stop();
    }
  });

  it('adds the configured latency before each answer and records timings', async () => {
    server.latencyMs = 60;
    const started = Date.now();
    await core.listNamespace();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const [request] = server.requests;
    expect(request.endedAt - request.startedAt).toBeGreaterThanOrEqual(55);
  });

  it('counts the connections clients open', async () => {
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<void>((resolve, reject) => {
        http.get(`${server.url}/api/v1/namespaces`, { agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject);
      });
    await get();
    await get();
    agent.destroy();

    expect(server.requests).toHaveLength(2);
    expect(server.connectionsOpened).toBe(1);
  });
});

describe('discovery', () => {
  it('lists the built-in groups and resources', async () => {
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name).sort()).toEqual(['apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io']);
    const coreResources = await core.getAPIResources();
    expect(coreResources.groupVersion).toBe('v1');
    expect(coreResources.resources.find((r) => r.name === 'nodes')).toMatchObject({ kind: 'Node', namespaced: false });
    expect(coreResources.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/log', 'serviceaccounts', 'namespaces', 'events', 'configmaps']));
    const rbacResources = await rbac.getAPIResources();
    expect(rbacResources.resources.find((r) => r.name === 'clusterrolebindings')).toMatchObject({ kind: 'ClusterRoleBinding', namespaced: false });
    expect(server.requests.map((r) => r.verb)).toEqual(['discovery', 'discovery', 'discovery']);
  });

  it('serves registered groups and answers 404 for unregistered ones', async () => {
    const missing = await failure(objects.list('cilium.io/v2', 'CiliumNetworkPolicy', 'default'));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });

    server.registerResource({ group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true });
    server.registerResource({ group: 'karpenter.sh', version: 'v1', resource: 'nodepools', kind: 'NodePool', namespaced: false });
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.find((g) => g.name === 'cilium.io')).toMatchObject({ preferredVersion: { groupVersion: 'cilium.io/v2', version: 'v2' } });
    expect(groups.groups.map((g) => g.name)).toContain('karpenter.sh');
    expect(groups.groups.map((g) => g.name)).not.toContain('security.istio.io');

    const res = await fetch(`${server.url}/apis/security.istio.io/v1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const unknownResource = await fetch(`${server.url}/apis/apps/v1/namespaces/shop/widgets`);
    expect(unknownResource.status).toBe(404);
    const noNamespace = await fetch(`${server.url}/api/v1/pods`, { method: 'POST', body: JSON.stringify({ metadata: { name: 'x' } }) });
    expect(noNamespace.status).toBe(405);
  });

  it('runs every verb on a registered custom resource through KubernetesObjectApi', async () => {
    server.registerResource({ group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true });
    const policy: KubernetesObject & { spec: unknown } = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'isolate-web', namespace: 'shop' },
      spec: { endpointSelector: { matchLabels: { app: 'web' } }, ingressDeny: [{ fromEntities: ['all'] }] },
    };
    const created = await objects.create(policy);
    expect(created.metadata?.uid).toBeTruthy();
    const patched = await objects.patch(
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'isolate-web', namespace: 'shop', labels: { owner: 'eks-responder' } } } as KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.metadata?.labels).toEqual({ owner: 'eks-responder' });
    const stored = server.getObject('ciliumnetworkpolicies.cilium.io', 'shop', 'isolate-web');
    expect(stored?.spec.ingressDeny).toEqual([{ fromEntities: ['all'] }]);
    expect(stored?.metadata.labels).toEqual({ owner: 'eks-responder' });

    const listed = await objects.list('cilium.io/v2', 'CiliumNetworkPolicy', 'shop');
    expect(listed.items.map((i) => i.metadata?.name)).toEqual(['isolate-web']);
    await objects.delete({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'isolate-web', namespace: 'shop' } });
    expect(server.listObjects('ciliumnetworkpolicies')).toEqual([]);
    expect(server.mutations().map((r) => `${r.verb} ${r.group}/${r.resource} ${r.status}`)).toEqual([
      'create cilium.io/ciliumnetworkpolicies 201',
      'patch cilium.io/ciliumnetworkpolicies 200',
      'delete cilium.io/ciliumnetworkpolicies 200',
    ]);
  });
});

describe('create, get and delete', () => {
  it('creates an object and fills uid, resourceVersion, creationTimestamp and namespace', async () => {
    const created = await core.createNamespacedPod({ namespace: 'shop', body: pod('web-1', undefined) });
    expect(created.metadata).toMatchObject({ name: 'web-1', namespace: 'shop', generation: 1 });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core.readNamespacedPod({ name: 'web-1', namespace: 'shop' });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    expect(server.getObject('pods', 'shop', 'web-1')?.spec.containers[0].name).toBe('app');
    expect(server.requests[0]).toMatchObject({ method: 'POST', verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: 'shop', status: 201 });
  });

  it('answers 409 AlreadyExists for a duplicate name', async () => {
    server.seed(pod('web-1', 'shop'));
    const err = await failure(core.createNamespacedPod({ namespace: 'shop', body: pod('web-1', 'shop') }));
    expect(err.code).toBe(409);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web-1" already exists',
      reason: 'AlreadyExists',
      details: { name: 'web-1', kind: 'pods' },
      code: 409,
    });
  });

  it('answers 404 NotFound with a real Status body, group-qualified for named groups', async () => {
    const pods = await failure(core.readNamespacedPod({ name: 'ghost', namespace: 'default' }));
    expect(pods.code).toBe(404);
    expect(pods.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "ghost" not found',
      reason: 'NotFound',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
    const deployments = await failure(apps.readNamespacedDeployment({ name: 'ghost', namespace: 'default' }));
    expect(deployments.status).toMatchObject({ message: 'deployments.apps "ghost" not found', details: { name: 'ghost', group: 'apps', kind: 'deployments' } });
  });

  it('generates names from generateName and answers 422 without a name', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'evidence-' }, data: { a: 'b' } } });
    expect(created.metadata?.name).toMatch(/^evidence-[a-z0-9]{5}$/);
    expect(server.getObject('configmaps', 'default', created.metadata!.name!)?.data).toEqual({ a: 'b' });

    const err = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {} } }));
    expect(err.code).toBe(422);
    expect(err.status).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'metadata.name', reason: 'FieldValueRequired' }] } });
  });

  it('deletes pods returning the pod, other kinds returning Status Success, and answers 404 when missing', async () => {
    server.seed(pod('web-1', 'shop'), { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {} } });
    const deletedPod = await core.deleteNamespacedPod({ name: 'web-1', namespace: 'shop' });
    expect(deletedPod.metadata?.name).toBe('web-1');
    const status = await networking.deleteNamespacedNetworkPolicy({ name: 'deny-all', namespace: 'shop' });
    expect(status).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'deny-all', group: 'networking.k8s.io', kind: 'networkpolicies' } });
    expect(server.getObject('pods', 'shop', 'web-1')).toBeUndefined();
    expect(server.listObjects('networkpolicies', 'shop')).toEqual([]);
    const err = await failure(core.deleteNamespacedPod({ name: 'web-1', namespace: 'shop' }));
    expect(err.code).toBe(404);
  });

  it('keeps an object with finalizers until a write removes them', async () => {
    server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'default', finalizers: ['eks-responder.io/evidence'] } });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'default' });
    expect(server.getObject('configmaps', 'default', 'held')?.metadata.deletionTimestamp).toBeTruthy();
    await core.patchNamespacedConfigMap({ name: 'held', namespace: 'default', body: { metadata: { finalizers: null } } }, mergePatchOptions);
    expect(server.getObject('configmaps', 'default', 'held')).toBeUndefined();
  });

  it('does not store anything for dryRun requests', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('dry', 'default'), dryRun: 'All' });
    expect(created.metadata?.uid).toBeTruthy();
    expect(server.getObject('pods', 'default', 'dry')).toBeUndefined();
  });

  it('handles cluster-scoped resources: nodes, namespaces, cluster role bindings', async () => {
    await core.createNamespace({ body: { metadata: { name: 'quarantine' } } });
    expect(server.getObject('namespaces', undefined, 'quarantine')?.status).toEqual({ phase: 'Active' });
    server.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'ip-10-0-1-5.ec2.internal', labels: { 'karpenter.sh/nodepool': 'default' } } });
    const node = await core.readNode({ name: 'ip-10-0-1-5.ec2.internal' });
    expect(node.metadata?.namespace).toBeUndefined();
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'suspicious-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'miner', namespace: 'shop' }],
      },
    });
    const bindings = await rbac.listClusterRoleBinding();
    expect(bindings.items.map((b) => b.subjects?.[0].name)).toEqual(['miner']);
    await rbac.deleteClusterRoleBinding({ name: 'suspicious-admin' });
    expect(server.listObjects('clusterrolebindings')).toEqual([]);
    expect(server.requests.at(-1)).toMatchObject({ verb: 'delete', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'suspicious-admin', namespace: undefined });
  });
});

describe('list and selectors', () => {
  beforeEach(() => {
    server.seed(
      pod('web-1', 'shop', { labels: { app: 'web', tier: 'front' }, nodeName: 'node-a', serviceAccountName: 'web' }),
      pod('web-2', 'shop', { labels: { app: 'web', tier: 'back' }, nodeName: 'node-b', serviceAccountName: 'web' }),
      pod('db-1', 'shop', { labels: { app: 'db' }, nodeName: 'node-a', serviceAccountName: 'db' }),
      pod('miner', 'kube-system', { labels: { app: 'miner' }, nodeName: 'node-a', serviceAccountName: 'default' }),
    );
  });

  const names = (list: { items: Array<{ metadata?: { name?: string } }> }): Array<string | undefined> => list.items.map((i) => i.metadata?.name);

  it('returns a typed List with the current resourceVersion and items without kind', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/shop/pods`);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
    expect(body.items.map((i: any) => i.metadata.name)).toEqual(['db-1', 'web-1', 'web-2']);
    expect(body.items[0].kind).toBeUndefined();
    const all = await core.listPodForAllNamespaces();
    expect(names(all)).toEqual(['miner', 'db-1', 'web-1', 'web-2']);
  });

  it.each([
    ['app=web', ['web-1', 'web-2']],
    ['app==web', ['web-1', 'web-2']],
    ['app!=web', ['db-1']],
    ['app in (web,db)', ['db-1', 'web-1', 'web-2']],
    ['app notin (web)', ['db-1']],
    ['tier', ['web-1', 'web-2']],
    ['!tier', ['db-1']],
    ['app=web,tier!=front', ['web-2']],
    ['app in (web, db),!tier', ['db-1']],
  ])('labelSelector %s', async (labelSelector, expected) => {
    expect(names(await core.listNamespacedPod({ namespace: 'shop', labelSelector }))).toEqual(expected);
  });

  it.each([
    ['spec.nodeName=node-a', ['miner', 'db-1', 'web-1']],
    ['spec.nodeName==node-a,metadata.namespace=shop', ['db-1', 'web-1']],
    ['spec.serviceAccountName=web', ['web-1', 'web-2']],
    ['spec.nodeName=node-a,spec.serviceAccountName!=default', ['db-1', 'web-1']],
    ['metadata.name=web-2', ['web-2']],
  ])('fieldSelector %s', async (fieldSelector, expected) => {
    expect(names(await core.listPodForAllNamespaces({ fieldSelector }))).toEqual(expected);
  });

  it('rejects malformed selectors and unsupported fields with 400', async () => {
    const badLabel = await failure(core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app in web' }));
    expect(badLabel).toMatchObject({ code: 400, status: { reason: 'BadRequest' } });
    const badField = await failure(core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.containers=x' }));
    expect(badField).toMatchObject({ code: 400, status: { reason: 'BadRequest', message: 'field label not supported: spec.containers' } });
    const deployments = await failure(apps.listNamespacedDeployment({ namespace: 'shop', fieldSelector: 'spec.nodeName=x' }));
    expect(deployments.code).toBe(400);
  });

  it('pages with limit and continue', async () => {
    const first = await core.listPodForAllNamespaces({ limit: 3 });
    expect(names(first)).toEqual(['miner', 'db-1', 'web-1']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await core.listPodForAllNamespaces({ limit: 3, _continue: first.metadata?._continue });
    expect(names(second)).toEqual(['web-2']);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it('records list requests with their query', async () => {
    await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' });
    expect(server.requests).toEqual([
      expect.objectContaining({ method: 'GET', verb: 'list', resource: 'pods', namespace: 'shop', status: 200, query: { labelSelector: 'app=web' } }),
    ]);
    expect(server.mutations()).toEqual([]);
    server.resetRequests();
    expect(server.requests).toEqual([]);
  });
});

describe('patch', () => {
  beforeEach(() => {
    server.seed(pod('web-1', 'shop', { labels: { app: 'web', tier: 'front' } }));
  });

  it('applies a JSON merge patch, deleting keys set to null and bumping resourceVersion', async () => {
    const before = server.getObject('pods', 'shop', 'web-1')!;
    const patched = await core.patchNamespacedPod(
      { name: 'web-1', namespace: 'shop', body: { metadata: { labels: { tier: null, 'eks-responder.io/quarantined': 'true' } } } },
      mergePatchOptions,
    );
    expect(patched.metadata?.labels).toEqual({ app: 'web', 'eks-responder.io/quarantined': 'true' });
    const after = server.getObject('pods', 'shop', 'web-1')!;
    expect(after.metadata.labels).toEqual({ app: 'web', 'eks-responder.io/quarantined': 'true' });
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(server.requests[0]).toMatchObject({ verb: 'patch', contentType: 'application/merge-patch+json', name: 'web-1', status: 200 });
  });

  it('omits a labels or annotations map left empty, as the API server does (omitempty)', async () => {
    await core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: { labels: { app: null, tier: null }, annotations: { a: null } } } }, mergePatchOptions);
    const after = server.getObject('pods', 'shop', 'web-1')!;
    expect(after.metadata).not.toHaveProperty('labels');
    expect(after.metadata).not.toHaveProperty('annotations');
  });

  it('leaves resourceVersion alone for a patch that changes nothing', async () => {
    const before = server.getObject('pods', 'shop', 'web-1')!;
    await core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: { labels: { app: 'web' } } } }, mergePatchOptions);
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('applies a strategic merge patch as a merge patch for maps', async () => {
    server.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } } });
    const scaled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { spec: { replicas: 0 } } }, strategicPatchOptions);
    expect(scaled.spec?.replicas).toBe(0);
    const stored = server.getObject('deployments', 'shop', 'web')!;
    expect(stored.spec).toEqual({ replicas: 0, selector: { matchLabels: { app: 'web' } } });
    expect(stored.metadata.generation).toBe(2);
  });

  it('applies a JSON patch with ~1 escaping, and is the content type client-node sends by default', async () => {
    const body = [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'add', path: '/metadata/labels/eks-responder.io~1quarantined', value: 'true' },
      { op: 'replace', path: '/metadata/labels/tier', value: 'isolated' },
      { op: 'remove', path: '/spec/containers/0/image' },
    ];
    await core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body });
    const stored = server.getObject('pods', 'shop', 'web-1')!;
    expect(stored.metadata.labels).toEqual({ app: 'web', tier: 'isolated', 'eks-responder.io/quarantined': 'true' });
    expect(stored.spec.containers[0]).toEqual({ name: 'app' });
    expect(server.requests[0].contentType).toBe('application/json-patch+json');

    await core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }] }, jsonPatchOptions);
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.annotations).toEqual({ a: 'b' });
  });

  it('answers 422 for a failed JSON patch test or a remove of a missing path, storing nothing', async () => {
    const before = server.getObject('pods', 'shop', 'web-1');
    const test = await failure(
      core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }, { op: 'test', path: '/metadata/labels/app', value: 'db' }] }, jsonPatchOptions),
    );
    expect(test).toMatchObject({ code: 422, status: { reason: 'Invalid' } });
    const remove = await failure(core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: [{ op: 'remove', path: '/metadata/annotations/nope' }] }, jsonPatchOptions));
    expect(remove.code).toBe(422);
    expect(server.getObject('pods', 'shop', 'web-1')).toEqual(before);
  });

  it('answers 409 Conflict when the patch carries a stale resourceVersion', async () => {
    const stale = server.getObject('pods', 'shop', 'web-1')!.metadata.resourceVersion;
    await core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: { labels: { step: '1' } } } }, mergePatchOptions);
    const err = await failure(
      core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: { resourceVersion: stale, labels: { step: '2' } } } }, mergePatchOptions),
    );
    expect(err.code).toBe(409);
    expect(err.status).toMatchObject({ reason: 'Conflict', message: expect.stringContaining('Operation cannot be fulfilled on pods "web-1"') });
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.labels.step).toBe('1');
  });

  it('answers 415 for apply patches and unknown content types, 404 for missing objects', async () => {
    const apply = await failure(core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: {} } }, setHeaderOptions('Content-Type', 'application/apply-patch+yaml')));
    expect(apply).toMatchObject({ code: 415, status: { reason: 'UnsupportedMediaType' } });
    const unknown = await failure(core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: {} }, setHeaderOptions('Content-Type', 'application/json')));
    expect(unknown.code).toBe(415);
    const missing = await failure(core.patchNamespacedPod({ name: 'ghost', namespace: 'shop', body: { metadata: {} } }, mergePatchOptions));
    expect(missing).toMatchObject({ code: 404, status: { reason: 'NotFound' } });
  });

  it('patches CronJobs, NetworkPolicies and RoleBindings in their groups', async () => {
    server.seed(
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'backup', namespace: 'shop' }, spec: { schedule: '* * * * *', suspend: false } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'edit', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'mallory' }] },
    );
    await batch.patchNamespacedCronJob({ name: 'backup', namespace: 'shop', body: { spec: { suspend: true } } }, mergePatchOptions);
    expect(server.getObject('cronjobs', 'shop', 'backup')!.spec.suspend).toBe(true);
    await rbac.patchNamespacedRoleBinding({ name: 'edit', namespace: 'shop', body: [{ op: 'replace', path: '/subjects', value: [] }] }, jsonPatchOptions);
    expect(server.getObject({ group: 'rbac.authorization.k8s.io', resource: 'rolebindings' }, 'shop', 'edit')!.subjects).toEqual([]);
    await networking.createNamespacedNetworkPolicy({ namespace: 'shop', body: { metadata: { name: 'isolate' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'] } } });
    expect(server.getObject('networkpolicies', 'shop', 'isolate')!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });
});

describe('update', () => {
  it('replaces an object, bumping generation on spec changes, and answers 409 for a stale resourceVersion', async () => {
    server.seed({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { template: { spec: { nodeSelector: {} } } } });
    const current = await apps.readNamespacedDaemonSet({ name: 'agent', namespace: 'kube-system' });
    const stale = current.metadata!.resourceVersion;
    current.spec!.template.spec!.nodeSelector = { 'eks-responder.io/none': 'true' };
    const replaced = await apps.replaceNamespacedDaemonSet({ name: 'agent', namespace: 'kube-system', body: current });
    expect(replaced.metadata?.generation).toBe(2);
    expect(server.getObject('daemonsets', 'kube-system', 'agent')!.spec.template.spec.nodeSelector).toEqual({ 'eks-responder.io/none': 'true' });

    const err = await failure(apps.replaceNamespacedDaemonSet({ name: 'agent', namespace: 'kube-system', body: { ...current, metadata: { ...current.metadata, resourceVersion: stale } } }));
    expect(err).toMatchObject({ code: 409, status: { reason: 'Conflict', details: { name: 'agent', group: 'apps', kind: 'daemonsets' } } });
    const missing = await failure(apps.replaceNamespacedStatefulSet({ name: 'db', namespace: 'shop', body: { metadata: { name: 'db' } } }));
    expect(missing.code).toBe(404);
  });
});

describe('pod logs', () => {
  beforeEach(() => {
    server.seed(pod('web-1', 'shop'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'multi', namespace: 'shop' },
      spec: { containers: [{ name: 'app' }, { name: 'sidecar' }] },
    });
    server.setPodLog('shop', 'web-1', 'app', 'line 1\nline 2\nline 3\n');
    server.setPodLog('shop', 'web-1', 'app', 'crashed: curl http://169.254.169.254/\n', true);
    server.setPodLog('shop', 'multi', 'sidecar', 'proxy up\n');
  });

  it('returns seeded text, honouring container, tailLines and previous', async () => {
    expect(await core.readNamespacedPodLog({ name: 'web-1', namespace: 'shop' })).toBe('line 1\nline 2\nline 3\n');
    expect(await core.readNamespacedPodLog({ name: 'web-1', namespace: 'shop', container: 'app', tailLines: 2 })).toBe('line 2\nline 3\n');
    expect(await core.readNamespacedPodLog({ name: 'web-1', namespace: 'shop', previous: true })).toBe('crashed: curl http://169.254.169.254/\n');
    expect(await core.readNamespacedPodLog({ name: 'multi', namespace: 'shop', container: 'sidecar' })).toBe('proxy up\n');
    expect(await core.readNamespacedPodLog({ name: 'multi', namespace: 'shop', container: 'app' })).toBe('');
    expect(server.requests[0]).toMatchObject({ verb: 'get', resource: 'pods', subresource: 'log', name: 'web-1' });
  });

  it('answers 400 like kube-apiserver for an ambiguous or unknown container and a missing previous log, 404 for a missing pod', async () => {
    expect((await failure(core.readNamespacedPodLog({ name: 'multi', namespace: 'shop' }))).status.message).toBe(
      'a container name must be specified for pod multi, choose one of: [app sidecar]',
    );
    expect((await failure(core.readNamespacedPodLog({ name: 'web-1', namespace: 'shop', container: 'nope' }))).code).toBe(400);
    expect((await failure(core.readNamespacedPodLog({ name: 'multi', namespace: 'shop', container: 'app', previous: true }))).code).toBe(400);
    expect((await failure(core.readNamespacedPodLog({ name: 'ghost', namespace: 'shop' }))).code).toBe(404);
  });
});

describe('failNext', () => {
  it('answers the injected Status for the matching requests only, then serves normally', async () => {
    server.seed(pod('web-1', 'shop'));
    server.failNext({ verb: 'patch', resource: 'pods', name: 'web-1' }, 429, 2);
    const patch = (): Promise<unknown> =>
      core.patchNamespacedPod({ name: 'web-1', namespace: 'shop', body: { metadata: { labels: { q: 'true' } } } }, mergePatchOptions);
    await expect(core.readNamespacedPod({ name: 'web-1', namespace: 'shop' })).resolves.toBeDefined();
    const first = await failure(patch());
    expect(first).toMatchObject({ code: 429, status: { reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } } });
    expect(first.headers['retry-after']).toBe('1');
    expect((await failure(patch())).code).toBe(429);
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.labels).toBeUndefined();
    await patch();
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.labels).toEqual({ q: 'true' });
    expect(server.mutations().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('supports any code and a custom reason, matched by namespace', async () => {
    server.failNext({ namespace: 'kube-system' }, 500);
    server.failNext({ verb: 'create', resource: 'networkpolicies' }, 403, 1, 'Forbidden');
    await expect(core.listNamespacedPod({ namespace: 'shop' })).resolves.toMatchObject({ items: [] });
    expect(await failure(core.listNamespacedPod({ namespace: 'kube-system' }))).toMatchObject({ code: 500, status: { reason: 'InternalError' } });
    const forbidden = await failure(networking.createNamespacedNetworkPolicy({ namespace: 'shop', body: { metadata: { name: 'x' }, spec: { podSelector: {} } } }));
    expect(forbidden).toMatchObject({ code: 403, status: { reason: 'Forbidden', kind: 'Status', status: 'Failure' } });
    expect(server.listObjects('networkpolicies')).toEqual([]);
  });
});

describe('test-facing helpers', () => {
  it('seeds objects of any served kind, resolving references by plural, kind or group', async () => {
    server.registerResource({ group: 'security.istio.io', version: 'v1', resource: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true });
    const [deployment] = server.seed(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2 } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny', namespace: 'shop' }, spec: { action: 'DENY' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } },
    );
    expect(deployment.metadata).toMatchObject({ uid: expect.any(String), resourceVersion: expect.any(String), creationTimestamp: expect.any(String) });
    expect(server.getObject('Deployment', 'shop', 'web')?.spec.replicas).toBe(2);
    expect(server.getObject('authorizationpolicies.security.istio.io', 'shop', 'deny')?.spec.action).toBe('DENY');
    expect(server.listObjects('serviceaccounts').map((o) => o.metadata.namespace)).toEqual(['default']);
    expect(() => server.seed({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'x' } })).toThrow(/registerResource/);

    const [rs] = server.seed({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-7d4b9', namespace: 'shop', ownerReferences: [ownerReferenceTo(deployment)] },
    });
    const read = await apps.readNamespacedReplicaSet({ name: rs.metadata.name, namespace: 'shop' });
    expect(read.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: deployment.metadata.uid, controller: true });
  });

  it('returns deep copies that tests cannot use to change stored state', () => {
    server.seed(pod('web-1', 'shop', { labels: { app: 'web' } }));
    server.getObject('pods', 'shop', 'web-1')!.metadata.labels.app = 'changed';
    server.listObjects('pods')[0].metadata.labels.app = 'changed';
    expect(server.getObject('pods', 'shop', 'web-1')!.metadata.labels.app).toBe('web');
  });

  it('lists jobs and events through BatchV1Api and CoreV1Api', async () => {
    server.seed(
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'scan', namespace: 'shop', labels: { app: 'scan' } }, spec: { template: { spec: { containers: [] } } } },
      { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web-1.1', namespace: 'shop' }, involvedObject: { kind: 'Pod', name: 'web-1' }, reason: 'Killing' },
    );
    expect((await batch.listNamespacedJob({ namespace: 'shop', labelSelector: 'app=scan' })).items).toHaveLength(1);
    const events = await core.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'involvedObject.name=web-1,reason=Killing' });
    expect(events.items.map((e) => e.metadata.name)).toEqual(['web-1.1']);
  });
});

describe('selector and patch helpers', () => {
  it('matches set-based requirements like Kubernetes, including absent keys for notin', () => {
    expect(matchesLabels(parseLabelSelector('a notin (x)'), {})).toBe(true);
    expect(matchesLabels(parseLabelSelector('a in (x)'), {})).toBe(false);
    expect(matchesLabels(parseLabelSelector('a!=x'), {})).toBe(true);
    expect(matchesLabels(parseLabelSelector('n>3,n<10'), { n: '5' })).toBe(true);
    expect(matchesLabels(parseLabelSelector(''), { any: 'thing' })).toBe(true);
  });

  it('applies RFC 6902 pointers with ~0 and ~1 escapes and array positions', () => {
    const doc = { 'a/b': { 'c~d': 1 }, list: [1, 2] };
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '/a~1b/c~0d', value: 2 }, { op: 'add', path: '/list/-', value: 3 }, { op: 'add', path: '/list/0', value: 0 }])).toEqual({
      'a/b': { 'c~d': 2 },
      list: [0, 1, 2, 3],
    });
    expect(applyJsonPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/b' }, { op: 'copy', from: '/b', path: '/c' }])).toEqual({ b: 1, c: 1 });
    expect(() => applyJsonPatch({ list: [1] }, [{ op: 'remove', path: '/list/1' }])).toThrow(PatchError);
    expect(doc.list).toEqual([1, 2]);
  });

  it('applies RFC 7386 merge patches', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1] }, { a: { b: null, d: 3 }, l: [2] })).toEqual({ a: { c: 2, d: 3 }, l: [2] });
  });
});
