import { REVOKE_POLICY_NAME, revocationSid } from '../../markers';
import type { RoleTarget } from '../../model';
import type { Action } from '../action';
import { revokedBeforeOf } from './revoke-role-sessions';

function sidsOf(document: string): string[] {
  try {
    const parsed = JSON.parse(document) as { Statement?: { Sid?: string }[] };
    return (parsed.Statement ?? []).map((statement) => statement.Sid ?? '');
  } catch {
    return [];
  }
}

/**
 * Lifts a session revocation, only when asked and only when it is safe. The deny on sessions
 * issued before the revocation is what stops stolen credentials: a session lives at most the
 * role's MaxSessionDuration, so once that much time has passed since the revocation every
 * session it denied has expired on its own, and removing the policy revives nothing.
 */
export const restoreRoleSessions: Action<RoleTarget, { roleName: string; revokedBefore: string }> = {
  name: 'restore-role-sessions',
  description: `Remove the ${REVOKE_POLICY_NAME} policy once every session it denies has expired (--restore-role-sessions)`,
  kind: 'containment',
  correlation: 'none',
  permissions: { kubernetes: [], iam: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'] },
  noTargetReason: 'no role revoked by this incident',
  targetsOf: (context) => context.targets.roles,
  describe: (target) => `role ${target.arn}`,

  async plan(context, target) {
    const document = await context.adapters.iam.getRoleInlinePolicy(target.name, REVOKE_POLICY_NAME);
    if (!document) return { skip: `no ${REVOKE_POLICY_NAME} policy on the role` };
    if (!sidsOf(document).includes(revocationSid(context.incidentId))) return { skip: `the ${REVOKE_POLICY_NAME} policy was written for another incident; left as it is` };
    const revokedBefore = revokedBeforeOf(document);
    if (!revokedBefore) return { skip: `the ${REVOKE_POLICY_NAME} policy names no revocation time; left as it is` };
    if (!context.release?.restoreRoleSessions) {
      return { skip: `sessions issued before ${revokedBefore} stay revoked: lifting the revocation could revive stolen credentials; pass --restore-role-sessions once the role's maximum session duration has passed` };
    }
    const maxSeconds = await context.adapters.iam.roleMaxSessionDuration(target.name);
    const safeAfter = new Date(Date.parse(revokedBefore) + maxSeconds * 1000);
    if (context.now < safeAfter) {
      return { skip: `not before ${safeAfter.toISOString()}: a session issued just before the revocation (${revokedBefore}) may be valid for the role's MaxSessionDuration of ${maxSeconds} s, and would work again without the policy` };
    }
    return {
      summary: `remove ${REVOKE_POLICY_NAME} from role ${target.name}: every session it denies (issued before ${revokedBefore}) expired by ${safeAfter.toISOString()} (MaxSessionDuration ${maxSeconds} s)`,
      change: { roleName: target.name, revokedBefore },
      before: { revokedBefore, policy: document },
    };
  },

  async apply(context, _target, change) {
    const removed = await context.adapters.iam.deleteRoleInlinePolicy(change.roleName, REVOKE_POLICY_NAME);
    return { status: 'done', detail: removed ? `${REVOKE_POLICY_NAME} removed (it denied sessions issued before ${change.revokedBefore})` : `${REVOKE_POLICY_NAME} already removed` };
  },
};
