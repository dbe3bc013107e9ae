// An in-process fake kube-apiserver: tests, the demo and the benchmark point the real @kubernetes/client-node at it
// over real HTTP. It stores objects in memory and implements the verbs, selectors, patch types, errors and discovery
// the responder relies on. No controllers run: nothing happens to an object unless a request or a test changes it.
import http from 'node:http';
import https from 'node:https';
import { writeFileSync } from 'node:fs';
import { ResourceRegistry } from './kube-api-server/resources';
import { OpenConnections } from './open-connections';
import type { ResourceDefinition, ResourceRef } from './kube-api-server/resources';
import { ApiError, injectedFailure, pathNotFound } from './kube-api-server/status';
import { ObjectStore } from './kube-api-server/store';
import { roundTrip } from './latency';
import type { KubeObject, Reply } from './kube-api-server/store';

export type { ResourceDefinition, ResourceRef } from './kube-api-server/resources';
export type { KubeObject } from './kube-api-server/store';

/** One HTTP request the server received, recorded on arrival and completed when the answer is written. */
export interface RecordedRequest {
  method: string;
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'discovery';
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  contentType?: string;
  /** HTTP status of the answer; 0 while the request is still in flight. */
  status: number;
  startedAt: number;
  endedAt: number;
  /** Query parameters, e.g. labelSelector, dryRun, tailLines. */
  query: Record<string, string>;
  /** Parsed JSON request body (raw text when it is not JSON); absent when the request had no body. */
  body?: unknown;
  /** The bearer token the client sent, if any. */
  bearerToken?: string;
}

/** Options for `KubeApiServer.start`. */
export interface KubeApiServerOptions {
  /** Fixed delay added before answering each request. */
  latencyMs?: number;
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** Serve HTTPS with this key and certificate (PEM), as EKS endpoints do. */
  tls?: { key: string; cert: string };
  /** Extra resources served from the start, as with `registerResource`. */
  resources?: ResourceDefinition[];
}

/** Which requests `failNext` applies to; every given field must match. `resource` may be `pods/log` for a subresource. */
export interface FailureMatch {
  verb?: string;
  group?: string;
  resource?: string;
  name?: string;
  namespace?: string;
}

/** Argument for `KubeConfig.loadFromOptions`. */
export interface KubeConfigOptions {
  clusters: Array<{ name: string; server: string; skipTLSVerify: boolean }>;
  users: Array<{ name: string; token: string }>;
  contexts: Array<{ name: string; cluster: string; user: string; namespace: string }>;
  currentContext: string;
}

const CONTEXT = 'eks-responder-test';

/** An ownerReference pointing at a stored object (pass what `seed` or `getObject` returned, which carries the uid). */
export function ownerReferenceTo(owner: KubeObject, controller = true): KubeObject {
  if (!owner.metadata?.uid) throw new Error('ownerReferenceTo needs an object with metadata.uid (use what seed() returned)');
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller, blockOwnerDeletion: controller };
}

/** Where a request points, worked out from method and path before anything is checked. */
interface Target {
  verb: RecordedRequest['verb'];
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  def?: ResourceDefinition;
  discovery?: () => unknown;
}

const clone = <T>(value: T): T => structuredClone(value);

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The fake kube-apiserver. Create with `KubeApiServer.start()`, always `stop()` it. */
export class KubeApiServer {
  /** Every request in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Connections clients opened (TLS handshakes when serving HTTPS); a client without keep-alive opens one per request. */
  connectionsOpened = 0;
  /** Delay before each answer; may be changed while running. */
  latencyMs: number;
  private readonly registry = new ResourceRegistry();
  private readonly store = new ObjectStore(this.registry);
  private readonly failures: Array<{ match: FailureMatch; status: number; remaining: number; reason?: string }> = [];
  private server!: http.Server | https.Server;
  private baseUrl = '';
  private connections!: OpenConnections;

  private constructor(private readonly options: KubeApiServerOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    for (const def of options.resources ?? []) this.registry.register(def);
  }

  /** Starts a server on 127.0.0.1 with a free port. */
  static async start(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const api = new KubeApiServer(options);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => void api.handle(req, res);
    api.server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
    api.server.on(options.tls ? 'secureConnection' : 'connection', () => (api.connectionsOpened += 1));
    api.connections = new OpenConnections(api.server);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = api.server.address();
    if (address === null || typeof address === 'string') throw new Error('the fake API server has no TCP address');
    api.baseUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
    return api;
  }

