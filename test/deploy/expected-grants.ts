// What each function's role may do, derived from the code rather than from serverless.yml: the
// playbooks the function's events can lead to (shared/policy, shared/playbooks/registry.ts), the
// IAM actions those playbooks' actions declare, and the AWS calls around them (connecting to the
// cluster and correlating, by each action's correlation need; notifying; the failure queue; logs).
// The template tests compare every packaged role with it exactly.
import type { CorrelationNeed } from '../../shared/playbooks/action';
import { updateSecurityHubFinding } from '../../shared/playbooks/actions/update-securityhub-finding';
import { RELEASES } from '../../shared/playbooks/releases';
import { NOTIFICATION_ACTIONS, PLAYBOOK_NAMES, containmentActionsOf, type PlaybookName } from '../../shared/playbooks/registry';
import type { ResponderConfig } from '../../shared/config';
import { REMEDIATION_FOR } from '../../shared/policy/control-plane-policy';
import { builtInPolicy } from '../../shared/policy/default-policy';
import { ACCOUNT, REGION, type FunctionName } from './cloudformation';

/**
 * Findings (GuardDuty, Security Hub): the playbooks the shipped response policy's rules choose,
 * quarantine for the Security Hub custom action, and notify. A custom policy choosing other
 * playbooks needs their grants added to the finding functions.
 */
const policy = builtInPolicy();
const FINDING_PLAYBOOKS = [...new Set(['quarantine', ...policy.rules.map((rule) => rule.playbook), policy.default.playbook, 'notify'])] as PlaybookName[];
/** Control-plane calls (CloudTrail): decideControlPlane() picks the remediation of a risk, or notify only. */
const CONTROL_PLANE_PLAYBOOKS: PlaybookName[] = [...new Set(Object.values(REMEDIATION_FOR)), 'notify'];

export interface FunctionScope {
  playbooks: PlaybookName[];
  /** How it is invoked: by EventBridge through handleEvent (duplicate deliveries dropped), or directly through runManualPlaybook (release included). */
  entry: 'event' | 'manual';
  /** Whether it handles findings about workloads: a bare notification about one still correlates it (shared/pipeline.ts). */
  findings: boolean;
  /** Where the Security Hub finding it notes lives: GuardDuty's copy in this region, or the region of the finding's product ARN. */
  securityHub: 'none' | 'this region' | 'any region';
}

export const FUNCTION_SCOPES: Record<FunctionName, FunctionScope> = {
  guardduty: { playbooks: FINDING_PLAYBOOKS, entry: 'event', findings: true, securityHub: 'this region' },
  securityhub: { playbooks: FINDING_PLAYBOOKS, entry: 'event', findings: true, securityHub: 'any region' },
  // CloudTrail findings carry no Security Hub finding to note.
  cloudtrail: { playbooks: CONTROL_PLANE_PLAYBOOKS, entry: 'event', findings: false, securityHub: 'none' },
  manualPlaybook: { playbooks: PLAYBOOK_NAMES, entry: 'manual', findings: true, securityHub: 'any region' },
};

/** The AWS calls of correlation, by how far it goes (shared/adapters/cluster-connector.ts, eks.ts). */
const CORRELATION_CALLS: Record<CorrelationNeed, string[]> = {
  none: [],
  // Connecting: endpoint and certificate authority.
  cluster: ['eks:DescribeCluster'],
  // Roles of the pods (EKS Pod Identity) and of the nodes (node groups).
  workload: ['eks:DescribeCluster', 'eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation', 'eks:ListNodegroups', 'eks:DescribeNodegroup'],
};

/** The quarantine playbook's opt-in actions, as the deployment parameters blockImage and snapshotVolumes set them (BLOCK_IMAGE, SNAPSHOT_VOLUMES). */
export type OptIns = Pick<ResponderConfig, 'blockImage' | 'snapshotVolumes'>;
export const NO_OPT_INS: OptIns = { blockImage: false, snapshotVolumes: false };

/** The containment actions of a playbook with these opt-ins (the registry reads only them from the configuration). */
const actionsOf = (playbook: PlaybookName, optIns: OptIns) => containmentActionsOf(playbook, optIns as ResponderConfig);

