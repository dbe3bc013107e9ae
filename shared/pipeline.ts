import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters, KubernetesPort } from './adapters/ports';
import type { ResponderConfig } from './config';
import { describeClusterApis, detectClusterApis } from './correlation/cluster-apis';
import { cacheReadsForInvocation } from './correlation/invocation-cache';
import { resolveTargets } from './correlation/resolve-targets';
import { CorrelationError, describeError } from './errors';
import type { ActionRecord, Finding, IncidentReport, Mode, ReportTarget, Targets } from './model';
import { decide, reviewWithTargets, type Verdict } from './policy/default-policy';
import type { ActionContext } from './playbooks/action';
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

/**
 * The one path every entry point takes (EventBridge handlers, manual Lambda, CLI):
 * 1. decide from the finding alone; 2. correlate with the cluster; 3. review the decision
 * with the targets; 4. run the playbook's actions; 5. notify with the report.
 */
export async function respond(finding: Finding, options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const now = deps.now?.() ?? new Date();
  const incidentId = incidentIdFor(finding.incidentKey);
  const logger = deps.logger.createChild({ persistentLogAttributes: { incidentId, findingId: finding.findingId } });

  // 1. Decide.
  let verdict: Verdict = decide(finding, options.playbook);
  const report: IncidentReport = {
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
    mode: options.mode,
    decision: verdict.decision,
    reason: verdict.reason,
    targets: [],
    actions: [],
    notes: [],
  };
  if (verdict.decision === 'ignore') {
    logger.info('finding ignored', { reason: verdict.reason });
    return report;
  }

  // 2. Correlate.
  let targets = NO_TARGETS;
  let kube: KubernetesPort | undefined;
  const correlationFailures: ActionRecord[] = [];
  if (finding.cluster) {
    try {
      kube = cacheReadsForInvocation(await deps.adapters.connector.connect(finding.cluster.name, finding.region));
      targets = await resolveTargets({
        finding,
        cluster: finding.cluster.name,
        region: finding.region,
        kube,
        eks: deps.adapters.eks,
        protectedNamespaces: deps.config.protectedNamespaces,
        allowProtected: options.allowProtected === true,
      });
    } catch (error) {
      // A cluster that does not exist (deleted, or a GuardDuty sample) will not appear on retry: note it.
      const final = error instanceof CorrelationError && !error.retryable;
      logger[final ? 'warn' : 'error']('correlation failed', { error: describeError(error), retryable: !final });
      correlationFailures.push({ action: 'correlate', target: `cluster ${finding.cluster.name}`, status: final ? 'skipped' : 'failed', detail: describeError(error) });
    }
  }

  // 3. Review the decision now that the targets are known.
  if (correlationFailures.length === 0) verdict = reviewWithTargets(verdict, targets);
  else if (verdict.decision === 'respond') verdict = { ...verdict, decision: 'notify', reason: `cluster not reachable: ${correlationFailures[0].detail}` };
  Object.assign(report, { decision: verdict.decision, reason: verdict.reason, targets: reportTargets(targets), notes: [...targets.notes] });
  if (kube && correlationFailures.length === 0) {
    // Which add-ons (CNI, mesh, Karpenter, admission) the layered actions can use.
    report.notes.push(await detectClusterApis(kube).then(describeClusterApis, (error: unknown) => `cluster APIs not detected: ${describeError(error)}`));
  }
  logger.info('finding correlated', { decision: verdict.decision, pods: targets.pods.length, nodes: targets.nodes.length, roles: targets.roles.length });

  // 4. Contain.
  const context: ActionContext = { incidentId, finding, targets, kube, adapters: deps.adapters, config: deps.config, now, logger };
  const gate = { mode: options.mode, decision: verdict.decision };
  const containment = correlationFailures.length ? [] : await runActions(containmentActionsOf(verdict.playbook, deps.config), context, gate);
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
