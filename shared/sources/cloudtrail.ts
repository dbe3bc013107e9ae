// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import type { Actor, ControlPlaneRisk, Finding } from '../model';
import { parseWith } from './parse';

/**
 * `AWS API Call via CloudTrail` events. EKS control-plane calls (`eks.amazonaws.com`) become
 * findings whose `controlPlane.risks` say what the call weakened; calls to other services parse
 * and are ignored by policy. Only the fields the responder uses are checked.
 */
const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const EKS_EVENT_SOURCE = 'eks.amazonaws.com';

// Built on first parse (`z.lazy`), not at import: only the CloudTrail function and the CLI ever build them.
export const cloudTrailRecordSchema = z.lazy(() =>
  z.looseObject({
    eventSource: z.string().min(1),
    eventName: z.string().min(1),
    eventID: z.string().min(1),
    eventTime: nullish(z.string()),
    awsRegion: z.string().min(1),
    recipientAccountId: nullish(z.string()),
    userIdentity: z.looseObject({
      type: nullish(z.string()),
      arn: nullish(z.string()),
      principalId: nullish(z.string()),
      invokedBy: nullish(z.string()),
      sessionContext: nullish(z.looseObject({ sessionIssuer: nullish(z.looseObject({ type: nullish(z.string()), arn: nullish(z.string()) })) })),
    }),
    sourceIPAddress: nullish(z.string()),
    userAgent: nullish(z.string()),
    requestParameters: nullish(z.record(z.string(), z.unknown())),
    errorCode: nullish(z.string()),
  }),
);

export const cloudTrailEventSchema = z.lazy(() =>
  z.looseObject({
    source: z.string().startsWith('aws.'),
    'detail-type': z.literal(CLOUDTRAIL_DETAIL_TYPE),
    account: nullish(z.string()),
    detail: z.unknown(),
  }),
);

/** How much each weakening weighs, on GuardDuty's 0–10 scale, for reports and subscription filters. */
export const RISK_SEVERITY: Record<ControlPlaneRisk['kind'], number> = {
  'admin-access': 8,
  'cluster-deleted': 8,
  'public-endpoint': 7,
  'authentication-downgrade': 7,
  'logging-disabled': 5,
  'access-entry-created': 5,
  'nodegroup-deleted': 5,
};

/** The control-plane log types whose loss blinds an investigation. */
export const WATCHED_LOG_TYPES = ['api', 'audit', 'authenticator'];

const CLUSTER_ADMIN_POLICY = /cluster-access-policy\/AmazonEKSClusterAdminPolicy$/;
const ADMIN_POLICY = /cluster-access-policy\/AmazonEKSAdminPolicy$/;

/** AmazonEKSClusterAdminPolicy at any scope, AmazonEKSAdminPolicy over the whole cluster. */
export function isAdminAccessPolicy(policyArn: string, scopeType: string | undefined): boolean {
  return CLUSTER_ADMIN_POLICY.test(policyArn) || (ADMIN_POLICY.test(policyArn) && (scopeType ?? 'cluster') === 'cluster');
}

type Params = Record<string, unknown>;

const asObject = (value: unknown): Params => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Params) : {});
const asStrings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);
const asString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function clusterConfigRisks(params: Params): ControlPlaneRisk[] {
  const risks: ControlPlaneRisk[] = [];
  const vpc = asObject(params.resourcesVpcConfig);
  const publicAccessCidrs = asStrings(vpc.publicAccessCidrs);
  if (vpc.endpointPublicAccess !== false && (vpc.endpointPublicAccess === true || publicAccessCidrs)) {
    const summary = publicAccessCidrs
      ? `public endpoint access allowed from ${publicAccessCidrs.join(', ') || 'no CIDR'}`
      : 'public endpoint access turned on (the call names no allowed CIDRs, so the current list applies; 0.0.0.0/0 by default)';
    risks.push({ kind: 'public-endpoint', summary, publicAccessCidrs });
  }
  const logging = asObject(params.logging).clusterLogging;
  const disabled = (Array.isArray(logging) ? logging : [])
    .map(asObject)
    .filter((setup) => setup.enabled === false)
    .flatMap((setup) => asStrings(setup.types) ?? [])
    .filter((type) => WATCHED_LOG_TYPES.includes(type));
  if (disabled.length) risks.push({ kind: 'logging-disabled', summary: `control-plane logging turned off for ${disabled.join(', ')}`, types: [...new Set(disabled)] });
  const mode = asString(asObject(params.accessConfig).authenticationMode);
  if (mode === 'CONFIG_MAP') risks.push({ kind: 'authentication-downgrade', summary: 'authentication mode set to CONFIG_MAP (aws-auth only, no access entries)', mode });
  return risks;
}

