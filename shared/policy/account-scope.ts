import type { Finding } from '../model';
import type { Verdict } from './default-policy';

/** What a manual invocation without an account gets: the responder's own account. */
export const UNKNOWN_ACCOUNT = 'unknown';

/**
 * Before anything else: a finding about an account outside ALLOWED_ACCOUNTS is ignored, so a
 * forged or foreign event never makes the responder act. Undefined when the finding may go on.
 */
export function accountVerdict(finding: Finding, allowedAccounts: string[] | undefined): Verdict | undefined {
  if (!allowedAccounts || finding.account === UNKNOWN_ACCOUNT || allowedAccounts.includes(finding.account)) return undefined;
  return { decision: 'ignore', reason: `account ${finding.account || '(none)'} is not in ALLOWED_ACCOUNTS`, playbook: 'notify', skipActions: [], trace: [] };
}
