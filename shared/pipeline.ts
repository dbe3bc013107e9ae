import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters } from './adapters/ports';
import type { ResponderConfig } from './config';
import { correlateFinding, type Correlation } from './correlation/correlate-finding';
import { describeClusterApis, detectClusterApis } from './correlation/cluster-apis';
import { describeError } from './errors';
import type { ActionRecord, Finding, IncidentReport, Mode, ReportTarget, Targets } from './model';
import { accountVerdict } from './policy/account-scope';
import { builtInPolicy, decide, reviewWithTargets, type Verdict } from './policy/default-policy';
import { circuitBreakerGuard, CIRCUIT_OPEN } from './policy/circuit-breaker';
import { capMode } from './policy/evaluate';
import { applyProtectedScopes } from './policy/protected-scopes';
import { policySettingsFor } from './policy/settings';
import type { PolicyProvider } from './policy/source';
import type { ActionContext, ActionPhase, AnyAction, ApplyGuard, CorrelationNeed } from './playbooks/action';
import type { PlaybookName } from './playbooks/names';
import { incidentIdFor } from './sources/guardduty';

/**
 * The playbooks' code (registry, actions, runner, claims; about 60 KB minified, half of our code
 * module init used to load): loaded for the first finding that gets a response, not at module
 * init; an ignored finding never loads it.
 */
const loadPlaybooks = () => Promise.all([import('./playbooks/registry'), import('./playbooks/runner'), import('./playbooks/guards/target-claims')]);

export interface RespondOptions {
  /** The deployment's mode (RESPONSE_MODE, or the CLI's --mode); a policy rule may lower it, never raise it. */
  mode: Mode;
  /** Set for manual invocations: run this playbook whatever the severity. */
  playbook?: PlaybookName;
  allowProtected?: boolean;
  /**
   * Set when a delivery is deduplicated: the response reads at once, but changes, notifies and
   * records nothing until this resolves (the delivery is the first), and stops if it rejects.
   */
  admitted?: Promise<void>;
}

export interface PipelineDeps {
  adapters: Adapters;
  config: ResponderConfig;
  logger: Logger;
  now?: () => Date;
  /** The response policy; the built-in one when absent. */
  policy?: PolicyProvider;
}

function reportTargets(targets: Targets): ReportTarget[] {
  const fromPods = targets.pods.map((pod) => ({
    namespace: pod.namespace,
    pod: pod.pod,
    node: pod.node,
    serviceAccount: pod.serviceAccount,
    roleArn: pod.roleArn,
    instanceId: pod.instanceId,
  }));
  const podNodes = new Set(targets.pods.map((pod) => pod.node));
  const nodesOnly = targets.nodes.filter((node) => !podNodes.has(node.name)).map((node) => ({ node: node.name, instanceId: node.instanceId }));
  return [...fromPods, ...nodesOnly];
}

/** How far correlation has to go for the playbook: its deepest need, or the workload for a bare notification about one. */
function correlationNeed(finding: Finding, actions: AnyAction[]): CorrelationNeed {
  if (actions.length === 0) return finding.controlPlane ? 'none' : 'workload';
  const needs = actions.map((action) => action.correlation);
  return needs.includes('workload') ? 'workload' : needs.includes('cluster') ? 'cluster' : 'none';
}

/** Containment actions of the playbook, minus those the deciding rule opts out of (recorded as skipped). */
function selectActions(verdict: Verdict, config: ResponderConfig, containmentActionsOf: (playbook: PlaybookName, config: ResponderConfig) => AnyAction[]): { actions: AnyAction[]; optedOut: ActionRecord[] } {
  const all = containmentActionsOf(verdict.playbook, config);
  const optedOut = all
    .filter((action) => verdict.skipActions.includes(action.name))
    .map((action): ActionRecord => ({ action: action.name, target: '-', status: 'skipped', detail: `opted out by policy rule ${verdict.rule}` }));
  return { actions: all.filter((action) => !verdict.skipActions.includes(action.name)), optedOut };
}

function baseReport(finding: Finding, incidentId: string, mode: Mode, verdict: Verdict): IncidentReport {
  const call = finding.controlPlane;
  return {
    incidentId,
    incidentKey: finding.incidentKey,
    source: finding.source,
    findingId: finding.findingId,
    findingType: finding.type,
    title: finding.title,
    severity: finding.severity,
    cluster: finding.cluster?.name ?? null,
    account: finding.account,
    region: finding.region,
    mode,
    decision: verdict.decision,
    reason: verdict.reason,
    ...(verdict.rule ? { policyRule: verdict.rule } : {}),
    targets: [],
    actions: [],
    notes: [],
    ...(call ? { controlPlane: { eventName: call.eventName, eventTime: call.eventTime, actor: call.actor, requestParameters: call.requestParameters } } : {}),
    findingCreatedAt: finding.createdAt,
  };
}

