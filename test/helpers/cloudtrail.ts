import { createHash } from 'node:crypto';
import { loadEvent } from './events';

/**
 * EKS control-plane calls as EventBridge delivers them. No complete real CloudTrail record is
 * public for UpdateClusterConfig, CreateAccessEntry, AssociateAccessPolicy, DeleteCluster or
 * DeleteNodegroup (events/PROVENANCE.md, "Gaps"), so tests build them here: the envelope and
 * record fields are the real `events/cloudtrail/eks-create-cluster.json`, and only eventName,
 * eventID, requestParameters (the request shapes of the EKS API reference,
 * https://docs.aws.amazon.com/eks/latest/APIReference/, with the path's cluster name as `name` or
 * `clusterName`), userIdentity and errorCode are replaced.
 */
export const ACCOUNT = '123456789012';
export const PEER_ROLE = `arn:aws:iam::${ACCOUNT}:role/platform/ci-deployer`;
export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

export interface CallOptions {
  /** An assumed-role session of this role (ARN with path), or an IAM user ARN. */
  actor?: string;
  sessionName?: string;
  errorCode?: string;
  eventId?: string;
  region?: string;
}

function userIdentity(actor: string, sessionName: string): Record<string, unknown> {
  const role = /^arn:aws:iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(actor);
  if (!role) return { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSERID', arn: actor, accountId: ACCOUNT, userName: actor.split('/').pop() };
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLEID:${sessionName}`,
    arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${sessionName}`,
    accountId: role[1],
    accessKeyId: 'ASIAEXAMPLEKEYID',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEROLEID', arn: actor, accountId: role[1], userName: role[2] },
      attributes: { creationDate: '2026-11-24T09:58:00Z', mfaAuthenticated: 'false' },
    },
  };
}

/** A deterministic UUID-shaped event id, distinct per call. */
function uuidOf(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function eksCall(eventName: string, requestParameters: Record<string, unknown>, options: CallOptions = {}): Record<string, any> {
  const event = loadEvent('cloudtrail/eks-create-cluster.json');
  const region = options.region ?? 'us-east-1';
  Object.assign(event, { account: ACCOUNT, region, time: '2026-11-24T10:00:00Z' });
  event.id = `derived-${eventName}`;
  const detail = event.detail;
  Object.assign(detail, {
    eventName,
    eventID: options.eventId ?? uuidOf(`${eventName}|${JSON.stringify(requestParameters)}|${options.actor ?? ''}`),
    eventTime: '2026-11-24T10:00:00Z',
    awsRegion: region,
    recipientAccountId: ACCOUNT,
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.17.0 md/command#eks.' + eventName.toLowerCase(),
    requestParameters,
    responseElements: null,
    userIdentity: userIdentity(options.actor ?? PEER_ROLE, options.sessionName ?? 'deploy-42'),
  });
  if (options.errorCode) Object.assign(detail, { errorCode: options.errorCode, errorMessage: 'User is not authorized to perform this operation' });
  return event;
}
