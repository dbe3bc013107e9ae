/** In-memory AWS state behind FakeAws, seeded by tests and mutated by the write operations. */
import { randomBytes, randomUUID } from 'node:crypto';
import { SqsState } from './sqs';
import { Ec2State } from './ec2';
import { S3State } from './s3';

export interface VpcConfig {
  subnetIds: string[];
  securityGroupIds: string[];
  clusterSecurityGroupId: string;
  vpcId: string;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs: string[];
}

export interface AccessConfig {
  authenticationMode: string;
  bootstrapClusterCreatorAdminPermissions?: boolean;
}

export interface ClusterSeed {
  name: string;
  arn?: string;
  /** Kubernetes API server URL returned as `cluster.endpoint`. */
  endpoint?: string;
  /** Base64 PEM returned as `cluster.certificateAuthority.data`. */
  caData?: string;
  status?: string;
  roleArn?: string;
  version?: string;
  tags?: Record<string, string>;
  resourcesVpcConfig?: Partial<VpcConfig>;
  accessConfig?: Partial<AccessConfig>;
  /** Control-plane log types turned on (default none, as for a new EKS cluster). */
  enabledLogTypes?: string[];
  createdAt?: Date;
}

/** Every control-plane log type EKS knows. */
export const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

export interface NodegroupState {
  nodegroupName: string;
  nodegroupArn: string;
  clusterName: string;
  nodeRole: string;
  status: string;
  createdAt: Date;
}

export interface PodIdentityAssociationState {
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  associationArn: string;
  associationId: string;
  createdAt: Date;
}

export interface AccessEntryState {
  clusterName: string;
  principalArn: string;
  accessEntryArn: string;
  kubernetesGroups: string[];
  username: string;
  type: string;
  tags: Record<string, string>;
  /** Associated access policy ARNs. */
  policies: Set<string>;
  createdAt: Date;
}

export interface ClusterUpdateState {
  id: string;
  status: string;
  type: string;
  params: { type: string; value: string }[];
  createdAt: Date;
  errors: unknown[];
}

export interface ClusterState {
  name: string;
  arn: string;
  endpoint: string;
  caData: string;
  status: string;
  roleArn: string;
  version: string;
  platformVersion: string;
  tags: Record<string, string>;
  resourcesVpcConfig: VpcConfig;
  accessConfig: AccessConfig;
  /** Control-plane log types turned on. */
  enabledLogTypes: Set<string>;
  createdAt: Date;
  nodegroups: Map<string, NodegroupState>;
  podIdentityAssociations: PodIdentityAssociationState[];
  accessEntries: Map<string, AccessEntryState>;
  updates: ClusterUpdateState[];
}

export interface RoleSeed {
  name: string;
  arn?: string;
  path?: string;
  maxSessionDuration?: number;
  /** Policy name -> policy document JSON text. */
  inlinePolicies?: Record<string, string>;
  assumeRolePolicyDocument?: string;
  createDate?: Date;
  /** Managed policies attached to the role. */
  attachedPolicies?: { name: string; arn: string }[];
}

export interface RoleState {
  name: string;
  arn: string;
  roleId: string;
  path: string;
  maxSessionDuration: number;
  createDate: Date;
  assumeRolePolicyDocument?: string;
  /** Policy name -> policy document JSON text, exactly as PutRolePolicy sent it. */
  inlinePolicies: Map<string, string>;
  attachedPolicies: { name: string; arn: string }[];
}

export interface SecretState {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdDate: Date;
}

export interface CallerIdentity {
  Arn: string;
  Account: string;
  UserId: string;
}

/** A Security Hub finding as BatchUpdateFindings left it. */
export interface SecurityHubFindingState {
  id: string;
  productArn: string;
  workflowStatus?: string;
  note?: { text: string; updatedBy: string };
  /** Every update, oldest first. */
  updates: Record<string, unknown>[];
}

