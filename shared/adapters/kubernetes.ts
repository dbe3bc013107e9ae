import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type ConfigurationOptions,
  type V1LabelSelector,
  type V1NetworkPolicy,
  type V1Node,
  type V1ObjectMeta,
  type V1Pod,
  type V1ReplicaSet,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import type { WorkloadKind } from '../model';
import { CustomObjects } from './kubernetes-custom';
import { ManifestReader } from './kubernetes-manifests';
import { itemsUnmodelled } from './kubernetes-response';
import { describeBinding, toBinding } from './kubernetes-rbac';
import type {
  BindingRef,
  KubeBinding,
  CustomObject,
  CustomResource,
  KubeMeta,
  KubeNetworkPolicy,
  KubeNode,
  KubePod,
  KubeServiceAccount,
  KubeWorkload,
  JsonPatchOperation,
  KubernetesPort,
  LabelSelector,
  ManifestKind,
  MetadataPatch,
  PodLogQuery,
  PodQuery,
} from './ports';
import type { ConnectionPool } from './connection-pool';
import { withKeepAlive } from './kubernetes-connection';
import type { Limiter } from './limiter';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry';

// For the connectors, which load this module (and client-node with it) only when first needed.
export { KubeConfig };

/** The API server's answer to a failed call, reduced to what callers branch on. */
export class KubernetesApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : error instanceof KubernetesApiError ? error.status : undefined;
}

const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** 429 and 5xx are the API server asking us to come back; dropped or refused connections too. */
export function isTransientKubernetesError(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}

function toApiError(error: unknown, what: string): Error {
  if (error instanceof ApiException) {
    let body: { message?: string; reason?: string } = {};
    try {
      body = typeof error.body === 'string' ? JSON.parse(error.body) : (error.body ?? {});
    } catch {
      // Non-JSON bodies (proxies, HTML error pages) keep the HTTP code only.
    }
    return new KubernetesApiError(error.code, body.reason ?? 'Unknown', `${what}: HTTP ${error.code}${body.message ? ` ${body.message}` : ''}`);
  }
  return error instanceof Error ? new Error(`${what}: ${error.message}`, { cause: error }) : new Error(`${what}: ${String(error)}`);
}

function meta(metadata: V1ObjectMeta | undefined): KubeMeta {
  return {
    name: metadata?.name ?? '',
    namespace: metadata?.namespace,
    uid: metadata?.uid,
    resourceVersion: metadata?.resourceVersion,
    labels: { ...(metadata?.labels ?? {}) },
    annotations: { ...(metadata?.annotations ?? {}) },
    ownerReferences: (metadata?.ownerReferences ?? []).map((owner) => ({ kind: owner.kind, name: owner.name, uid: owner.uid, controller: owner.controller })),
  };
}

function toPod(pod: V1Pod): KubePod {
  return {
    ...meta(pod.metadata),
    namespace: pod.metadata?.namespace ?? '',
    nodeName: pod.spec?.nodeName,
    serviceAccountName: pod.spec?.serviceAccountName ?? 'default',
    phase: pod.status?.phase,
    containers: (pod.spec?.containers ?? []).map((container) => ({ name: container.name, image: container.image })),
  };
}

function toNode(node: V1Node): KubeNode {
  return { ...meta(node.metadata), unschedulable: node.spec?.unschedulable === true, providerID: node.spec?.providerID };
}

function toSelector(selector: V1LabelSelector | undefined): LabelSelector | undefined {
  if (!selector) return undefined;
  return {
    matchLabels: selector.matchLabels,
    matchExpressions: selector.matchExpressions?.map((expression) => ({
      key: expression.key,
      operator: expression.operator as 'In' | 'NotIn' | 'Exists' | 'DoesNotExist',
      values: expression.values,
    })),
  };
}

