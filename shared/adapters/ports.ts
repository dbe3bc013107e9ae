/**
 * The narrow interfaces the rest of the responder sees. Only files in `shared/adapters/`
 * import an SDK or client library; everything else speaks these types.
 */
import type { WorkloadKind } from '../model';
import type { BreakerCounterPort, DeliveryDedupPort, IncidentLogPort, TargetClaimPort } from './table-ports';

export * from './table-ports';

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

export interface PodQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface KubernetesPort {
  /** Where the client connects, for the report (e.g. `eks:prod` or `kubeconfig:kind-dev`). */
  readonly description: string;
  readPod(namespace: string, name: string): Promise<KubePod | undefined>;
  listPods(namespace: string | undefined, query: PodQuery): Promise<KubePod[]>;
  readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<KubeWorkload | undefined>;
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
}

/** Connects to the cluster a finding names. Implementations cache connections across warm invocations. */
export interface ClusterConnector {
  connect(cluster: string, region: string): Promise<KubernetesPort>;
}

export interface PodIdentityAssociation {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

export interface EksPort {
  /** Every Pod Identity association of the cluster, with its role. */
  listPodIdentityAssociations(cluster: string, region: string): Promise<PodIdentityAssociation[]>;
  /** Role ARNs used by the cluster's managed node groups. */
  listNodegroupRoles(cluster: string, region: string): Promise<string[]>;
  /** The cluster's tags, for policy rules that match on them. */
  clusterTags(cluster: string, region: string): Promise<Record<string, string>>;
}

export interface IamPort {
  getRoleInlinePolicy(roleName: string, policyName: string): Promise<string | undefined>;
  putRoleInlinePolicy(roleName: string, policyName: string, document: string): Promise<void>;
  /** Returns false when the policy no longer exists. */
  deleteRoleInlinePolicy(roleName: string, policyName: string): Promise<boolean>;
  /** The longest session the role grants, in seconds (IAM GetRole). */
  roleMaxSessionDuration(roleName: string): Promise<number>;
}

export interface NotificationMessage {
  subject: string;
  text: string;
  attributes: Record<string, string | number>;
}

export interface SnsPort {
  publish(topicArn: string, message: NotificationMessage): Promise<string>;
}

export interface SlackPort {
  post(payload: unknown): Promise<void>;
}

/** The outside world, as the pipeline sees it. */
export interface Adapters {
  connector: ClusterConnector;
  eks: EksPort;
  iam: IamPort;
  sns: SnsPort;
  /** Undefined when no webhook is configured. */
  slack?: SlackPort;
  /** Per-target claims; undefined without INCIDENT_TABLE (the markers on the objects still prevent repeats). */
  claims?: TargetClaimPort;
  /** Duplicate-delivery detection; undefined without IDEMPOTENCY_TABLE. */
  dedup?: DeliveryDedupPort;
  /** Circuit-breaker counters shared by every invocation; undefined without INCIDENT_TABLE. */
  breaker?: BreakerCounterPort;
  /** The audit trail; undefined without INCIDENT_TABLE. */
  incidentLog?: IncidentLogPort;
}

/** SSM Parameter Store, for configuration documents such as the response policy. */
export interface ParameterPort {
  /** The parameter's value (SecureString decrypted); undefined when it does not exist. */
  getParameter(name: string): Promise<string | undefined>;
}

/** GuardDuty, read-only: recent findings for `policy simulate`. */
export interface GuardDutyPort {
  /** Every finding of every detector in the region updated at or after `since`, as the API returns it. */
  findingsUpdatedSince(region: string, since: Date): Promise<unknown[]>;
}