export interface UnprocessedFinding {
  errorCode: string;
  errorMessage: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  roleArn: string;
  roleSessionName: string;
  expiration: Date;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lower-case alphanumeric id, e.g. the `a-xxxxxxxxxxxxxxxxx` pod identity association ids. */
export function randomId(length: number, alphabet = ID_ALPHABET): string {
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

export class FakeAwsState {
  readonly clusters = new Map<string, ClusterState>();
  readonly roles = new Map<string, RoleState>();
  readonly secrets = new Map<string, SecretState>();
  readonly unprocessedFindings = new Map<string, UnprocessedFinding>();
  /** Keyed by `<product ARN>|<finding id>`. */
  readonly securityHubFindings = new Map<string, SecurityHubFindingState>();
  readonly issuedCredentials: IssuedCredentials[] = [];
  readonly sqs = new SqsState();
  readonly ec2 = new Ec2State();
  readonly s3 = new S3State();
  /** GuardDuty detector id -> finding id -> finding (wire shape, camelCase). */
  readonly guardDutyDetectors = new Map<string, Map<string, Record<string, unknown>>>();
  /** SSM parameter name -> parameter. */
  readonly parameters = new Map<string, { name: string; type: 'String' | 'SecureString'; value: string }>();
  callerIdentity: CallerIdentity;

  constructor(
    readonly accountId: string,
    readonly region: string,
  ) {
    this.callerIdentity = {
      Arn: `arn:aws:sts::${accountId}:assumed-role/eks-responder/eks-responder-test`,
      Account: accountId,
      UserId: `AROA${randomId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}:eks-responder-test`,
    };
  }

  addCluster(seed: ClusterSeed): ClusterState {
    const cluster: ClusterState = {
      name: seed.name,
      arn: seed.arn ?? `arn:aws:eks:${this.region}:${this.accountId}:cluster/${seed.name}`,
      endpoint: seed.endpoint ?? `https://fake-${seed.name}.eks.invalid`,
      caData: seed.caData ?? Buffer.from(`-----BEGIN CERTIFICATE-----\nfake CA for ${seed.name}\n-----END CERTIFICATE-----\n`).toString('base64'),
      status: seed.status ?? 'ACTIVE',
      roleArn: seed.roleArn ?? `arn:aws:iam::${this.accountId}:role/${seed.name}-cluster-role`,
      version: seed.version ?? '1.31',
      platformVersion: 'eks.1',
      tags: { ...seed.tags },
      resourcesVpcConfig: {
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
        securityGroupIds: [],
        clusterSecurityGroupId: 'sg-0aaaaaaaaaaaaaaa1',
        vpcId: 'vpc-0aaaaaaaaaaaaaaa1',
        endpointPublicAccess: true,
        endpointPrivateAccess: false,
        publicAccessCidrs: ['0.0.0.0/0'],
        ...seed.resourcesVpcConfig,
      },
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', ...seed.accessConfig },
      enabledLogTypes: new Set(seed.enabledLogTypes ?? []),
      createdAt: seed.createdAt ?? new Date('2024-01-01T00:00:00Z'),
      nodegroups: new Map(),
      podIdentityAssociations: [],
      accessEntries: new Map(),
      updates: [],
    };
    this.clusters.set(cluster.name, cluster);
    return cluster;
  }

  /** The seeded cluster; throws (a test-setup mistake, not an AWS error) when it is missing. */
  seededCluster(name: string): ClusterState {
    const cluster = this.clusters.get(name);
    if (!cluster) throw new Error(`FakeAws: cluster "${name}" is not seeded; call addCluster first`);
    return cluster;
  }

  addNodegroup(clusterName: string, name: string, nodeRoleArn: string): NodegroupState {
    const cluster = this.seededCluster(clusterName);
    const nodegroup: NodegroupState = {
      nodegroupName: name,
      nodegroupArn: `arn:aws:eks:${this.region}:${this.accountId}:nodegroup/${clusterName}/${name}/${randomUUID()}`,
      clusterName,
      nodeRole: nodeRoleArn,
      status: 'ACTIVE',
      createdAt: new Date('2024-01-01T00:00:00Z'),
    };
    cluster.nodegroups.set(name, nodegroup);
    return nodegroup;
  }

  addPodIdentityAssociation(a: { cluster: string; namespace: string; serviceAccount: string; roleArn: string }): PodIdentityAssociationState {
    const cluster = this.seededCluster(a.cluster);
    const associationId = `a-${randomId(17)}`;
    const association: PodIdentityAssociationState = {
      clusterName: a.cluster,
      namespace: a.namespace,
      serviceAccount: a.serviceAccount,
      roleArn: a.roleArn,
      associationId,
      associationArn: `arn:aws:eks:${this.region}:${this.accountId}:podidentityassociation/${a.cluster}/${associationId}`,
      createdAt: new Date('2024-01-01T00:00:00Z'),
    };
    cluster.podIdentityAssociations.push(association);
    return association;
  }

  addAccessEntry(
    clusterName: string,
    principalArn: string,
    options: { kubernetesGroups?: string[]; username?: string; type?: string; policies?: string[]; tags?: Record<string, string> } = {},
  ): AccessEntryState {
    const cluster = this.seededCluster(clusterName);
    const entry: AccessEntryState = {
      clusterName,
      principalArn,
      accessEntryArn: `arn:aws:eks:${this.region}:${this.accountId}:access-entry/${clusterName}/${randomUUID()}`,
      kubernetesGroups: options.kubernetesGroups ?? [],
      username: options.username ?? principalArn,
      type: options.type ?? 'STANDARD',
      tags: { ...options.tags },
      policies: new Set(options.policies ?? []),
      createdAt: new Date(),
    };
    cluster.accessEntries.set(principalArn, entry);
    return entry;
  }

  addRole(seed: RoleSeed): RoleState {
    const path = seed.path ?? '/';
    const role: RoleState = {
      name: seed.name,
      arn: seed.arn ?? `arn:aws:iam::${this.accountId}:role${path}${seed.name}`,
      roleId: `AROA${randomId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      path,
      maxSessionDuration: seed.maxSessionDuration ?? 3600,
      createDate: seed.createDate ?? new Date('2024-01-01T00:00:00Z'),
      assumeRolePolicyDocument: seed.assumeRolePolicyDocument,
      inlinePolicies: new Map(Object.entries(seed.inlinePolicies ?? {})),
      attachedPolicies: [...(seed.attachedPolicies ?? [])],
    };
    this.roles.set(role.name, role);
    return role;
  }

  addSecret(id: string, value: string): SecretState {
    const name = id.startsWith('arn:') ? (id.split(':secret:')[1] ?? id) : id;
    const secret: SecretState = {
      name,
      arn: id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomId(6)}`,
      value,
      versionId: randomUUID(),
      createdDate: new Date('2024-01-01T00:00:00Z'),
    };
    this.secrets.set(name, secret);
    return secret;
  }

  /** Finds a secret by name, full ARN, or partial ARN (without the random suffix). */
  findSecret(secretId: string): SecretState | undefined {
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId || secret.arn.startsWith(`${secretId}-`)) return secret;
    }
    return undefined;
  }
}
