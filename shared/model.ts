/**
 * The internal model every event source normalizes into, and that correlation, policy,
 * playbooks and reports share. Field names are the project's own, not any AWS shape.
 */

export type SourceName = 'guardduty' | 'securityhub' | 'cloudtrail' | 'manual';
export type Mode = 'plan' | 'notify' | 'enforce';
export const MODES: readonly Mode[] = ['plan', 'notify', 'enforce'];

export type Decision = 'respond' | 'notify' | 'ignore';

/** Kubernetes workload resource types as GuardDuty names them (`kubernetesWorkloadDetails.type`). */
export const WORKLOAD_KINDS = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadRef {
  /** As the finding gives it; may be a placeholder such as `GeneratedFindingKubernetesWorkloadType`. */
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  /** The service account its pods run as, when the finding says (recent GuardDuty findings do). */
  serviceAccount?: string;
}

export interface Finding {
  source: SourceName;
  findingId: string;
  findingArn?: string;
  /** Shared by every copy of the same finding (a GuardDuty finding and its Security Hub copy). */
  incidentKey: string;
  type: string;
  title: string;
  severity: number;
  account: string;
  region: string;
  createdAt?: string;
  /** GuardDuty-generated sample finding (placeholder names). */
  sample: boolean;
  /** Present when the finding concerns an EKS cluster. */
  cluster?: { name: string; arn?: string };
  workload?: WorkloadRef;
  kubernetesUser?: { username: string; groups: string[] };
  instanceId?: string;
  images: string[];
  /** Why the finding is not about EKS, when it is not. */
  notEksReason?: string;
  /** Why the finding no longer calls for a response (archived, suppressed, resolved), when it does not. */
  inactiveReason?: string;
  /** The product that raised it, as Security Hub names it (`GuardDuty`, `Security Hub`, `Inspector`). */
  product?: string;
  /** The Security Hub finding to update after the response: its own ASFF copy, or a GuardDuty finding's. */
  securityHubFinding?: SecurityHubFindingRef;
  /** Set when a person chose the finding in Security Hub and ran the responder's custom action on it. */
  customAction?: { name: string; arn?: string };
  /** The Kubernetes API call a GuardDuty EKS audit-log finding is about. */
  kubernetesApiCall?: KubernetesApiCall;
  /** Set for EKS control-plane API calls (CloudTrail). */
  controlPlane?: ControlPlaneCall;
}

export interface SecurityHubFindingRef {
  id: string;
  productArn: string;
  /** `own`: the finding itself came from Security Hub; `copy`: derived from a GuardDuty finding, may not exist. */
  origin: 'own' | 'copy';
}

export interface KubernetesApiCall {
  verb?: string;
  requestUri?: string;
  /** Newer GuardDuty findings name the object directly. */
  resource?: string;
  resourceName?: string;
  namespace?: string;
}

/** Who made an AWS API call, as CloudTrail's userIdentity tells it. */
export interface Actor {
  /** The caller's ARN (an assumed-role session ARN for roles), or the principal id when CloudTrail gives no ARN. */
  arn: string;
  type?: string;
  /** For assumed roles: the IAM role behind the session. */
  roleArn?: string;
  sourceIp?: string;
  userAgent?: string;
}

/** What an EKS control-plane call changed that weakens the cluster. Facts from the call; policy weighs them. */
export type ControlPlaneRisk =
  | { kind: 'public-endpoint'; summary: string; publicAccessCidrs?: string[] }
  | { kind: 'logging-disabled'; summary: string; types: string[] }
  | { kind: 'admin-access'; summary: string; principalArn: string; policyArn: string }
  | { kind: 'access-entry-created'; summary: string; principalArn: string }
  | { kind: 'authentication-downgrade'; summary: string; mode: string }
  | { kind: 'cluster-deleted'; summary: string }
  | { kind: 'nodegroup-deleted'; summary: string; nodegroup: string };

export interface ControlPlaneCall {
  eventName: string;
  eventId: string;
  eventTime?: string;
  actor: Actor;
  requestParameters: Record<string, unknown>;
  /** CloudTrail's error code when the call failed (and so changed nothing). */
  errorCode?: string;
  risks: ControlPlaneRisk[];
}

export interface OwnerRef {
  kind: string;
  name: string;
}

export interface PodTarget {
  namespace: string;
  pod: string;
  uid?: string;
  labels: Record<string, string>;
  node?: string;
  instanceId?: string;
  serviceAccount: string;
  /** Owner chain, nearest first (ReplicaSet, then Deployment). */
  owners: OwnerRef[];
  roleArn?: string;
  roleVia?: 'irsa' | 'pod-identity';
  /** Set when the pod may not be acted on automatically. */
  protectedReason?: string;
}

export interface NodeTarget {
  name: string;
  instanceId?: string;
  /** `namespace/pod` of the affected pods running there. */
  pods: string[];
  why: 'hosts-affected-pod' | 'node-identity';
  protectedReason?: string;
}

export interface RoleTarget {
  arn: string;
  name: string;
  via: 'irsa' | 'pod-identity';
  /** `namespace/serviceaccount` of the affected workloads using it. */
  serviceAccounts: string[];
  /** Other service accounts (or node groups) that use the same role. */
  sharedWith: string[];
  isNodeRole: boolean;
  protectedReason?: string;
}

export interface Targets {
  pods: PodTarget[];
  nodes: NodeTarget[];
  roles: RoleTarget[];
  /** Why some or all targets could not be resolved. */
  notes: string[];
}

/** `in-progress` only in a notification sent while a preservation change was still at work, reading or applying (see startActions). */
export type ActionStatus = 'planned' | 'done' | 'skipped' | 'failed' | 'in-progress';

export interface ActionRecord {
  action: string;
  target: string;
  status: ActionStatus;
  detail: string;
  /** State before the change, kept so a release can restore it. */
  before?: unknown;
  durationMs?: number;
}

export interface ReportTarget {
  namespace?: string;
  pod?: string;
  node?: string;
  serviceAccount?: string;
  roleArn?: string;
  instanceId?: string;
}

export interface IncidentReport {
  incidentId: string;
  incidentKey: string;
  source: SourceName;
  findingId: string;
  findingType: string;
  title: string;
  severity: number;
  cluster: string | null;
  account: string;
  region: string;
  mode: Mode;
  decision: Decision;
  reason: string;
  /** The response policy rule that decided (`default` when none matched); absent for manual invocations. */
  policyRule?: string;
  targets: ReportTarget[];
  actions: ActionRecord[];
  notes: string[];
  /** For control-plane calls: the call and who made it. */
  controlPlane?: { eventName: string; eventTime?: string; actor: Actor; requestParameters: Record<string, unknown> };
  /** When the source created the finding (ISO 8601), when it says. */
  findingCreatedAt?: string;
  /** When the last containment action of this run ended with a change (ISO 8601); absent when none did. */
  containedAt?: string;
  /** Set when a person must look now (the circuit breaker held containment back); notifications say so first. */
  urgent?: string;
  /** Only in a second notification: why it follows the first (a change in progress then has failed). */
  followUp?: string;
}
