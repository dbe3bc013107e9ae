// The in-memory object store behind the fake kube-apiserver and the verbs it serves (get, list, create, update,
// patch, delete, pods/log). Errors are thrown as ApiError and become Status bodies in the HTTP layer.
import { randomUUID } from 'node:crypto';
import { applyJsonPatch, deepEqual, mergePatch, PatchError } from './patch';
import { apiVersionOf, isBuiltin, splitApiVersion } from './resources';
import type { ResourceDefinition, ResourceRegistry } from './resources';
import { checkFieldsSupported, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './status';

/** A Kubernetes object as stored and served (plain JSON). */
export type KubeObject = Record<string, any>;

/** An HTTP answer: a JSON value, text when `text` is set, or JSON already serialized when `json` is. */
export interface Reply {
  status: number;
  body: unknown;
  text?: boolean;
  json?: boolean;
  headers?: Record<string, string>;
}

/** The patch content types the server applies. */
export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const clone = <T>(value: T): T => structuredClone(value);

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

function asObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  const obj = body as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
  return obj;
}

/** Everything except metadata and status, to decide whether a write bumps metadata.generation. */
function specPart(obj: KubeObject): KubeObject {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function preconditionFailed(def: ResourceDefinition, name: string, field: string, wanted: string, actual: string): ApiError {
  return conflict(def, name, `Precondition failed: ${field} in precondition: ${wanted}, ${field} in object meta: ${actual}`);
}

/** Objects keyed by group/version/resource/namespace/name, with a cluster-wide resourceVersion counter. */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly logs = new Map<string, string>();
  private readonly itemJson = new WeakMap<KubeObject, string>();
  private revision = 1000;

  constructor(private readonly registry: ResourceRegistry) {}

  /** Inserts or replaces an object outside the API (test setup); returns a copy of what was stored. */
  seed(input: KubeObject): KubeObject {
    if (!input.apiVersion || !input.kind) throw new Error(`seed needs apiVersion and kind: ${JSON.stringify(input)}`);
    const def = this.registry.byKind(input.apiVersion, input.kind);
    if (!def) throw new Error(`no resource serves ${input.apiVersion} ${input.kind}; call registerResource first`);
    const obj = clone(input);
    const meta = (obj.metadata ??= {});
    if (!meta.name) throw new Error(`seed needs metadata.name: ${JSON.stringify(input)}`);
    obj.apiVersion = apiVersionOf(def);
    if (def.namespaced) meta.namespace ??= 'default';
    else delete meta.namespace;
    const existing = this.find(def, meta.namespace, meta.name);
    meta.uid ??= existing?.metadata.uid ?? randomUUID();
    meta.creationTimestamp ??= existing?.metadata.creationTimestamp ?? now();
    meta.generation ??= 1;
    meta.resourceVersion = String(++this.revision);
    if (def.kind === 'Namespace' && !def.group) obj.status = { phase: 'Active', ...obj.status };
    this.objects.set(this.key(def, meta.namespace, meta.name), obj);
    return clone(obj);
  }

  /** The stored object itself (not a copy), or undefined. */
  find(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(def, namespace, name));
  }

  /** Stored objects of a resource (not copies), in one namespace or all, sorted by namespace then name. */
  objectsOf(def: ResourceDefinition, namespace?: string): KubeObject[] {
    const prefix = `${def.group}/${def.version}/${def.resource}/`;
    const found = [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (!def.namespaced || namespace === undefined || o.metadata.namespace === namespace))
      .map(([, o]) => o);
    const sortKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    return found.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  }

  /** Sets the text the pods/log subresource returns for one container. */
  setPodLog(namespace: string, pod: string, container: string, text: string, previous: boolean): void {
    this.logs.set(this.logKey(namespace, pod, container, previous), text);
  }

  /** GET of one object. */
  get(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject {
    return clone(this.stored(def, namespace, name));
  }

  /**
   * A stored object's JSON as a list item, kept until a write replaces the object (every write
   * stores a new object, none changes one in place). Serializing each item anew made a large
   * list (the bench's hundreds of nodes) hold up the server's other answers, which
   * kube-apiserver serves side by side. kube-apiserver leaves apiVersion and kind off the items
   * of built-in lists; custom resources keep them.
   */
  private listItemJson(o: KubeObject, builtin: boolean): string {
    let json = this.itemJson.get(o);
    if (json === undefined) {
      const { apiVersion: _apiVersion, kind: _kind, ...item } = o;
      json = JSON.stringify(builtin ? item : o);
      this.itemJson.set(o, json);
    }
    return json;
  }

  /** GET of a collection with labelSelector, fieldSelector, limit and continue: the answer's JSON text. */
  list(def: ResourceDefinition, namespace: string | undefined, query: Record<string, string>): string {
    if (query.watch === 'true' || query.watch === '1') {
      throw new ApiError(405, 'MethodNotAllowed', 'watch is not supported by the eks-responder test API server');
    }
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector);
    checkFieldsSupported(def.group, def.resource, fields);
    const matching = this.objectsOf(def, namespace).filter(
      (o) => matchesLabels(labels, o.metadata.labels) && matchesFields(def.group, def.resource, fields, o),
    );
    const offset = query.continue ? Number(Buffer.from(query.continue, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ApiError(410, 'Expired', 'the provided continue parameter is too old to display a consistent list result');
    }
    const limit = query.limit ? Number(query.limit) : 0;
    const end = limit > 0 ? offset + limit : matching.length;
    const metadata: KubeObject = { resourceVersion: String(this.revision) };
    if (end < matching.length) {
      metadata.continue = Buffer.from(String(end)).toString('base64url');
      metadata.remainingItemCount = matching.length - end;
    }
    const builtin = isBuiltin(def);
    const items = matching.slice(offset, end).map((o) => this.listItemJson(o, builtin));
    const head = JSON.stringify({ kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata });
    return `${head.slice(0, -1)},"items":[${items.join(',')}]}`;
  }

  /** POST to a collection. */
  create(def: ResourceDefinition, namespace: string | undefined, body: unknown, dryRun: boolean): KubeObject {
    const obj = asObject(body);
    const meta = obj.metadata;
    this.checkKind(def, obj);
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name) {
      if (!meta.generateName) throw invalid(def, '', 'metadata.name', 'Required value: name or generateName is required', 'FieldValueRequired');
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    if (meta.resourceVersion) throw new ApiError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    if (this.find(def, meta.namespace, meta.name)) throw alreadyExists(def, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    meta.generation = 1;
    meta.resourceVersion = this.nextRevision(dryRun);
    if (def.kind === 'Namespace' && !def.group) obj.status = { phase: 'Active', ...obj.status };
    if (!dryRun) this.objects.set(this.key(def, meta.namespace, meta.name), obj);
    return clone(obj);
  }

  /** PUT of one object; a supplied resourceVersion must be the stored one. */
  update(def: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, dryRun: boolean): KubeObject {
    const current = this.stored(def, namespace, name);
    const obj = asObject(body);
    this.checkKind(def, obj);
    const meta = obj.metadata;
    if (meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (def.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.uid && meta.uid !== current.metadata.uid) throw preconditionFailed(def, name, 'UID', meta.uid, current.metadata.uid);
    if (meta.resourceVersion && String(meta.resourceVersion) !== current.metadata.resourceVersion) throw conflict(def, name);
    return this.commit(def, current, obj, dryRun);
  }

  /** PATCH of one object with a merge, strategic merge or JSON patch. */
  patch(def: ResourceDefinition, namespace: string | undefined, name: string, contentType: string | undefined, body: unknown, dryRun: boolean): KubeObject {
    if (contentType === 'application/apply-patch+yaml') {
      throw new ApiError(415, 'UnsupportedMediaType', 'server-side apply (application/apply-patch+yaml) is not supported by the eks-responder test API server');
    }
    if (contentType === undefined || !PATCH_TYPES.includes(contentType)) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}, application/apply-patch+yaml`,
      );
    }
    if (body === undefined || typeof body === 'string') throw badRequest('the patch body is not valid JSON');
    const current = this.stored(def, namespace, name);
    let patched: unknown;
    if (contentType === 'application/json-patch+json') {
      try {
        patched = applyJsonPatch(current, body);
      } catch (err) {
        if (err instanceof PatchError) throw invalid(def, name, 'patch', err.message);
        throw err;
      }
    } else {
      // A strategic merge patch is applied as a JSON merge patch: maps merge, lists are replaced whole.
      patched = mergePatch(current, body);
    }
    const obj = asObject(patched);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== null && String(rv) !== current.metadata.resourceVersion) throw conflict(def, name);
    return this.commit(def, current, obj, dryRun);
  }

  /** DELETE of one object: pods answer with the pod, other kinds with Status Success; finalizers defer removal. */
  remove(def: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, dryRun: boolean): Reply {
    const current = this.stored(def, namespace, name);
    const pre = (typeof body === 'object' && body !== null ? (body as KubeObject).preconditions : undefined) ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) throw preconditionFailed(def, name, 'UID', pre.uid, current.metadata.uid);
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw preconditionFailed(def, name, 'ResourceVersion', pre.resourceVersion, current.metadata.resourceVersion);
    }
    const key = this.key(def, namespace, name);
    if (current.metadata.finalizers?.length > 0) {
      // The object stays, marked for deletion, until a later write removes its finalizers.
      if (current.metadata.deletionTimestamp) return { status: 202, body: clone(current) };
      const marked = clone(current);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      marked.metadata.resourceVersion = this.nextRevision(dryRun);
      if (!dryRun) this.objects.set(key, marked);
      return { status: 202, body: clone(marked) };
    }
    if (!dryRun) this.objects.delete(key);
    if (def.resource === 'pods' && !def.group) return { status: 200, body: clone(current) };
    const details: KubeObject = { name, kind: def.resource, uid: current.metadata.uid };
    if (def.group) details.group = def.group;
    return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
  }

  /** GET pods/{name}/log with container, previous, tailLines and limitBytes. */
  podLog(def: ResourceDefinition, namespace: string, name: string, query: Record<string, string>): string {
    const pod = this.stored(def, namespace, name);
    const specNames = ['containers', 'initContainers', 'ephemeralContainers'].flatMap((field) =>
      ((pod.spec?.[field] as Array<{ name: string }> | undefined) ?? []).map((c) => c.name),
    );
    const seededNames = [...this.logs.keys()].filter((k) => k.startsWith(`${namespace}/${name}/`)).map((k) => k.split('/')[2]);
    const containers = specNames.length > 0 ? specNames : [...new Set(seededNames)];
    let container = query.container;
    if (!container) {
      if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
      container = containers[0];
    }
    if (containers.length > 0 && !containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const previous = query.previous === 'true';
    let text = this.logs.get(this.logKey(namespace, name, container, previous));
    if (text === undefined && previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    text ??= '';
    if (query.tailLines !== undefined) {
      const n = Number(query.tailLines);
      const trailing = text.endsWith('\n');
      const lines = (trailing ? text.slice(0, -1) : text).split('\n');
      text = n <= 0 || text === '' ? '' : lines.slice(-n).join('\n') + (trailing ? '\n' : '');
    }
    if (query.limitBytes !== undefined) text = Buffer.from(text).subarray(0, Number(query.limitBytes)).toString('utf8');
    return text;
  }

  private key(def: ResourceDefinition, namespace: string | undefined, name: string): string {
    return `${def.group}/${def.version}/${def.resource}/${def.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  private logKey(namespace: string, pod: string, container: string, previous: boolean): string {
    return `${namespace}/${pod}/${container}/${previous ? 'previous' : 'current'}`;
  }

  /** The next resourceVersion; a dry run reports it without using it up. */
  private nextRevision(dryRun: boolean): string {
    return dryRun ? String(this.revision + 1) : String(++this.revision);
  }

  private stored(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject {
    const obj = this.find(def, namespace, name);
    if (!obj) throw notFound(def, name);
    return obj;
  }

  /** Fills apiVersion/kind when absent; rejects a body for another kind, as kube-apiserver does. */
  private checkKind(def: ResourceDefinition, obj: KubeObject): void {
    const apiVersion = apiVersionOf(def);
    if ((obj.kind && obj.kind !== def.kind) || (obj.apiVersion && splitApiVersion(obj.apiVersion).group !== def.group)) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) and kind (${obj.kind}) do not match ${apiVersion} ${def.kind}`);
    }
    obj.apiVersion = apiVersion;
    obj.kind = def.kind;
  }

  /** Stores the result of an update or patch. Identity fields stay as stored; a write that changes nothing keeps the resourceVersion. */
  private commit(def: ResourceDefinition, current: KubeObject, next: KubeObject, dryRun: boolean): KubeObject {
    const cur = current.metadata;
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    const meta = next.metadata;
    for (const field of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
      if (cur[field] === undefined) delete meta[field];
      else meta[field] = cur[field];
    }
    meta.resourceVersion = cur.resourceVersion;
    // ObjectMeta's maps are `omitempty`: the API server never returns an empty labels or annotations map.
    for (const field of ['labels', 'annotations']) {
      if (meta[field] && typeof meta[field] === 'object' && Object.keys(meta[field]).length === 0) delete meta[field];
    }
    if (deepEqual(next, current)) return clone(current);
    if (!deepEqual(specPart(next), specPart(current))) meta.generation = (cur.generation ?? 1) + 1;
    meta.resourceVersion = this.nextRevision(dryRun);
    if (dryRun) return next;
    const key = this.key(def, cur.namespace, cur.name);
    if (meta.deletionTimestamp && !(meta.finalizers?.length > 0)) this.objects.delete(key);
    else this.objects.set(key, next);
    return clone(next);
  }
}