export function correlationNeeds(name: FunctionName, optIns: OptIns = NO_OPT_INS): Set<CorrelationNeed> {
  const scope = FUNCTION_SCOPES[name];
  const needs = new Set(scope.playbooks.flatMap((playbook) => actionsOf(playbook, optIns).map((action) => action.correlation)));
  if (scope.findings) needs.add('workload');
  return needs;
}

/** Whether the function connects to clusters, so needs an EKS access entry and the RBAC of deploy/rbac.yaml. */
export const reachesKubernetes = (name: FunctionName): boolean => [...correlationNeeds(name)].some((need) => need !== 'none');

/** Every IAM action the function calls. */
export function expectedActions(name: FunctionName, optIns: OptIns = NO_OPT_INS): Set<string> {
  const scope = FUNCTION_SCOPES[name];
  const notifications = NOTIFICATION_ACTIONS.filter((action) => action !== updateSecurityHubFinding || scope.securityHub !== 'none');
  const actions = [...new Set(scope.playbooks.flatMap((playbook) => actionsOf(playbook, optIns))), ...notifications];
  // A release also undoes the defense-in-depth and evidence actions (shared/playbooks/releases.ts).
  const releases = scope.playbooks.includes('release') ? Object.values(RELEASES) : [];
  return new Set([
    ...actions.flatMap((action) => action.permissions.iam),
    ...releases.flatMap((release) => release.permissions.iam),
    ...[...correlationNeeds(name, optIns)].flatMap((need) => CORRELATION_CALLS[need]),
  ]);
}

/**
 * The DynamoDB calls of the table-backed ports (shared/adapters/dynamodb-*.ts and Powertools
 * idempotency's DynamoDBPersistenceLayer); test/deploy/table-calls.test.ts records what the
 * handlers send to a local DynamoDB and checks it against these.
 */
