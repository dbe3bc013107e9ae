/**
 * The Kubernetes side of the ports: the objects correlation and the playbooks read and write,
 * the KubernetesPort and the connector that gives one per cluster. Re-exported by `ports.ts`.
 */
import type { WorkloadKind } from '../model';

export interface KubeOwnerReference {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: KubeOwnerReference[];
}

export interface KubePod extends KubeMeta {
  namespace: string;
  nodeName?: string;
  serviceAccountName: string;
  phase?: string;
  containers: { name: string; image?: string }[];
}

export interface KubeNode extends KubeMeta {
  unschedulable: boolean;
  providerID?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A workload controller (Deployment, DaemonSet, ...) reduced to what correlation needs. */
export interface KubeWorkload extends KubeMeta {
  kind: WorkloadKind;
  namespace: string;
  selector?: LabelSelector;
}

export interface KubeServiceAccount extends KubeMeta {
  namespace: string;
}

export interface KubeNetworkPolicy {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: unknown[];
    egress?: unknown[];
  };
}

export interface MetadataPatch {
  /** `null` removes the key. */
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

/** RFC 6902 operation, for changes a merge patch cannot express (appending to a list). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** A ClusterRoleBinding (no namespace) or a RoleBinding. */
export interface BindingRef {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace?: string;
}

/** A binding as stored, complete enough to create it again. */
export interface KubeBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: BindingRef['kind'];
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; labels: Record<string, string>; annotations: Record<string, string> };
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
}

export interface PodQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** A resource outside the built-in groups, such as a CRD (`cilium.io/v2` `ciliumnetworkpolicies`). */
export interface CustomResource {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  [field: string]: unknown;
}

/** Kinds whose manifests are read verbatim, as evidence. */
export type ManifestKind = 'Pod' | 'Node' | 'Namespace' | 'ServiceAccount' | 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'Job' | 'CronJob';

export interface PodLogQuery {
  container: string;
  tailLines: number;
  limitBytes: number;
  /** The last terminated instance of the container instead of the running one. */
  previous: boolean;
}

export interface KubernetesPort {
  /** Where the client connects, for the report (e.g. `eks:prod` or `kubeconfig:kind-dev`). */
  readonly description: string;
  readPod(namespace: string, name: string): Promise<KubePod | undefined>;
  listPods(namespace: string | undefined, query: PodQuery): Promise<KubePod[]>;
  readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<KubeWorkload | undefined>;
  /** The namespace's ReplicaSets: a Deployment's pods are confirmed through them in the first round trip. */
  listReplicaSets(namespace: string): Promise<KubeWorkload[]>;
  readServiceAccount(namespace: string, name: string): Promise<KubeServiceAccount | undefined>;
  listServiceAccounts(): Promise<KubeServiceAccount[]>;
  readNode(name: string): Promise<KubeNode | undefined>;
  /** Every node of the cluster (the circuit breaker counts schedulable and cordoned ones). */
  listNodes(): Promise<KubeNode[]>;
  /**
   * Replaces the pod's labels and annotations (pass the complete new maps) in one JSON patch
   * that first tests the labels are still `expectedLabels`: a pod relabelled since it was read
   * is refused (422), while status churn, which keeps changing resourceVersion, does not matter.
   */
  replacePodLabels(namespace: string, name: string, change: { expectedLabels: Record<string, string>; labels: Record<string, string>; annotations: Record<string, string> }): Promise<KubePod>;
  listNetworkPolicies(namespace: string): Promise<KubeNetworkPolicy[]>;
  /** Returns false when a policy of that name already exists. */
  createNetworkPolicy(policy: KubeNetworkPolicy): Promise<boolean>;
  patchNetworkPolicy(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<void>;
  /** Returns false when the policy no longer exists. */
  deleteNetworkPolicy(namespace: string, name: string): Promise<boolean>;
  /** `unschedulable: null` removes the field, restoring a node that never had it. */
  patchNode(name: string, patch: MetadataPatch & { unschedulable?: boolean | null }): Promise<KubeNode>;
  readBinding(ref: BindingRef): Promise<KubeBinding | undefined>;
  /**
   * Deletes the binding only if it is still the object that was read (uid and resourceVersion
   * preconditions), so what the report saved is what was removed. False when it is already gone.
   */
  deleteBinding(ref: BindingRef, expected: { uid?: string; resourceVersion?: string }): Promise<boolean>;
  /** Merge-patches the pod's labels or annotations; other keys are left alone. */
  patchPodMetadata(namespace: string, name: string, patch: MetadataPatch): Promise<KubePod>;
  /** `group/version` pairs the cluster serves (discovery, `GET /apis`); asked once per connection. */
  servedGroupVersions(): Promise<string[]>;
  getCustomObject(resource: CustomResource, namespace: string | undefined, name: string): Promise<CustomObject | undefined>;
  /** `exists` when an object of that name is already there; `not-found` when the resource (or namespace) is not served. */
  createCustomObject(resource: CustomResource, object: CustomObject): Promise<'created' | 'exists' | 'not-found'>;
  /** Returns false when there was nothing to delete. */
  deleteCustomObject(resource: CustomResource, namespace: string | undefined, name: string): Promise<boolean>;
  /** Objects of the resource in every namespace that match the label selector. */
  listCustomObjects(resource: CustomResource, labelSelector: string): Promise<CustomObject[]>;
  /** The object as the API server sent it (JSON text), for evidence; undefined when it does not exist. */
  readManifest(kind: ManifestKind, namespace: string | undefined, name: string): Promise<string | undefined>;
  /** A namespace's objects of that kind as the API server sent the list (JSON text). */
  listManifests(kind: 'Event' | 'NetworkPolicy', namespace: string, fieldSelector?: string): Promise<string>;
  /** A container's log text; undefined when there is none (no previous instance, not started yet). */
  readPodLog(namespace: string, pod: string, query: PodLogQuery): Promise<string | undefined>;
}

/** Connects to the cluster a finding names. Implementations cache connections across warm invocations. */
export interface ClusterConnector {
  connect(cluster: string, region: string): Promise<KubernetesPort>;
}
