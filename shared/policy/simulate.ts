import type { GuardDutyPort } from '../adapters/ports';
import { describeError } from '../errors';
import type { Decision, Finding, Mode } from '../model';
import { normalizeGuardDutyFinding } from '../sources/guardduty';
import { camelizeKeys } from '../sources/parse';
import { decideControlPlane } from './control-plane-policy';
import { DEFAULT_SETTINGS } from './default-policy';
import { capMode, explainPolicy, factsOf, type Explanation } from './evaluate';
import type { ResponsePolicy } from './schema';

/** What the policy does with one finding, offline (no cluster, no EKS call). */
export interface PolicyOutcome {
  findingId: string;
  updatedAt?: string;
  findingType: string;
  severity: number;
  cluster: string | null;
  namespace: string | null;
  decision: Decision;
  playbook: string;
  /** The effective mode: the deployment's, capped by the rule's. */
  mode: Mode;
  rule: string;
  /** Why, in a few words: not EKS, or the rules that depend on facts only the cluster has. */
  note: string;
  explanation?: Explanation;
}

const NEEDS: Record<string, string> = { clusterTags: "the cluster's tags", workloadLabels: "the workload's labels" };

export function policyOutcome(finding: Finding, policy: ResponsePolicy, deploymentMode: Mode): PolicyOutcome {
  const facts = factsOf(finding);
  const base = {
    findingId: finding.findingId,
    findingType: finding.type,
    severity: finding.severity,
    cluster: finding.cluster?.name ?? null,
    namespace: facts.namespace ?? null,
  };
  const unruled = (verdict: { decision: Decision; playbook: string }, note: string): PolicyOutcome => ({ ...base, ...verdict, mode: deploymentMode, rule: '-', note });
  if (finding.notEksReason) return unruled({ decision: 'ignore', playbook: 'notify' }, `not an EKS finding: ${finding.notEksReason}`);
  if (finding.inactiveReason) return unruled({ decision: 'ignore', playbook: 'notify' }, `the finding is closed: ${finding.inactiveReason}`);
  if (finding.controlPlane) {
    // Offline there is no deployment configuration: the built-in settings (no remediation on its own, no allow lists).
    const verdict = decideControlPlane(finding.controlPlane, DEFAULT_SETTINGS);
    return unruled(verdict, `EKS control-plane call, judged by CONTROL_PLANE_REMEDIATION and the allow lists, not by the rules: ${verdict.reason}`);
  }
  if (finding.customAction) return unruled({ decision: 'respond', playbook: 'quarantine' }, `Security Hub custom action "${finding.customAction.name}" chosen by a person`);
  const explanation = explainPolicy(policy, facts);
  const note = explanation.undetermined.map(({ rule, needs }) => `unless rule ${rule} matches (needs ${NEEDS[needs]})`).join('; ');
  return {
    ...base,
    decision: explanation.outcome.decision,
    playbook: explanation.outcome.playbook,
    mode: capMode(deploymentMode, explanation.outcome.mode),
    rule: explanation.rule,
    note,
    explanation,
  };
}

export interface SimulationResult {
  outcomes: PolicyOutcome[];
  /** Findings that could not be read, with the reason. */
  unreadable: { findingId: string; error: string }[];
}

/** Every GuardDuty finding of the region updated since `since`, through the policy, newest first. */
export async function simulatePolicy(guardDuty: GuardDutyPort, region: string, since: Date, policy: ResponsePolicy, deploymentMode: Mode): Promise<SimulationResult> {
  const raw = await guardDuty.findingsUpdatedSince(region, since);
  const result: SimulationResult = { outcomes: [], unreadable: [] };
  for (const item of raw) {
    const detail = camelizeKeys(item) as Record<string, unknown>;
    try {
      const outcome = policyOutcome(normalizeGuardDutyFinding(detail), policy, deploymentMode);
      result.outcomes.push({ ...outcome, updatedAt: typeof detail.updatedAt === 'string' ? detail.updatedAt : undefined });
    } catch (error) {
      result.unreadable.push({ findingId: String(detail.id ?? '?'), error: describeError(error) });
    }
  }
  result.outcomes.sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  return result;
}