export const TABLE_CALLS = {
  /** The incident log: upsert the incident, put its timeline items (in batches); read one incident back. */
  record: ['dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  readTimeline: ['dynamodb:Query'],
  /** Per-target claims: conditional put, read on conflict, settle by update or delete; release forgets by delete. */
  claims: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  /** Circuit-breaker counters: conditional update, read on refusal, update to give a slot back. */
  breaker: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
  /** Powertools idempotency: conditional put of the in-progress record, read on conflict, update with the result, delete when not kept. */
  dedup: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const;

/** Table logical id -> DynamoDB actions the function calls on it: every pipeline run records, claims and counts; events are deduplicated; a manual release reads an incident back. */
export function expectedTableCalls(name: FunctionName): Record<'IncidentTable' | 'IdempotencyTable', string[]> {
  const { entry } = FUNCTION_SCOPES[name];
  const incidents = [...TABLE_CALLS.record, ...TABLE_CALLS.claims, ...TABLE_CALLS.breaker, ...(entry === 'manual' ? TABLE_CALLS.readTimeline : [])];
  return { IncidentTable: [...new Set(incidents)].sort(), IdempotencyTable: entry === 'event' ? [...TABLE_CALLS.dedup].sort() : [] };
}

export interface Deployment {
  /** clusterNames: '*' or the named clusters. */
  clusters: string[];
  workloadRolePath: string;
  /** The resolved slackSecretArn ('' when unset: the statement exists, its policy is not deployed). */
  slackSecret: string;
  /** evidenceBucket and evidenceKmsKeyArn ('' when unset: as slackSecret, their policy is not deployed); `getatt:…` for the created bucket and key. */
  evidenceBucket: string;
  evidenceKmsKey: string;
  /** The ARN of policySsmParameter and policySsmKmsKeyArn ('' when unset: as slackSecret). */
  policyParameter: string;
  policyKmsKey: string;
  /** blockImage and snapshotVolumes; both off when absent. */
  optIns?: OptIns;
}

/** The resources each IAM action is granted on; an action missing here fails the test until someone says where it acts. */
function resourcesOf(action: string, name: FunctionName, { clusters, workloadRolePath, slackSecret, evidenceBucket, evidenceKmsKey, optIns }: Deployment): string[] {
  const eks = (resource: (cluster: string) => string) => clusters.map((cluster) => `arn:aws:eks:${REGION}:${ACCOUNT}:${resource(cluster)}`).sort();
  const ec2 = (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`;
  const workloadRoles = [`arn:aws:iam::${ACCOUNT}:role${workloadRolePath}*`];
  const securityHubRegion = FUNCTION_SCOPES[name].securityHub === 'this region' ? REGION : '*';
  const byAction: Record<string, string[]> = {
    'eks:DescribeCluster': eks((cluster) => `cluster/${cluster}`),
    'eks:ListPodIdentityAssociations': eks((cluster) => `cluster/${cluster}`),
    'eks:ListNodegroups': eks((cluster) => `cluster/${cluster}`),
    'eks:UpdateClusterConfig': eks((cluster) => `cluster/${cluster}`),
    'eks:DescribePodIdentityAssociation': eks((cluster) => `podidentityassociation/${cluster}/*`),
    'eks:DescribeNodegroup': eks((cluster) => `nodegroup/${cluster}/*/*`),
    'eks:DescribeAccessEntry': eks((cluster) => `access-entry/${cluster}/*`),
    'eks:ListAssociatedAccessPolicies': eks((cluster) => `access-entry/${cluster}/*`),
    'eks:DisassociateAccessPolicy': eks((cluster) => `access-entry/${cluster}/*`),
    'eks:DeleteAccessEntry': eks((cluster) => `access-entry/${cluster}/*`),
    'iam:GetRolePolicy': workloadRoles,
    'iam:PutRolePolicy': workloadRoles,
    'iam:DeleteRolePolicy': workloadRoles,
    'iam:GetRole': workloadRoles,
    'iam:ListRolePolicies': workloadRoles,
    'iam:ListAttachedRolePolicies': workloadRoles,
    // EC2 Describe calls take no resource (UNSCOPABLE_ACTIONS).
    'ec2:DescribeInstances': ['*'],
    'ec2:DescribeInstanceAttribute': ['*'],
    'ec2:DescribeSnapshots': ['*'],
    'ec2:ModifyInstanceAttribute': [ec2('instance/*')],
    // Only the responder's own tags (aws:TagKeys condition).
    'ec2:DeleteTags': [ec2('instance/*')],
    // Snapshots only while CreateSnapshot creates them (ec2:CreateAction condition).
    'ec2:CreateTags': [ec2('instance/*'), ...(expectedActions(name, optIns).has('ec2:CreateSnapshot') ? [ec2('snapshot/*')] : [])],
    'ec2:CreateSnapshot': [ec2('snapshot/*'), ec2('volume/*')],
    // A bucket the stack creates is named by reference.
    's3:PutObject': [evidenceBucket.startsWith('getatt:') ? `${evidenceBucket}/*` : `arn:aws:s3:::${evidenceBucket}/*`],
    // The evidence key; every function also has the topic key (expectedGrants).
    'kms:GenerateDataKey': [evidenceKmsKey],
    'securityhub:BatchUpdateFindings': [`arn:aws:securityhub:${securityHubRegion}:${ACCOUNT}:hub/default`],
    'sns:Publish': ['ref:NotifyTopic'],
    'secretsmanager:GetSecretValue': [slackSecret],
  };
  if (!byAction[action]) throw new Error(`${name} calls ${action}: say in test/deploy/expected-grants.ts which resources it acts on`);
  return byAction[action];
}

/**
 * Action -> resources for the function's role: its calls, plus what every function needs (topic
 * key, failure queue, its logs, its tables, the response policy: every run of the pipeline loads
 * it, from POLICY_SSM_PARAMETER when set).
 */
export function expectedGrants(name: FunctionName, deployment: Deployment): Record<string, string[]> {
  const logGroup = [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/eks-responder-dev-${name}:*:*`];
  const calls: Record<string, string[]> = Object.fromEntries([...expectedActions(name, deployment.optIns)].map((action) => [action, resourcesOf(action, name, deployment)]));
  for (const [table, actions] of Object.entries(expectedTableCalls(name))) {
    for (const action of actions) calls[action] = [...(calls[action] ?? []), `getatt:${table}.Arn`].sort();
  }
  return {
    ...calls,
    'ssm:GetParameter': [deployment.policyParameter],
    'kms:GenerateDataKey': [...(calls['kms:GenerateDataKey'] ?? []), 'getatt:NotifyTopicKey.Arn'].sort(),
    'kms:Decrypt': [deployment.policyKmsKey, 'getatt:NotifyTopicKey.Arn'].sort(),
    'sqs:SendMessage': ['getatt:FailureQueue.Arn'],
    'logs:CreateLogGroup': logGroup,
    'logs:CreateLogStream': logGroup,
    'logs:PutLogEvents': logGroup,
  };
}
