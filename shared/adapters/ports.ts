/**
 * The narrow interfaces the rest of the responder sees. Only files in `shared/adapters/`
 * import an SDK or client library; everything else speaks these types.
 */
import type { ClusterConnector } from './kubernetes-ports';
import type { BreakerCounterPort, DeliveryDedupPort, IncidentLogPort, TargetClaimPort } from './table-ports';

export * from './kubernetes-ports';
export * from './table-ports';

/** A Pod Identity association as the cluster's list gives it: without its role. */
export interface PodIdentityAssociationSummary {
  associationId: string;
  namespace: string;
  serviceAccount: string;
}

export interface PodIdentityAssociation {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

/**
 * How old a read may be: `current` is read now (concurrent invocations share it for a moment);
 * `recent` may be minutes old, for reads that only inform (who else holds a role).
 */
export type Freshness = 'current' | 'recent';

/** The control-plane settings the CloudTrail playbooks watch and restore. */
export interface ClusterSettings {
  status?: string;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs: string[];
  enabledLogTypes: string[];
  authenticationMode?: string;
}

export interface EndpointAccess {
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs?: string[];
}

export interface AccessEntry {
  principalArn: string;
  type?: string;
  username?: string;
  kubernetesGroups: string[];
  policies: { policyArn: string; accessScope: { type?: string; namespaces: string[] } }[];
}

export interface EksPort {
  /** Every Pod Identity association of the cluster; the list leaves out their roles. */
  listPodIdentityAssociations(cluster: string, region: string): Promise<PodIdentityAssociationSummary[]>;
  /** The role an association gives its service account's pods ('' when it has none). */
  podIdentityRole(cluster: string, region: string, associationId: string, freshness: Freshness): Promise<string>;
  /** Role ARNs used by the cluster's managed node groups. */
  listNodegroupRoles(cluster: string, region: string): Promise<string[]>;
  /** The cluster's tags, for policy rules that match on them. */
  clusterTags(cluster: string, region: string): Promise<Record<string, string>>;
  /** Undefined when the cluster does not exist. */
  describeClusterSettings(cluster: string, region: string): Promise<ClusterSettings | undefined>;
  /** Starts an UpdateClusterConfig; returns the update id. */
  updateEndpointAccess(cluster: string, region: string, access: EndpointAccess): Promise<string>;
  enableLogTypes(cluster: string, region: string, types: string[]): Promise<string>;
  /** The entry with its associated access policies; undefined when there is none for the principal. */
  readAccessEntry(cluster: string, region: string, principalArn: string): Promise<AccessEntry | undefined>;
  /** False when the entry or the association was already gone. */
  disassociateAccessPolicy(cluster: string, region: string, principalArn: string, policyArn: string): Promise<boolean>;
  /** False when the entry was already gone. */
  deleteAccessEntry(cluster: string, region: string, principalArn: string): Promise<boolean>;
}

export interface SecurityHubFindingUpdate {
  note: string;
  status: 'NOTIFIED' | 'RESOLVED';
}

/** `updated: false` when Security Hub holds no such finding (or is not enabled), with its reason. */
export type SecurityHubUpdateResult = { updated: true } | { updated: false; reason: string };

export interface SecurityHubPort {
  updateFinding(region: string, finding: { id: string; productArn: string }, update: SecurityHubFindingUpdate): Promise<SecurityHubUpdateResult>;
}

export interface IdentityPort {
  /** The ARN the responder's own credentials act as (STS GetCallerIdentity), cached per process. */
  callerArn(): Promise<string>;
}

/** A role as evidence: its trust policy and every policy that grants it permissions. */
export interface RoleDetails {
  arn: string;
  path?: string;
  createDate?: string;
  maxSessionDuration?: number;
  /** JSON text, decoded. */
  assumeRolePolicyDocument?: string;
  /** Inline policy name -> JSON text, decoded. */
  inlinePolicies: Record<string, string>;
  attachedPolicies: { name: string; arn: string }[];
}

export interface IamPort {
  /** Undefined when the role does not exist. */
  describeRole(roleName: string): Promise<RoleDetails | undefined>;
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

export interface Ec2Instance {
  instanceId: string;
  /** `spot` for Spot instances; undefined for On-Demand. */
  lifecycle?: string;
  state?: string;
  tags: Record<string, string>;
  /** EBS volumes attached to the instance (root and data). */
  volumes: { volumeId: string; deviceName: string }[];
}

export interface TerminationSettings {
  disableApiTermination: boolean;
  shutdownBehavior: string;
}

export interface Ec2Port {
  describeInstance(region: string, instanceId: string): Promise<Ec2Instance | undefined>;
  /** In one call: each instance asked for, in order; undefined for one that does not exist. */
  describeInstances(region: string, instanceIds: string[]): Promise<(Ec2Instance | undefined)[]>;
  terminationSettings(region: string, instanceId: string): Promise<TerminationSettings>;
  /** Sets the attributes given (EC2 changes one per call). */
  changeTerminationSettings(region: string, instanceId: string, change: Partial<TerminationSettings>): Promise<void>;
  tag(region: string, resourceId: string, tags: Record<string, string>): Promise<void>;
  untag(region: string, resourceId: string, keys: string[]): Promise<void>;
  /** Snapshots carrying tag `key=value`, with their volume. */
  snapshotsTagged(region: string, key: string, value: string): Promise<{ snapshotId: string; volumeId: string }[]>;
  createSnapshot(region: string, volumeId: string, description: string, tags: Record<string, string>): Promise<string>;
}

/** Where an evidence bundle is written: S3 (EVIDENCE_BUCKET) or, from the CLI, a local directory. */
export interface EvidenceStore {
  /** `s3://bucket/` or `file:///dir/`: prefixed to keys in reports. */
  readonly location: string;
  /** Stores one object; returns its full location. */
  put(key: string, body: string, contentType: string): Promise<string>;
}

/** The outside world, as the pipeline sees it. */
export interface Adapters {
  connector: ClusterConnector;
  eks: EksPort;
  iam: IamPort;
  sns: SnsPort;
  securityHub: SecurityHubPort;
  identity: IdentityPort;
  ec2: Ec2Port;
  /** Undefined when neither EVIDENCE_BUCKET nor an evidence directory is configured. */
  evidence?: EvidenceStore;
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
  /**
   * The adapters to act in another account with (a member account's findings); absent when the
   * responder acts in its own account only. Notifications stay with the responder's own.
   */
  forAccount?(account: string): Promise<Adapters>;
  /**
   * Says which AWS services (the prefixes of their IAM actions: iam, ec2, sns, ...) the incident
   * is going to call, so their clients load ahead of the first call and, once the incident has
   * reached its cluster, connections are opened ahead for those whose client has reached its
   * endpoint before (a warm environment's); absent for adapters that have nothing to prepare.
   */
  prepare?(services: string[]): void;
}

/** A message taken from a queue: hidden from other readers until deleted or released. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** String message attributes (an EventBridge dead letter carries ERROR_CODE and ERROR_MESSAGE). */
  attributes: Record<string, string>;
  receiveCount: number;
}

/** The failure queue `eks-responder replay` reads. */
export interface QueuePort {
  readonly url: string;
  /** Up to `max` (at most 10) messages, hidden for `hideSeconds`; none when the queue is empty. */
  receive(max: number, hideSeconds: number): Promise<ReceivedMessage[]>;
  delete(message: ReceivedMessage): Promise<void>;
  /** Makes the message visible again at once. */
  release(message: ReceivedMessage): Promise<void>;
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
