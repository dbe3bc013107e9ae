import type { Decision, Finding, Targets } from '../model';
import type { PlaybookName } from '../playbooks/registry';
import { severityLabel } from '../report/severity';
import { decideControlPlane, type ControlPlaneSettings } from './control-plane-policy';

export interface Verdict {
  decision: Decision;
  reason: string;
  playbook: PlaybookName;
}

export type PolicySettings = ControlPlaneSettings;

export const DEFAULT_SETTINGS: PolicySettings = { controlPlaneRemediation: [], allowedPublicCidrs: [], adminPrincipalAllowList: [], responderPrincipals: [] };

/** Thresholds of the built-in policy, on GuardDuty's 0–10 scale. */
export const RESPOND_AT = 7;
export const NOTIFY_AT = 4;

/** Finding types answered by a playbook of their own rather than by quarantining a workload. */
export const PLAYBOOK_BY_TYPE: Readonly<Record<string, PlaybookName>> = {
  'Policy:Kubernetes/AnonymousAccessGranted': 'remove-anonymous-binding',
};

/** Before correlation: does this finding deserve a response at all, and which? */
export function decide(finding: Finding, manualPlaybook?: PlaybookName, settings: PolicySettings = DEFAULT_SETTINGS): Verdict {
  if (finding.notEksReason) return { decision: 'ignore', reason: `not an EKS finding: ${finding.notEksReason}`, playbook: 'notify' };
  if (finding.inactiveReason) return { decision: 'ignore', reason: `the finding is closed: ${finding.inactiveReason}`, playbook: 'notify' };
  if (finding.controlPlane) return decideControlPlane(finding.controlPlane, settings, manualPlaybook);
  if (manualPlaybook) return { decision: 'respond', reason: `playbook ${manualPlaybook} invoked by hand`, playbook: manualPlaybook };
  // The Security Hub custom action is named "Quarantine workload": a person chose it, whatever the severity.
  if (finding.customAction) return { decision: 'respond', reason: `Security Hub custom action "${finding.customAction.name}" chosen by a person`, playbook: 'quarantine' };
  const playbook = PLAYBOOK_BY_TYPE[finding.type] ?? 'quarantine';
  const band = `severity ${finding.severity} (${severityLabel(finding.severity)})`;
  if (finding.severity >= RESPOND_AT) return { decision: 'respond', reason: `${band} is at least ${RESPOND_AT}`, playbook };
  if (finding.severity >= NOTIFY_AT) {
    return { decision: 'notify', reason: `${band} is below ${RESPOND_AT}: containment is planned for a person to run`, playbook };
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
