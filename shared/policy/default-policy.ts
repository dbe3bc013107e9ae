import type { Decision, Finding, Targets } from '../model';
import type { PlaybookName } from '../playbooks/registry';
import { severityLabel } from '../report/severity';

export interface Verdict {
  decision: Decision;
  reason: string;
  playbook: PlaybookName;
}

/** Thresholds of the built-in policy, on GuardDuty's 0–10 scale. */
export const RESPOND_AT = 7;
export const NOTIFY_AT = 4;

/** Before correlation: does this finding deserve a response at all, and which? */
export function decide(finding: Finding, manualPlaybook?: PlaybookName): Verdict {
  if (finding.notEksReason) return { decision: 'ignore', reason: `not an EKS finding: ${finding.notEksReason}`, playbook: 'notify' };
  if (manualPlaybook) return { decision: 'respond', reason: `playbook ${manualPlaybook} invoked by hand`, playbook: manualPlaybook };
  const band = `severity ${finding.severity} (${severityLabel(finding.severity)})`;
  if (finding.severity >= RESPOND_AT) return { decision: 'respond', reason: `${band} is at least ${RESPOND_AT}`, playbook: 'quarantine' };
  if (finding.severity >= NOTIFY_AT) {
    return { decision: 'notify', reason: `${band} is below ${RESPOND_AT}: containment is planned for a person to run`, playbook: 'quarantine' };
  }
  return { decision: 'ignore', reason: `${band} is below ${NOTIFY_AT}: logged only`, playbook: 'notify' };
}

/** After correlation: a response with nothing (or only protected objects) to act on becomes a notification. */
export function reviewWithTargets(verdict: Verdict, targets: Targets): Verdict {
  if (verdict.decision !== 'respond') return verdict;
  const all = [...targets.pods, ...targets.nodes, ...targets.roles];
  if (all.length === 0) return { ...verdict, decision: 'notify', reason: `nothing to contain: ${targets.notes.join('; ') || 'no targets resolved'}` };
  if (all.every((target) => target.protectedReason)) {
    return { ...verdict, decision: 'notify', reason: `every target is protected (${all[0].protectedReason}); notify only` };
  }
  return verdict;
}
