import picomatch from 'picomatch';
import type { Decision, Finding, Mode } from '../model';
import { severityLabel } from '../report/severity';
import type { DefaultRule, LabelMatch, PolicyRule, ResponsePolicy, RuleMatch } from './schema';

/**
 * First-match-wins evaluation of the policy's rules. Facts that need a call (cluster tags) or
 * correlation (workload labels) may be unknown: a rule whose known conditions all hold but
 * which needs an unknown fact stops the evaluation with `needs`, so the caller fetches that
 * fact and evaluates again. A rule that fails on a known condition never needs anything.
 */

export interface PolicyFacts {
  source: string;
  findingType: string;
  severity: number;
  account: string;
  cluster?: string;
  namespace?: string;
  /** Undefined until fetched (EKS DescribeCluster). */
  clusterTags?: Record<string, string>;
  /** Labels of each affected pod; undefined until correlated. */
  workloadLabels?: Record<string, string>[];
}

export type UnknownFact = 'clusterTags' | 'workloadLabels';

export interface TraceEntry {
  rule: string;
  outcome: 'matched' | 'not matched' | 'undetermined';
  why: string;
}

export interface RuleOutcome {
  decision: Decision;
  playbook: string;
  mode?: Mode;
  skipActions: string[];
}

export type Evaluation =
  | { kind: 'matched'; rule: string; outcome: RuleOutcome; reason: string; trace: TraceEntry[] }
  | { kind: 'needs'; needs: UnknownFact; rule: string; trace: TraceEntry[] };

type Check = { ok: true; why: string } | { ok: false; why: string } | { unknown: UnknownFact };

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):[^:]+$/;

export function factsOf(finding: Finding): PolicyFacts {
  const namespace = finding.workload?.namespace ?? SERVICE_ACCOUNT_USER.exec(finding.kubernetesUser?.username ?? '')?.[1];
  return {
    source: finding.source,
    findingType: finding.type,
    severity: finding.severity,
    account: finding.account,
    cluster: finding.cluster?.name,
    namespace,
  };
}

const list = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

/**
 * Compiled once per pattern: every finding checks the same few patterns (the policy's and
 * PROTECTED_NAMESPACES) against each of its pods, and compiling one costs more than matching.
 */
const compiled = new Map<string, (value: string) => boolean>();

export function matchesGlob(pattern: string, value: string): boolean {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    matcher = picomatch(pattern);
    compiled.set(pattern, matcher);
  }
  return matcher(value);
}

function globs(what: string, value: string | undefined, patterns: string[]): Check {
  if (value === undefined) return { ok: false, why: `no ${what} known` };
  const hit = patterns.find((pattern) => matchesGlob(pattern, value));
  return hit ? { ok: true, why: `${what} ${value} matches "${hit}"` } : { ok: false, why: `${what} ${value} matches none of ${list(patterns)}` };
}

export function labelsMatch(wanted: LabelMatch, labels: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, values]) => Object.hasOwn(labels, key) && (values.includes('*') || values.includes(labels[key])));
}

function describeLabels(wanted: LabelMatch): string {
  return Object.entries(wanted)
    .map(([key, values]) => `${key}=${values.length > 1 ? `(${values.join('|')})` : values[0]}`)
    .join(', ');
}

function severityCheck(range: NonNullable<RuleMatch['severity']>, severity: number): Check {
  const failures = [
    range.min !== undefined && severity < range.min ? `below ${range.min}` : undefined,
    range.max !== undefined && severity > range.max ? `above ${range.max}` : undefined,
    range.below !== undefined && severity >= range.below ? `not below ${range.below}` : undefined,
  ].filter(Boolean);
  const bounds = [range.min !== undefined ? `at least ${range.min}` : undefined, range.max !== undefined ? `at most ${range.max}` : undefined, range.below !== undefined ? `below ${range.below}` : undefined]
    .filter(Boolean)
    .join(' and ');
  const band = `severity ${severity} (${severityLabel(severity)})`;
  return failures.length ? { ok: false, why: `${band} is ${failures.join(' and ')}` } : { ok: true, why: `${band} is ${bounds}` };
}

