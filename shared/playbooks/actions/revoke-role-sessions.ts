import { REVOKE_POLICY_NAME, revocationSid } from '../../markers';
import type { RoleTarget } from '../../model';
import type { Action } from '../action';

interface RevocationChange {
  roleName: string;
  document: string;
  revokedBefore: string;
}

/** The policy IAM's console writes for "Revoke active sessions": deny everything to tokens issued before now. */
export function revocationPolicy(revokedBefore: string, incidentId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        // Sid carries the incident so the role itself records who revoked and why.
        Sid: revocationSid(incidentId),
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': revokedBefore } },
      },
    ],
  });
}

export function revokedBeforeOf(document: string): string | undefined {
  try {
    const parsed = JSON.parse(document) as { Statement?: { Condition?: { DateLessThan?: Record<string, string> } }[] };
    return parsed.Statement?.map((statement) => statement.Condition?.DateLessThan?.['aws:TokenIssueTime']).find(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * Invalidates every session of the role issued before now; the pod's stolen credentials stop
 * working, while workloads that fetch fresh credentials carry on.
 */
export const revokeRoleSessions: Action<RoleTarget, RevocationChange> = {
  name: 'revoke-role-sessions',
  description: `Put the inline policy ${REVOKE_POLICY_NAME} denying sessions issued before now`,
  kind: 'containment',
  planReadsAws: true,
  correlation: 'workload',
  needsRoles: () => true,
  permissions: { kubernetes: [], iam: ['iam:GetRolePolicy', 'iam:PutRolePolicy'] },
  noTargetReason: 'no IAM role (IRSA or EKS Pod Identity) behind the affected service accounts',
  targetsOf: (context) => context.targets.roles,
  describe: (target) => `role ${target.arn}`,
  protectedReason: (target) => target.protectedReason,

  async plan(context, target) {
    const existing = await context.adapters.iam.getRoleInlinePolicy(target.name, REVOKE_POLICY_NAME);
    const previous = existing ? revokedBeforeOf(existing) : undefined;
    // Sessions issued after the finding was raised are the clean replicas': never cut them twice.
    const since = context.finding.createdAt ?? context.now.toISOString();
    if (previous && previous >= since) return { skip: `already revoked: sessions issued before ${previous} are denied` };
    const revokedBefore = context.now.toISOString();
    const warnings = [
      target.sharedWith.length ? `warning: role also used by ${target.sharedWith.join(', ')}, whose older sessions are revoked too` : undefined,
      target.isNodeRole ? 'warning: role is a node role; nodes using it lose their older sessions too' : undefined,
    ].filter(Boolean);
    return {
      summary: [`revoke sessions of role ${target.name} issued before ${revokedBefore}`, ...warnings].join('; '),
      change: { roleName: target.name, document: revocationPolicy(revokedBefore, context.incidentId), revokedBefore },
      before: { revokedBefore: previous ?? null },
    };
  },

  async apply(context, target, change) {
    await context.adapters.iam.putRoleInlinePolicy(change.roleName, REVOKE_POLICY_NAME, change.document);
    const shared = target.sharedWith.length ? ` (also used by ${target.sharedWith.join(', ')})` : '';
    return { status: 'done', detail: `sessions issued before ${change.revokedBefore} revoked${shared}` };
  },
};