/** What an EKS call weakened, from its request alone. Calls the playbooks do not watch weaken nothing here. */
export function risksOf(eventName: string, params: Params): ControlPlaneRisk[] {
  switch (eventName) {
    case 'UpdateClusterConfig':
      return clusterConfigRisks(params);
    case 'AssociateAccessPolicy': {
      const principalArn = asString(params.principalArn);
      const policyArn = asString(params.policyArn) ?? '';
      const scope = asString(asObject(params.accessScope).type);
      if (!principalArn || !isAdminAccessPolicy(policyArn, scope ?? 'cluster')) return [];
      return [{ kind: 'admin-access', summary: `${policyArn.split('/').pop()} (${scope ?? 'cluster'} scope) associated with ${principalArn}`, principalArn, policyArn }];
    }
    case 'CreateAccessEntry': {
      const principalArn = asString(params.principalArn);
      // Node types (EC2_LINUX, FARGATE_LINUX, ...) cannot hold access policies; only STANDARD entries can become admins.
      const type = asString(params.type) ?? 'STANDARD';
      if (!principalArn || type !== 'STANDARD') return [];
      return [{ kind: 'access-entry-created', summary: `access entry created for ${principalArn}`, principalArn }];
    }
    case 'DeleteCluster':
      return [{ kind: 'cluster-deleted', summary: 'cluster deleted' }];
    case 'DeleteNodegroup': {
      const nodegroup = asString(params.nodegroupName) ?? 'unknown';
      return [{ kind: 'nodegroup-deleted', summary: `node group ${nodegroup} deleted`, nodegroup }];
    }
    default:
      return [];
  }
}

/** An assumed-role session ARN names its role without the role's path: `arn:aws:sts::1:assumed-role/NAME/SESSION`. */
function roleOfSession(arn: string | undefined): string | undefined {
  const match = arn && /^arn:([^:]+):sts::(\d*):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

function actorOf(record: z.infer<typeof cloudTrailRecordSchema>): Actor {
  const identity = record.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer;
  return {
    arn: identity.arn ?? identity.invokedBy ?? identity.principalId ?? 'unknown',
    type: identity.type,
    roleArn: (issuer?.type === 'Role' ? issuer.arn : undefined) ?? roleOfSession(identity.arn),
    sourceIp: record.sourceIPAddress,
    userAgent: record.userAgent,
  };
}

export function normalizeCloudTrailEvent(event: unknown): Finding {
  const envelope = parseWith(cloudTrailEventSchema, event, 'CloudTrail event');
  const record = parseWith(cloudTrailRecordSchema, envelope.detail, 'CloudTrail record');
  const params = record.requestParameters ?? {};
  const isEks = record.eventSource === EKS_EVENT_SOURCE;
  const clusterName = isEks ? (asString(params.clusterName) ?? asString(params.name)) : undefined;
  const risks = isEks ? risksOf(record.eventName, params) : [];
  const actor = actorOf(record);
  const service = record.eventSource.split('.')[0];
  const type = `AwsApiCall:${service}/${record.eventName}`;
  const where = clusterName ? ` on cluster ${clusterName}` : '';
  return {
    source: 'cloudtrail',
    findingId: record.eventID,
    incidentKey: `cloudtrail:${record.eventID}`,
    type,
    title: risks.length ? `${record.eventName}${where}: ${risks.map((risk) => risk.summary).join('; ')}` : `${record.eventName}${where} by ${actor.arn}`,
    severity: Math.max(0, ...risks.map((risk) => RISK_SEVERITY[risk.kind])),
    account: record.recipientAccountId ?? envelope.account ?? 'unknown',
    region: record.awsRegion,
    createdAt: record.eventTime,
    sample: false,
    cluster: clusterName ? { name: clusterName } : undefined,
    images: [],
    notEksReason: !isEks ? `event source ${record.eventSource} is not the EKS control plane` : clusterName ? undefined : `${record.eventName} names no EKS cluster`,
    controlPlane: { eventName: record.eventName, eventId: record.eventID, eventTime: record.eventTime, actor, requestParameters: params, errorCode: record.errorCode, risks },
  };
}
