import type { Decision, Finding, Mode, Targets } from '../model';
import { playbookNamed, type PlaybookName } from '../playbooks/names';
import { decideControlPlane, type ControlPlaneSettings } from './control-plane-policy';
import { DEFAULT_POLICY } from './default-policy-text';
import { evaluatePolicy, factsOf, type PolicyFacts, type TraceEntry } from './evaluate';
import type { ResponsePolicy } from './schema';

export interface Verdict {
  decision: Decision;
  reason: string;
  playbook: PlaybookName;
  /** The policy rule that decided (`default` when none matched); absent for manual invocations and non-EKS findings. */
  rule?: string;
  /** The rule's mode cap, see `capMode`. */
  mode?: Mode;
  /** Containment actions the rule opts out of. */
  skipActions: string[];
  trace: TraceEntry[];
}

export type PolicySettings = ControlPlaneSettings;

export const DEFAULT_SETTINGS: PolicySettings = { controlPlaneRemediation: [], allowedPublicCidrs: [], adminPrincipalAllowList: [], responderPrincipals: [] };

/**
 * The policy shipped in `default-policy.yaml`, embedded parsed and validated at build time, so
 * no function builds the policy schema for it; test/shared/policy/default-policy.test.ts checks
 * it equals the file loaded with every check.
 */
export function builtInPolicy(): ResponsePolicy {
  return DEFAULT_POLICY;
}

/** Facts that cost a call, fetched only when a rule needs them. */
export interface FactSource {
  clusterTags(): Promise<Record<string, string>>;
  workloadLabels(): Promise<Record<string, string>[]>;
}

const NO_FACTS: FactSource = { clusterTags: async () => ({}), workloadLabels: async () => [] };

export interface DecideOptions {
  policy?: ResponsePolicy;
  /** How control-plane (CloudTrail) findings are judged; they do not go through the policy rules. */
  settings?: PolicySettings;
  /** Set for manual invocations: run this playbook whatever the rules say. */
  manualPlaybook?: PlaybookName;
  facts?: FactSource;
}

/** Does this finding deserve a response at all, and which? The policy's first matching rule says. */
export async function decide(finding: Finding, options: DecideOptions = {}): Promise<Verdict> {
  const unruled = { skipActions: [], trace: [] };
  if (finding.notEksReason) return { decision: 'ignore', reason: `not an EKS finding: ${finding.notEksReason}`, playbook: 'notify', ...unruled };
  if (finding.inactiveReason) return { decision: 'ignore', reason: `the finding is closed: ${finding.inactiveReason}`, playbook: 'notify', ...unruled };
  // A control-plane call is judged by what it weakened (CONTROL_PLANE_REMEDIATION and the allow lists), not by severity rules.
  if (finding.controlPlane) return { ...decideControlPlane(finding.controlPlane, options.settings ?? DEFAULT_SETTINGS, options.manualPlaybook), ...unruled };
  if (options.manualPlaybook) {
    return { decision: 'respond', reason: `playbook ${options.manualPlaybook} invoked by hand`, playbook: options.manualPlaybook, ...unruled };
  }
  // The Security Hub custom action is named "Quarantine workload": a person chose it, whatever the severity.
  if (finding.customAction) {
    return { decision: 'respond', reason: `Security Hub custom action "${finding.customAction.name}" chosen by a person`, playbook: 'quarantine', ...unruled };
  }
  const policy = options.policy ?? builtInPolicy();
  const source = options.facts ?? NO_FACTS;
  const facts: PolicyFacts = factsOf(finding);
  for (;;) {
    const evaluation = evaluatePolicy(policy, facts);
    if (evaluation.kind === 'matched') {
      const { outcome } = evaluation;
      return {
        decision: outcome.decision,
        reason: evaluation.reason,
        playbook: playbookNamed(outcome.playbook),
        rule: evaluation.rule,
        mode: outcome.mode,
        skipActions: outcome.skipActions,
        trace: evaluation.trace,
      };
    }
    if (evaluation.needs === 'clusterTags') facts.clusterTags = await source.clusterTags();
    else facts.workloadLabels = await source.workloadLabels();
  }
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
