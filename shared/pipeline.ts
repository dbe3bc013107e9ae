import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters, KubernetesPort } from './adapters/ports';
import type { ResponderConfig } from './config';
import { describeClusterApis, detectClusterApis } from './correlation/cluster-apis';
import { cacheReadsForInvocation } from './correlation/invocation-cache';
import { resolveTargets } from './correlation/resolve-targets';
import { CorrelationError, describeError } from './errors';
import type { ActionRecord, Finding, IncidentReport, Mode, ReportTarget, Targets } from './model';
import { accountVerdict } from './policy/account-scope';
import { decide, reviewWithTargets, type Verdict } from './policy/default-policy';
import { policySettingsFor } from './policy/settings';
import type { ActionContext, ActionPhase, AnyAction, CorrelationNeed } from './playbooks/action';
import { containmentActionsOf, NOTIFICATION_ACTIONS, type PlaybookName } from './playbooks/registry';
import { runActions } from './playbooks/runner';
import { incidentIdFor } from './sources/guardduty';

export interface RespondOptions {
  mode: Mode;
  /** Set for manual invocations: run this playbook whatever the severity. */
  playbook?: PlaybookName;
  allowProtected?: boolean;
}

export interface PipelineDeps {
  adapters: Adapters;
  config: ResponderConfig;
  logger: Logger;
  now?: () => Date;
}

const NO_TARGETS: Targets = { pods: [], nodes: [], roles: [], notes: [] };

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
    targets: [],
    actions: [],
    notes: [],
    ...(call ? { controlPlane: { eventName: call.eventName, eventTime: call.eventTime, actor: call.actor, requestParameters: call.requestParameters } } : {}),
    findingCreatedAt: finding.createdAt,
  };
}

/**
 * The one path every entry point takes (EventBridge handlers, manual Lambda, CLI):
 * 1. decide from the finding alone; 2. correlate with the cluster as far as the playbook needs;
 * 3. review the decision with the targets; 4. run the playbook's actions; 5. notify with the report.
 */
export async function respond(finding: Finding, options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const now = deps.now?.() ?? new Date();
  const incidentId = incidentIdFor(finding.incidentKey);
  const logger = deps.logger.createChild({ persistentLogAttributes: { incidentId, findingId: finding.findingId } });

  // 1. Decide.
  const { settings, notes } = await policySettingsFor(finding, deps.config, deps.adapters.identity);
  // Only about accounts the responder protects, then by the policy.
  let verdict: Verdict = accountVerdict(finding, deps.config.allowedAccounts) ?? decide(finding, options.playbook, settings);
  const report = baseReport(finding, incidentId, options.mode, verdict);
  report.notes.push(...notes);
  if (verdict.decision === 'ignore') {
    logger.info('finding ignored', { reason: verdict.reason });
    return report;
  }

  // 2. Correlate.
  const actions = containmentActionsOf(verdict.playbook, deps.config);
  const need = correlationNeed(finding, actions);
  let targets = NO_TARGETS;
  let kube: KubernetesPort | undefined;
  // A member account's finding is acted on in that account (its role); notifications stay ours.
  let adapters = deps.adapters;
  const correlationFailures: ActionRecord[] = [];
  try {
    adapters = (await deps.adapters.forAccount?.(finding.account)) ?? deps.adapters;
    if (finding.cluster && need !== 'none') {
      kube = cacheReadsForInvocation(await adapters.connector.connect(finding.cluster.name, finding.region));
      if (need === 'workload') {
        targets = await resolveTargets({
          finding,
          cluster: finding.cluster.name,
          region: finding.region,
          kube,
          eks: adapters.eks,
          iam: adapters.iam,
          protectedNamespaces: deps.config.protectedNamespaces,
          allowProtected: options.allowProtected === true,
        });
      }
    }
  } catch (error) {
    // A cluster that does not exist (deleted, or a GuardDuty sample) will not appear on retry: note it.
    const final = error instanceof CorrelationError && !error.retryable;
    logger[final ? 'warn' : 'error']('correlation failed', { error: describeError(error), retryable: !final });
    const where = finding.cluster ? `cluster ${finding.cluster.name}` : `account ${finding.account}`;
    correlationFailures.push({ action: 'correlate', target: where, status: final ? 'skipped' : 'failed', detail: describeError(error) });
  }

  // 3. Review the decision now that the targets are known.
  if (correlationFailures.length > 0) {
    if (verdict.decision === 'respond') verdict = { ...verdict, decision: 'notify', reason: `cluster not reachable: ${correlationFailures[0].detail}` };
  } else if (need === 'workload') {
    verdict = reviewWithTargets(verdict, targets);
  }
  Object.assign(report, { decision: verdict.decision, reason: verdict.reason, targets: reportTargets(targets) });
  report.notes.push(...targets.notes);
  if (kube && correlationFailures.length === 0) {
    // Which add-ons (CNI, mesh, Karpenter, admission) the layered actions can use.
    report.notes.push(await detectClusterApis(kube).then(describeClusterApis, (error: unknown) => `cluster APIs not detected: ${describeError(error)}`));
  }
  logger.info('finding correlated', { decision: verdict.decision, pods: targets.pods.length, nodes: targets.nodes.length, roles: targets.roles.length });

  // 4. Contain.
  const context: ActionContext = {
    incidentId,
    finding,
    targets,
    kube,
    adapters,
    config: deps.config,
    now,
    logger,
    allowProtected: options.allowProtected === true,
  };
  const gate = { mode: options.mode, decision: verdict.decision };
  // Contained when the containment phase ends (its actions run side by side), if it changed
  // anything: evidence taken before it, or preservation after it, neither contains nor delays.
  const containmentEnded = (phase: ActionPhase, records: ActionRecord[]) => {
    if (phase === 'containment' && records.some((action) => action.status === 'done')) report.containedAt = (deps.now?.() ?? new Date()).toISOString();
  };
  const containment = correlationFailures.length ? [] : await runActions(actions, context, gate, containmentEnded);
  report.actions = [...correlationFailures, ...containment];

  // 5. Notify, whatever happened above.
  const notifications = await runActions([...NOTIFICATION_ACTIONS], { ...context, report: { ...report } }, gate);
  report.actions.push(...notifications);
  logger.info('incident handled', { actions: report.actions.map((action) => `${action.action}:${action.status}`) });
  return report;
}

export function hasFailures(report: IncidentReport): boolean {
  return report.actions.some((action) => action.status === 'failed');
}