function toNetworkPolicy(policy: V1NetworkPolicy): KubeNetworkPolicy {
  return {
    metadata: {
      name: policy.metadata?.name ?? '',
      namespace: policy.metadata?.namespace ?? '',
      labels: policy.metadata?.labels,
      annotations: policy.metadata?.annotations,
    },
    spec: {
      podSelector: toSelector(policy.spec?.podSelector) ?? {},
      policyTypes: policy.spec?.policyTypes,
      ingress: policy.spec?.ingress,
      egress: policy.spec?.egress,
    },
  };
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** KubernetesPort over `@kubernetes/client-node`; every call retried on transient errors. */
export class ClientNodeKubernetes implements KubernetesPort {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  private readonly custom: CustomObjects;
  private readonly manifests: ManifestReader;
  private readonly pool: ConnectionPool;

  constructor(
    config: KubeConfig,
    readonly description: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Bounds the calls in flight to this cluster; a retry waits for its backoff outside it. */
    private readonly limiter?: Limiter,
  ) {
    const { config: kept, pool } = withKeepAlive(config);
    this.pool = pool;
    this.core = kept.makeApiClient(CoreV1Api);
    this.apps = kept.makeApiClient(AppsV1Api);
    this.batch = kept.makeApiClient(BatchV1Api);
    this.networking = kept.makeApiClient(NetworkingV1Api);
    this.rbac = kept.makeApiClient(RbacAuthorizationV1Api);
    const calls = { call: this.call.bind(this), find: this.find.bind(this) };
    this.custom = new CustomObjects(kept, calls);
    this.manifests = new ManifestReader(kept, calls);
  }

  /**
   * Opens connections to the API server until there are as many as calls may be in flight at
   * once (the limiter's bound): a warm environment that last answered a smaller incident then
   * has one for every call of a larger one. Called while the first reads travel; does nothing
   * before the first call, nor without a bound.
   */
  openConnectionsAhead(): void {
    if (this.limiter) this.pool.openAhead(this.limiter.limit);
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      const attempt = this.limiter ? () => this.limiter!.run(request) : request;
      return await withRetry(attempt, isTransientKubernetesError, this.retry);
    } catch (error) {
      throw toApiError(error, what);
    }
  }

  /** A read that answers undefined for 404 instead of throwing. */
  private async find<T>(what: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, request);
    } catch (error) {
      if (error instanceof KubernetesApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async readPod(namespace: string, name: string): Promise<KubePod | undefined> {
    const pod = await this.find(`read pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name }));
    return pod && toPod(pod);
  }

  async listPods(namespace: string | undefined, query: PodQuery): Promise<KubePod[]> {
    const pods = await this.listedItems<V1Pod>(`list pods${namespace ? ` in ${namespace}` : ''}`, (options) =>
      namespace
        ? this.core.listNamespacedPod({ namespace, labelSelector: query.labelSelector, fieldSelector: query.fieldSelector }, options)
        : this.core.listPodForAllNamespaces({ labelSelector: query.labelSelector, fieldSelector: query.fieldSelector }, options),
    );
    return pods.map(toPod);
  }

  async readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<KubeWorkload | undefined> {
    const what = `read ${kind} ${namespace}/${name}`;
    const read = (): Promise<{ metadata?: V1ObjectMeta; spec?: { selector?: V1LabelSelector } } | undefined> => {
      switch (kind) {
        case 'pods':
          return this.find(what, async () => ({ metadata: (await this.core.readNamespacedPod({ namespace, name })).metadata }));
        case 'deployments':
          return this.find(what, () => this.apps.readNamespacedDeployment({ namespace, name }));
        case 'daemonsets':
          return this.find(what, () => this.apps.readNamespacedDaemonSet({ namespace, name }));
        case 'statefulsets':
          return this.find(what, () => this.apps.readNamespacedStatefulSet({ namespace, name }));
        case 'replicasets':
          return this.find(what, () => this.apps.readNamespacedReplicaSet({ namespace, name }));
        case 'jobs':
          return this.find(what, () => this.batch.readNamespacedJob({ namespace, name }));
        case 'cronjobs':
          return this.find(what, async () => {
            const cronJob = await this.batch.readNamespacedCronJob({ namespace, name });
            return { metadata: cronJob.metadata, spec: {} };
          });
      }
    };
    const object = await read();
    if (!object) return undefined;
    return { ...meta(object.metadata), kind, namespace, selector: kind === 'pods' ? undefined : toSelector(object.spec?.selector) };
  }

  async listReplicaSets(namespace: string): Promise<KubeWorkload[]> {
    const replicaSets = await this.listedItems<V1ReplicaSet>(`list replicasets in ${namespace}`, (options) => this.apps.listNamespacedReplicaSet({ namespace }, options));
    return replicaSets.map((item) => ({ ...meta(item.metadata), kind: 'replicasets' as const, namespace, selector: toSelector(item.spec?.selector) }));
  }

  async readServiceAccount(namespace: string, name: string): Promise<KubeServiceAccount | undefined> {
    const account = await this.find(`read serviceaccount ${namespace}/${name}`, () => this.core.readNamespacedServiceAccount({ namespace, name }));
    return account && { ...meta(account.metadata), namespace };
  }

  async listServiceAccounts(): Promise<KubeServiceAccount[]> {
    const accounts = await this.listedItems<V1ServiceAccount>('list serviceaccounts', (options) => this.core.listServiceAccountForAllNamespaces({}, options));
    return accounts.map((account) => ({ ...meta(account.metadata), namespace: account.metadata?.namespace ?? '' }));
  }

  async readNode(name: string): Promise<KubeNode | undefined> {
    const node = await this.find(`read node ${name}`, () => this.core.readNode({ name }));
    return node && toNode(node);
  }

  async listNodes(): Promise<KubeNode[]> {
    return (await this.listedItems<V1Node>('list nodes', (options) => this.core.listNode({}, options))).map(toNode);
  }

  /**
   * A list's items read from the answer's JSON, not modelled by client-node (itemsUnmodelled):
   * the fields meta, toPod, toNode, toSelector and the service accounts read have the same
   * names and types in the API's JSON as in the models, and none of them is a date. Not for
   * NetworkPolicies, whose model renames `from` to `_from`.
   */
  private async listedItems<T>(what: string, list: (options: ConfigurationOptions) => Promise<unknown>): Promise<T[]> {
    return this.call(what, async () => {
      const sink: { text?: string } = {};
      await list(itemsUnmodelled(sink));
      return (JSON.parse(sink.text ?? '{}') as { items?: T[] | null }).items ?? [];
    });
  }

  async replacePodLabels(
    namespace: string,
    name: string,
    change: { expectedLabels: Record<string, string>; labels: Record<string, string>; annotations: Record<string, string> },
  ): Promise<KubePod> {
    // `add` on an existing member replaces it and creates a missing one, so it works with or without labels.
    const operations: JsonPatchOperation[] = [
      ...(Object.keys(change.expectedLabels).length ? [{ op: 'test' as const, path: '/metadata/labels', value: change.expectedLabels }] : []),
      { op: 'add', path: '/metadata/labels', value: change.labels },
      { op: 'add', path: '/metadata/annotations', value: change.annotations },
    ];
    const pod = await this.call(`patch pod ${namespace}/${name}`, () => this.core.patchNamespacedPod({ namespace, name, body: operations }, jsonPatch));
    return toPod(pod);
  }

  async listNetworkPolicies(namespace: string): Promise<KubeNetworkPolicy[]> {
    const list = await this.call(`list networkpolicies in ${namespace}`, () => this.networking.listNamespacedNetworkPolicy({ namespace }));
    return list.items.map(toNetworkPolicy);
  }

  async createNetworkPolicy(policy: KubeNetworkPolicy): Promise<boolean> {
    const namespace = policy.metadata.namespace;
    try {
      await this.call(`create networkpolicy ${namespace}/${policy.metadata.name}`, () =>
        this.networking.createNamespacedNetworkPolicy({ namespace, body: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...policy } as V1NetworkPolicy }),
      );
      return true;
    } catch (error) {
      if (error instanceof KubernetesApiError && error.status === 409) return false;
      throw error;
    }
  }

  async patchNetworkPolicy(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<void> {
    await this.call(`patch networkpolicy ${namespace}/${name}`, () => this.networking.patchNamespacedNetworkPolicy({ namespace, name, body: operations }, jsonPatch));
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<boolean> {
    const deleted = await this.find(`delete networkpolicy ${namespace}/${name}`, () => this.networking.deleteNamespacedNetworkPolicy({ namespace, name }));
    return deleted !== undefined;
  }

  async patchNode(name: string, patch: MetadataPatch & { unschedulable?: boolean | null }): Promise<KubeNode> {
    const { unschedulable, ...metadata } = patch;
    const body = { metadata, ...(unschedulable === undefined ? {} : { spec: { unschedulable } }) };
    const node = await this.call(`patch node ${name}`, () => this.core.patchNode({ name, body }, mergePatch));
    return toNode(node);
  }

  async readBinding(ref: BindingRef): Promise<KubeBinding | undefined> {
    const what = `read ${describeBinding(ref)}`;
    const binding =
      ref.kind === 'ClusterRoleBinding'
        ? await this.find(what, () => this.rbac.readClusterRoleBinding({ name: ref.name }))
        : await this.find(what, () => this.rbac.readNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace ?? '' }));
    return binding && toBinding(ref.kind, binding);
  }

  async deleteBinding(ref: BindingRef, expected: { uid?: string; resourceVersion?: string }): Promise<boolean> {
    const body = { preconditions: expected };
    const what = `delete ${describeBinding(ref)}`;
    const deleted =
      ref.kind === 'ClusterRoleBinding'
        ? await this.find(what, () => this.rbac.deleteClusterRoleBinding({ name: ref.name, body }))
        : await this.find(what, () => this.rbac.deleteNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace ?? '', body }));
    return deleted !== undefined;
  }

  async patchPodMetadata(namespace: string, name: string, patch: MetadataPatch): Promise<KubePod> {
    const pod = await this.call(`patch pod ${namespace}/${name}`, () => this.core.patchNamespacedPod({ namespace, name, body: { metadata: patch } }, mergePatch));
    return toPod(pod);
  }

  servedGroupVersions = (): Promise<string[]> => this.custom.servedGroupVersions();
  getCustomObject = (resource: CustomResource, namespace: string | undefined, name: string): Promise<CustomObject | undefined> => this.custom.get(resource, namespace, name);
  createCustomObject = (resource: CustomResource, object: CustomObject): Promise<'created' | 'exists' | 'not-found'> => this.custom.create(resource, object);
  deleteCustomObject = (resource: CustomResource, namespace: string | undefined, name: string): Promise<boolean> => this.custom.delete(resource, namespace, name);
  listCustomObjects = (resource: CustomResource, labelSelector: string): Promise<CustomObject[]> => this.custom.list(resource, labelSelector);
  readManifest = (kind: ManifestKind, namespace: string | undefined, name: string): Promise<string | undefined> => this.manifests.read(kind, namespace, name);
  listManifests = (kind: 'Event' | 'NetworkPolicy', namespace: string, fieldSelector?: string): Promise<string> => this.manifests.list(kind, namespace, fieldSelector);
  readPodLog = (namespace: string, pod: string, query: PodLogQuery): Promise<string | undefined> => this.manifests.podLog(namespace, pod, query);
}