/** Every condition of a rule, cheapest and always-known first. */
function checks(match: RuleMatch, facts: PolicyFacts): (() => Check)[] {
  const result: (() => Check)[] = [];
  if (match.source) {
    const sources = match.source;
    result.push(() => (sources.includes(facts.source as never) ? { ok: true, why: `source ${facts.source}` } : { ok: false, why: `source ${facts.source} is not ${sources.join(' or ')}` }));
  }
  if (match.findingType) {
    const patterns = match.findingType;
    result.push(() => globs('type', facts.findingType, patterns));
  }
  if (match.severity) {
    const range = match.severity;
    result.push(() => severityCheck(range, facts.severity));
  }
  if (match.account) {
    const accounts = match.account;
    result.push(() => (accounts.includes(facts.account) ? { ok: true, why: `account ${facts.account}` } : { ok: false, why: `account ${facts.account} is not ${accounts.join(' or ')}` }));
  }
  if (match.cluster?.name) {
    const patterns = match.cluster.name;
    result.push(() => globs('cluster', facts.cluster, patterns));
  }
  if (match.namespace) {
    const patterns = match.namespace;
    result.push(() => globs('namespace', facts.namespace, patterns));
  }
  if (match.cluster?.tags) {
    const tags = match.cluster.tags;
    result.push(() => {
      if (facts.cluster === undefined) return { ok: false, why: 'no cluster known' };
      if (facts.clusterTags === undefined) return { unknown: 'clusterTags' };
      return labelsMatch(tags, facts.clusterTags)
        ? { ok: true, why: `cluster tags ${describeLabels(tags)}` }
        : { ok: false, why: `cluster ${facts.cluster} is not tagged ${describeLabels(tags)}` };
    });
  }
  if (match.workloadLabels) {
    const wanted = match.workloadLabels;
    result.push(() => {
      if (facts.workloadLabels === undefined) return { unknown: 'workloadLabels' };
      return facts.workloadLabels.some((labels) => labelsMatch(wanted, labels))
        ? { ok: true, why: `workload labelled ${describeLabels(wanted)}` }
        : { ok: false, why: `no affected pod is labelled ${describeLabels(wanted)}` };
    });
  }
  return result;
}

function judge(rule: PolicyRule, facts: PolicyFacts): { outcome: TraceEntry['outcome']; why: string; needs?: UnknownFact } {
  const reasons: string[] = [];
  let needs: UnknownFact | undefined;
  for (const check of checks(rule.match, facts)) {
    const result = check();
    if ('unknown' in result) needs ??= result.unknown;
    else if (!result.ok) return { outcome: 'not matched', why: result.why };
    else reasons.push(result.why);
  }
  if (needs) return { outcome: 'undetermined', why: `needs the ${needs === 'clusterTags' ? "cluster's tags" : "workload's labels"}`, needs };
  return { outcome: 'matched', why: reasons.join(', ') || 'matches every finding' };
}

const DECISION_SUFFIX: Record<Decision, string> = { respond: '', notify: ': containment is planned for a person to run', ignore: ': logged only' };

function outcomeOf(rule: PolicyRule | DefaultRule): RuleOutcome {
  return { decision: rule.decision, playbook: rule.playbook, mode: rule.mode, skipActions: rule.skipActions };
}

export function evaluatePolicy(policy: ResponsePolicy, facts: PolicyFacts): Evaluation {
  const trace: TraceEntry[] = [];
  for (const rule of policy.rules) {
    const verdict = judge(rule, facts);
    trace.push({ rule: rule.name, outcome: verdict.outcome, why: verdict.why });
    if (verdict.needs) return { kind: 'needs', needs: verdict.needs, rule: rule.name, trace };
    if (verdict.outcome === 'matched') {
      return { kind: 'matched', rule: rule.name, outcome: outcomeOf(rule), reason: `${verdict.why} (rule ${rule.name})${DECISION_SUFFIX[rule.decision]}`, trace };
    }
  }
  trace.push({ rule: 'default', outcome: 'matched', why: 'no rule matched' });
  const reason = `no rule matched (default)${DECISION_SUFFIX[policy.default.decision]}`;
  return { kind: 'matched', rule: 'default', outcome: outcomeOf(policy.default), reason, trace };
}

const MODE_ORDER: Record<Mode, number> = { plan: 0, notify: 1, enforce: 2 };

/**
 * A rule may make a finding's response more careful than the deployment's mode, never bolder:
 * `RESPONSE_MODE` (or `--mode`) is the master switch, so a fresh deployment in notify mode
 * never acts whatever its policy says.
 */
export function capMode(deploymentMode: Mode, ruleMode: Mode | undefined): Mode {
  if (!ruleMode) return deploymentMode;
  return MODE_ORDER[ruleMode] < MODE_ORDER[deploymentMode] ? ruleMode : deploymentMode;
}

export interface Explanation {
  /** Every rule up to the first that certainly matches, then the default when none does. */
  trace: TraceEntry[];
  /** The rule that applies unless an undetermined earlier rule matches. */
  rule: string;
  outcome: RuleOutcome;
  /** Earlier rules that could not be decided without the missing facts. */
  undetermined: { rule: string; needs: UnknownFact }[];
}

/** Like `evaluatePolicy`, but carries on past undetermined rules, for `policy explain` and `simulate`. */
export function explainPolicy(policy: ResponsePolicy, facts: PolicyFacts): Explanation {
  const trace: TraceEntry[] = [];
  const undetermined: Explanation['undetermined'] = [];
  for (const rule of policy.rules) {
    const verdict = judge(rule, facts);
    trace.push({ rule: rule.name, outcome: verdict.outcome, why: verdict.why });
    if (verdict.needs) undetermined.push({ rule: rule.name, needs: verdict.needs });
    else if (verdict.outcome === 'matched') return { trace, rule: rule.name, outcome: outcomeOf(rule), undetermined };
  }
  trace.push({ rule: 'default', outcome: 'matched', why: 'no rule matched' });
  return { trace, rule: 'default', outcome: outcomeOf(policy.default), undetermined };
}