  /** Base URL, `http://127.0.0.1:PORT`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Argument for `KubeConfig.loadFromOptions`: one cluster, one token user, one current context (namespace `default`). */
  kubeConfigOptions(): KubeConfigOptions {
    return {
      clusters: [{ name: CONTEXT, server: this.url, skipTLSVerify: true }],
      users: [{ name: CONTEXT, token: this.options.token ?? 'eks-responder-test-token' }],
      contexts: [{ name: CONTEXT, cluster: CONTEXT, user: CONTEXT, namespace: 'default' }],
      currentContext: CONTEXT,
    };
  }

  /** Writes the same configuration as a kubeconfig file (JSON, which `KubeConfig.loadFromFile` reads as YAML). */
  writeKubeconfig(path: string): void {
    const o = this.kubeConfigOptions();
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: CONTEXT, cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: CONTEXT, user: { token: o.users[0].token } }],
      contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: 'default' } }],
      'current-context': CONTEXT,
    };
    writeFileSync(path, JSON.stringify(kubeconfig, null, 2));
  }

  /** Inserts or replaces objects (apiVersion, kind, metadata.name required), filling uid, resourceVersion, creationTimestamp; returns the stored copies. */
  seed(...objects: KubeObject[]): KubeObject[] {
    return objects.map((o) => this.store.seed(o));
  }

  /** A deep copy of a stored object, or undefined. `namespace` is ignored for cluster-scoped resources. */
  getObject(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.store.find(this.registry.resolve(ref), namespace, name);
    return obj && clone(obj);
  }

  /** Deep copies of the stored objects of a resource, in one namespace or all, sorted by namespace and name. */
  listObjects(ref: ResourceRef, namespace?: string): KubeObject[] {
    return this.store.objectsOf(this.registry.resolve(ref), namespace).map(clone);
  }

  /** Recorded create/update/patch/delete requests (including failed ones; check `status`). */
  mutations(): RecordedRequest[] {
    return this.requests.filter((r) => ['create', 'update', 'patch', 'delete'].includes(r.verb));
  }

  /** Forgets recorded requests. */
  resetRequests(): void {
    this.requests.length = 0;
  }

  /** The next `times` matching requests answer a Status with this code instead of being served (429 adds Retry-After: 1). */
  failNext(match: FailureMatch, status: number, times = 1, reason?: string): void {
    this.failures.push({ match, status, remaining: times, reason });
  }

  /** Sets the text `GET .../pods/{pod}/log` returns for a container (`previous` for the last terminated instance). */
  setPodLog(namespace: string, pod: string, container: string, text: string, previous = false): void {
    this.store.setPodLog(namespace, pod, container, text, previous);
  }

  /** Serves another resource (e.g. CRDs such as cilium.io/v2 ciliumnetworkpolicies); it shows up in discovery. */
  registerResource(def: ResourceDefinition): void {
    this.registry.register(def);
  }

  /** Closes the listener and every connection: kept alive, opened ahead by a client, or still in its handshake. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.dropConnections();
    });
  }

  /** Drops every open connection, as an API server's idle timeout or restart would; the listener stays. */
  dropConnections(): void {
    this.connections.dropAll();
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const method = (req.method ?? 'GET').toUpperCase();
    const contentType = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
    const target = this.describe(method, url.pathname);
    const { def: _def, discovery: _discovery, ...where } = target;
    const bearerToken = req.headers.authorization?.replace(/^Bearer /, '');
    const record: RecordedRequest = { method, ...where, contentType, status: 0, startedAt, endedAt: 0, query, ...(bearerToken ? { bearerToken } : {}) };
    this.requests.push(record);
    const trip = roundTrip(this.latencyMs);
    let reply: Reply;
    try {
      const raw = await readBody(req);
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
        record.body = body;
      }
      await trip.there();
      if (this.options.token !== undefined && req.headers.authorization !== `Bearer ${this.options.token}`) {
        throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      }
      if (!target.def && !target.discovery) throw pathNotFound();
      this.maybeFail(target);
      reply = this.serve(target, query, contentType, body);
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${String(err)}`);
      reply = { status: error.code, body: error.toStatus(), headers: error.headers };
    }
    await trip.back();
    record.status = reply.status;
    record.endedAt = Date.now();
    const payload = reply.text || reply.json ? String(reply.body) : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'Content-Type': reply.text ? 'text/plain' : 'application/json', ...reply.headers });
    res.end(payload);
  }

  /** Maps method and path to verb, group, version, resource, namespace, name and subresource. */
  private describe(method: string, pathname: string): Target {
    let parts: string[];
    try {
      parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      parts = [];
    }
    const writeVerbs: Record<string, RecordedRequest['verb']> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    const verbFor = (named: boolean): RecordedRequest['verb'] => writeVerbs[method] ?? (named ? 'get' : 'list');
    const unknown: Target = { verb: verbFor(true), group: '', version: '', resource: '' };
    const disc = (group: string, version: string, body: () => unknown): Target =>
      method === 'GET' ? { verb: 'discovery', group, version, resource: '', discovery: body } : unknown;
    const r = this.registry;
    if (parts.length === 1 && parts[0] === 'version') {
      return disc('', '', () => ({ major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' }));
    }
    let group: string;
    let rest: string[];
    if (parts[0] === 'api') {
      if (parts.length === 1) return disc('', '', () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }));
      group = '';
      rest = parts.slice(1);
    } else if (parts[0] === 'apis') {
      if (parts.length === 1) return disc('', '', () => r.groupList());
      if (parts.length === 2) return r.hasGroup(parts[1]) ? disc(parts[1], '', () => r.group(parts[1])) : unknown;
      group = parts[1];
      rest = parts.slice(2);
    } else {
      return unknown;
    }
    const version = rest[0];
    rest = rest.slice(1);
    if (!r.hasGroup(group, version)) {
      // Parsed as the API server's request info does, served or not: that is what RBAC is asked about before the 404.
      const scoped = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
      const [resource = '', name, subresource] = scoped;
      return { ...unknown, verb: verbFor(name !== undefined), group, version, resource, name, subresource, namespace: scoped === rest ? undefined : rest[1] };
    }
    if (rest.length === 0) return disc(group, version, () => r.resourceList(group, version));
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && r.byPath(group, version, rest[2])?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource] = rest;
    const def = r.byPath(group, version, resource);
    const t: Target = { verb: verbFor(name !== undefined), group, version, resource, subresource, namespace, name };
    const validShape = rest.length <= 3 && def !== undefined && !(def.namespaced && name !== undefined && namespace === undefined);
    return validShape ? { ...t, def } : t;
  }

  private maybeFail(t: Target): void {
    const resourceName = t.subresource ? `${t.resource}/${t.subresource}` : t.resource;
    const index = this.failures.findIndex(({ match: m }) =>
      (m.verb === undefined || m.verb === t.verb) &&
      (m.group === undefined || m.group === t.group) &&
      (m.resource === undefined || m.resource === resourceName) &&
      (m.name === undefined || m.name === t.name) &&
      (m.namespace === undefined || m.namespace === t.namespace),
    );
    if (index < 0) return;
    const failure = this.failures[index];
    if (--failure.remaining <= 0) this.failures.splice(index, 1);
    throw injectedFailure(failure.status, failure.reason, t.def, t.name);
  }

  private serve(t: Target, query: Record<string, string>, contentType: string | undefined, body: unknown): Reply {
    if (t.discovery) return { status: 200, body: t.discovery() };
    const def = t.def!;
    const dryRun = query.dryRun !== undefined;
    if (t.subresource !== undefined) {
      if (t.verb === 'get' && t.subresource === 'log' && def.resource === 'pods' && !def.group) {
        return { status: 200, body: this.store.podLog(def, t.namespace!, t.name!, query), text: true };
      }
      throw pathNotFound();
    }
    if (def.namespaced && t.namespace === undefined && t.verb !== 'list') {
      throw new ApiError(405, 'MethodNotAllowed', `${t.verb} of ${def.resource} needs a namespace in the path`);
    }
    const name = t.name;
    if (name === undefined) {
      if (t.verb === 'list') return { status: 200, body: this.store.list(def, t.namespace, query), json: true };
      if (t.verb === 'create') return { status: 201, body: this.store.create(def, t.namespace, body, dryRun) };
      throw new ApiError(405, 'MethodNotAllowed', `${t.verb} of a collection is not supported by the eks-responder test API server`);
    }
    switch (t.verb) {
      case 'get':
        return { status: 200, body: this.store.get(def, t.namespace, name) };
      case 'update':
        return { status: 200, body: this.store.update(def, t.namespace, name, body, dryRun) };
      case 'patch':
        return { status: 200, body: this.store.patch(def, t.namespace, name, contentType, body, dryRun) };
      case 'delete':
        return this.store.remove(def, t.namespace, name, body, dryRun);
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }
}