/**
 * The one path every entry point takes (EventBridge handlers, manual Lambda, CLI):
 * 1. decide: the account must be allowed, then control-plane calls by their settings and
 * everything else by the response policy (correlating first when a rule needs the workload's
 * labels); 2. correlate as far as the playbook needs and mark protected targets; 3. review the
 * decision with the targets; 4. run the playbook's actions behind the claims and the circuit
 * breaker; 5. notify with the report; 6. record it.
 */
export async function respond(finding: Finding, options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const now = deps.now?.() ?? new Date();
  const incidentId = incidentIdFor(finding.incidentKey);
  const logger = deps.logger.createChild({ persistentLogAttributes: { incidentId, findingId: finding.findingId } });
  const policy = deps.policy ? await deps.policy() : builtInPolicy();

  // Correlation runs at most once, as deep as first asked: for a rule that needs the workload's labels, or after the decision.
  let correlation: Promise<Correlation> | undefined;
  const correlate = (need: CorrelationNeed) =>
    (correlation ??= correlateFinding(finding, need, {
      adapters: deps.adapters,
      protectedNamespaces: deps.config.protectedNamespaces,
      allowProtected: options.allowProtected === true,
      logger,
    }));

  // 1. Decide: only about accounts the responder protects, then by the policy.
  const { settings, notes } = await policySettingsFor(finding, deps.config, deps.adapters.identity);
  let verdict: Verdict =
    accountVerdict(finding, deps.config.allowedAccounts) ??
    (await decide(finding, {
      policy,
      settings,
      manualPlaybook: options.playbook,
      facts: {
        // The cluster's tags live in the finding's account.
        clusterTags: async () => ((await deps.adapters.forAccount?.(finding.account)) ?? deps.adapters).eks.clusterTags(finding.cluster?.name ?? '', finding.region),
        workloadLabels: async () => (await correlate('workload')).targets.pods.map((pod) => pod.labels),
      },
    }));
  const mode = capMode(options.mode, verdict.mode);
  const report = baseReport(finding, incidentId, mode, verdict);
  report.notes.push(...notes);
  if (verdict.decision === 'ignore') {
    logger.info('finding ignored', { reason: verdict.reason, rule: verdict.rule });
    await options.admitted;
    // An EKS finding the policy ignores is still on record; one about no cluster is not an incident.
    if (!finding.notEksReason) await recordIncident(report, deps, now, logger);
    return report;
  }

  // 2. Correlate as far as the playbook needs, then mark what the policy protects: first the
  // pods and nodes, which is all the decision and most containment need; the complete targets
  // (owners, IAM roles) follow a round trip later, for the actions that need them and the report.
  const [{ containmentActionsOf, NOTIFICATION_ACTIONS }, { runActions, startActions }, { targetClaimsGuard }] = await loadPlaybooks();
  const { actions, optedOut } = selectActions(verdict, deps.config, containmentActionsOf);
  // The AWS clients the actions and notifications call load while the targets are resolved.
  deps.adapters.prepare?.([...actions, ...NOTIFICATION_ACTIONS].flatMap((action) => action.permissions.iam.map((permission) => permission.split(':')[0])));
  const need = correlationNeed(finding, actions);
  const correlated = await correlate(need);
  const { kube, failure, adapters } = correlated;
  const protection = { scopes: policy.protected, extraNamespaces: deps.config.protectedNamespaces, allowProtected: options.allowProtected === true, kube };
  const targets = await applyProtectedScopes(correlated.targets, protection);
  const complete = correlated.complete.then((all) => applyProtectedScopes(all, protection));
  complete.catch(() => undefined);

  // 3. Review the decision now that the targets are known. Roles come only from pods, so the
  // pods and nodes settle it: with none, or all protected, their roles are none or protected too.
  if (failure) {
    if (verdict.decision === 'respond') verdict = { ...verdict, decision: 'notify', reason: `cluster not reachable: ${failure.detail}` };
  } else if (need === 'workload') {
    verdict = reviewWithTargets(verdict, targets);
  }
  Object.assign(report, { decision: verdict.decision, reason: verdict.reason });
  // Which add-ons (CNI, mesh, Karpenter, admission) the layered actions can use.
  const apis = kube && !failure ? detectClusterApis(kube).then(describeClusterApis, (error: unknown) => `cluster APIs not detected: ${describeError(error)}`) : undefined;
  logger.info('finding correlated', { decision: verdict.decision, rule: verdict.rule, mode, pods: targets.pods.length, nodes: targets.nodes.length });

  // 4. Contain.
  // Entered together; the claim's refusal (already handled) is the one reported. A target already
  // handled in this window is already counted, so it takes no new circuit-breaker slot.
  const guards: ApplyGuard[] = [
    ...(deps.adapters.claims ? [targetClaimsGuard(deps.adapters.claims)] : []),
    circuitBreakerGuard({ limits: policy.limits, cluster: finding.cluster?.name ?? '-', counters: deps.adapters.breaker, kube, now }),
  ];
  const context: ActionContext = {
    incidentId,
    finding,
    targets,
    complete,
    kube,
    adapters,
    config: deps.config,
    now,
    logger,
    allowProtected: options.allowProtected === true,
    guards,
    settlements: [],
  };
  const gate = { mode, decision: verdict.decision };
  // Contained when the containment phase ends (its actions run side by side), if it changed
  // anything: evidence taken before it, or preservation after it, neither contains nor delays.
  const containmentEnded = (phase: ActionPhase, records: ActionRecord[]) => {
    if (phase === 'containment' && records.some((action) => action.status === 'done')) report.containedAt = (deps.now?.() ?? new Date()).toISOString();
  };
  // Nothing changes before the delivery is known to be the first (reads only up to here).
  await options.admitted;
  const started = failure ? undefined : startActions(actions, context, gate, containmentEnded);
  // Reported once contained: preservation changes still on their way (termination protection
  // after its before-state read) are told as in progress rather than kept from the people waiting.
  const reportable = started ? await started.reportable : [];
  const recordsWith = (records: ActionRecord[]) => [...(failure ? [failure] : []), ...records, ...(failure ? [] : optedOut)];
  report.actions = recordsWith(reportable);
  // The complete targets for the report; the pods and nodes alone if they could not be completed.
  const all = await complete.catch((error: unknown) => ({ ...targets, notes: [...targets.notes, `IAM roles and owners not resolved: ${describeError(error)}`] }));
  report.targets = reportTargets(all);
  report.notes.push(...all.notes, ...(apis ? [await apis] : []));
  const held = reportable.filter((record) => record.detail.startsWith(CIRCUIT_OPEN));
  if (held.length) {
    report.urgent = `circuit breaker open: ${held.length} containment action${held.length > 1 ? 's' : ''} held back (${held.map((record) => `${record.action} ${record.target}`).join(', ')}); a person must decide`;
    logger.error('circuit breaker open', { held: held.map((record) => `${record.action} ${record.target}: ${record.detail}`) });
  }

  // 5. Notify, whatever happened above.
  const notify = (about: IncidentReport) => runActions([...NOTIFICATION_ACTIONS], { ...context, targets: all, complete: undefined, report: about }, gate);
  const notifications = await notify({ ...report });
  const ended = started ? await started.ended : [];
  report.actions = [...recordsWith(ended), ...notifications];
  // A change told as in progress that then failed is told again: people must not take it as done.
  const toldInProgress = new Set(reportable.filter((record) => record.status === 'in-progress').map(recordKey));
  const failedLater = ended.filter((record) => record.status === 'failed' && toldInProgress.has(recordKey(record)));
  if (failedLater.length) {
    const followUp = `${failedLater.map((record) => `${record.action} ${record.target}`).join(', ')} failed after the first notification`;
    logger.error('change failed after the notification', { failed: failedLater.map((record) => `${recordKey(record)}: ${record.detail}`) });
    const again = await notify({ ...report, followUp, actions: [...report.actions] });
    report.actions.push(...again.map((record) => ({ ...record, detail: `follow-up: ${record.detail}` })));
  }

  // 6. Record, for the audit trail and for release, once the guards know how every change ended
  // (they learnt it alongside the notification).
  await Promise.all(context.settlements ?? []);
  await recordIncident(report, deps, now, logger);
  logger.info('incident handled', { actions: report.actions.map((action) => `${action.action}:${action.status}`) });
  return report;
}

/**
 * Appends the report to the incident log. A record that cannot be written is a failed action:
 * the invocation is retried (every action is idempotent) until the trail is complete.
 */
async function recordIncident(report: IncidentReport, deps: PipelineDeps, now: Date, logger: Logger): Promise<void> {
  const log = deps.adapters.incidentLog;
  if (!log) return;
  const started = Date.now();
  try {
    await log.record(report, now);
  } catch (error) {
    logger.error('incident not recorded', { error: describeError(error) });
    report.actions.push({ action: 'record', target: 'incident table', status: 'failed', detail: describeError(error), durationMs: Date.now() - started });
  }
}

const recordKey = (record: ActionRecord) => `${record.action} ${record.target}`;

export function hasFailures(report: IncidentReport): boolean {
  return report.actions.some((action) => action.status === 'failed');
}
