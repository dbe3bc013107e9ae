import type { TargetClaimPort } from '../../adapters/ports';
import type { ApplyGuard } from '../action';

/**
 * Each pod is isolated once, each node cordoned once and each role revoked once per incident,
 * even when duplicates of one incident (a re-delivery, a re-published finding, its Security Hub
 * copy) run at the same moment in different invocations: the first to claim the target acts,
 * the others report why they did not. A second revocation would cut the clean replicas' fresh
 * sessions, which is why this holds across invocations and not only within one.
 */
export function targetClaimsGuard(claims: TargetClaimPort): ApplyGuard {
  return {
    async enter(action, target, context) {
      const key = { incidentId: context.incidentId, action: action.name, target };
      const outcome = await claims.claim(key, context.now);
      if (!outcome.claimed) {
        return outcome.state === 'done'
          ? { skip: `already handled (incident ${context.incidentId} at ${outcome.since}${outcome.detail ? `: ${outcome.detail}` : ''})` }
          : { skip: `being handled by another invocation (incident ${context.incidentId}, since ${outcome.since})` };
      }
      return {
        exit: (record) => claims.settle(key, outcome.token, { status: record.status === 'done' ? 'done' : record.status === 'failed' ? 'failed' : 'skipped', detail: record.detail }, context.now),
      };
    },
  };
}
