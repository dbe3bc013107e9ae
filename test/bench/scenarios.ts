// Full quarantines on the real argocd GuardDuty finding, pod-level and Deployment-level, and on
// the pod as Runtime Monitoring reports it (with its node's instance), each in a fresh handler
// process (cold) and in one that has already quarantined another workload (warm, warm-up.ts);
// and every playbook through the manual-playbook function.
import type { PlaybookName } from '../../shared/playbooks/registry';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { NODES as SCENARIO_NODES } from '../support/cluster-scenario';
import { startSandbox, TOPIC_ARN, type Sandbox } from '../support/sandbox';
import type { Bundle } from './bundles';
import { seedClusterNodes } from './cluster-size';
import { invocationFigures, type InvocationFigures } from './figures';
import { HandlerProcess, type ActionSummary, type InvocationOutcome } from './handler-process';
import { COLD_ONLY, minimumCalls, type Level } from './minimums';
import { connectionsSince, mark, requestsSince } from './requests';
import { seedWarmUpWorkload, warmUp, WARM_UP_DEPLOYMENT_QUARANTINE, WARM_UP_QUARANTINE } from './warm-up';

const SLACK_SECRET = 'eks-responder/slack';

/** The responder's Lambda configuration: enforce, SNS topic and Slack webhook from Secrets Manager. */
export function functionEnv(): Record<string, string | undefined> {
  const { SLACK_WEBHOOK_URL: _plain, KUBECONFIG: _kubeconfig, ...env } = process.env;
  return {
    ...env,
    RESPONSE_MODE: 'enforce',
    NOTIFY_TOPIC_ARN: TOPIC_ARN,
    SLACK_WEBHOOK_SECRET_ID: SLACK_SECRET,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // Metrics go to stdout as EMF in Lambda; here they would bury the figures.
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** `withTables`: also the deployment's DynamoDB tables, at the same latency; `clusterNodes`: that many more nodes (cluster-size.ts). */
export async function benchSandbox(latencyMs: number, withTables = false, clusterNodes = 0): Promise<Sandbox> {
  const sandbox = await startSandbox({ latencyMs, withoutSlack: true, withTables });
  sandbox.aws.addSecret(SLACK_SECRET, sandbox.aws.slackWebhookUrl);
  seedWarmUpWorkload(sandbox);
  seedClusterNodes(sandbox, clusterNodes);
  return sandbox;
}

interface Workload {
  /** How the tables name it. */
  name: string;
  level: Level;
  finding: (id: string) => string;
  pods: string[];
}

/** High severity so the default policy responds; the sample itself is Medium. */
const POD_FINDING: Workload = { name: 'pod-level', level: 'pod', finding: (id) => argocdFinding({ severity: 8, id }), pods: ['argocd/privileged-pod'] };

const WORKLOADS: Workload[] = [
  POD_FINDING,
  {
    name: 'deployment-level',
    level: 'deployment',
    // Derived: public samples hold no Deployment-level EKS finding (events/PROVENANCE.md, "Gaps").
    finding: (id) => argocdFinding({ severity: 8, id, workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } }),
    pods: ['web/frontend-7d4b9c8f6-x2k4p', 'web/frontend-7d4b9c8f6-q8n3v', 'web/frontend-7d4b9c8f6-m5t7z'],
  },
  {
    // Derived: the same pod as Runtime Monitoring reports it, with the instance its agent runs
    // on (the node's); public samples hold no EKS Runtime Monitoring finding (events/PROVENANCE.md, "Gaps").
    name: 'pod-level, Runtime Monitoring',
    level: 'pod',
    finding: (id) => argocdFinding({ severity: 8, id, instanceId: SCENARIO_NODES.a.instanceId }),
    pods: POD_FINDING.pods,
  },
];

/** The actions a full quarantine of the sandbox's targets must complete; others may skip (an add-on the sandbox lacks). */
const CORE_ACTIONS = ['isolate-pod', 'cordon-node', 'revoke-role-sessions', 'notify'];

/**
 * Handler errors, failed actions and, unless `skippedIsFine` (a burst, where every incident
 * after the first finds its targets contained), core actions that did not end done.
 */
export function problemsOf(outcomes: InvocationOutcome[], skippedIsFine = false): string[] {
  const wrong = (action: ActionSummary) => action.status === 'failed' || (!skippedIsFine && CORE_ACTIONS.includes(action.action) && action.status !== 'done');
  return outcomes.flatMap((outcome) =>
    outcome.ok
      ? outcome.reports.flatMap((report) => report.actions.filter(wrong).map((action) => `${action.action} ${action.target}: ${action.status} ${action.detail}`))
      : [outcome.error],
  );
}

/**
 * A cold start as a whole, so work moved from module init into the first invocation still
 * shows: module init (the handler module's `import()`) plus the first invocation's wall time.
 */
export interface ColdTotal {
  initMs: number;
  firstInvocationMs: number;
  totalMs: number;
}

export interface Measured {
  figures: InvocationFigures;
  minimum: string[];
  /** The critical path of the fastest and of the slowest run (RT): how far the runs spread around the median. */
  criticalPathRange?: [number, number];
  /** Cold runs only: the run with the median total of the runs, not necessarily the one `figures` come from. */
  coldStart?: ColdTotal;
}

interface Measurement {
  bundle: Bundle;
  latencyMs: number;
  /** What the environment handles first, one after the other, when warm. */
  warmUpPayloads?: unknown[];
  event: unknown;
  pods: string[];
  minimum: string[];
  /** Configured with the deployment's DynamoDB tables (claims, circuit breaker, incident log, deliveries). */
  withTables?: boolean;
  /** Nodes added to the sandbox's cluster (cluster-size.ts). */
  clusterNodes?: number;
}

/** One invocation in a fresh process, after `warmUp` when given (a warm environment). */
async function measure({ bundle, latencyMs, warmUpPayloads, event, pods, minimum, withTables, clusterNodes }: Measurement): Promise<Measured> {
  const sandbox = await benchSandbox(latencyMs, withTables, clusterNodes);
  const handler = await HandlerProcess.start(bundle.path, { ...functionEnv(), ...(sandbox.dynamo?.env ?? {}) }).catch(async (error) => {
    await sandbox.stop();
    throw error;
  });
  try {
    if (warmUpPayloads) await warmUp(handler, ...warmUpPayloads);
    const earlier = requestsSince(sandbox, { kubernetes: 0, aws: 0, dynamodb: 0 });
    const since = mark(sandbox);
    const reply = await handler.invoke([event]);
    const record = { invokedAt: reply.invokedAt, requests: requestsSince(sandbox, since), earlier, connections: connectionsSince(sandbox, since), problems: problemsOf(reply.outcomes), gcPauses: reply.gcPauses, cpuMs: reply.cpuMs };
    const figures = invocationFigures(record, latencyMs, pods);
    if (warmUpPayloads) return { figures, minimum };
    const coldStart = { initMs: handler.initMs, firstInvocationMs: reply.wallMs, totalMs: handler.initMs + reply.wallMs };
    return { figures, minimum: [...COLD_ONLY, ...minimum], coldStart };
  } finally {
    await handler.stop();
    await sandbox.stop();
  }
}

export interface QuarantineFigures {
  name: string;
  level: Level;
  cold: Measured;
  warm: Measured;
  /** Warm, with the deployment's tables. */
  tables: Measured;
  /** Deployment-level only: warm after a Deployment-level quarantine too, so its own code has run before. */
  warmAfterDeployment?: Measured;
  /** Warm, in a cluster with `clusterNodes` more nodes (absent with --cluster-nodes 0). */
  warmLargeCluster?: Measured;
}

/**
 * Runs a measurement `repeat` times and keeps the run with the median critical path, so CPU
 * hiccups do not decide the figures, with the fastest and slowest runs' critical paths beside
 * it; a cold start's total is the median of the runs' totals.
 */
async function medianRun(repeat: number, run: () => Promise<Measured>): Promise<Measured> {
  const runs: Measured[] = [];
  for (let index = 0; index < repeat; index += 1) runs.push(await run());
  const middle = <T>(sorted: T[]): T => sorted[Math.floor(sorted.length / 2)];
  const totals = runs.flatMap((measured) => (measured.coldStart ? [measured.coldStart] : []));
  const coldStart = totals.length ? middle(totals.sort((a, b) => a.totalMs - b.totalMs)) : undefined;
  const sorted = runs.sort((a, b) => a.figures.criticalPathRt - b.figures.criticalPathRt);
  const criticalPathRange: [number, number] = [sorted[0].figures.criticalPathRt, sorted[sorted.length - 1].figures.criticalPathRt];
  const median = { ...middle(sorted), criticalPathRange };
  return coldStart ? { ...median, coldStart } : median;
}

export async function quarantineScenarios(guardduty: Bundle, latencyMs: number, repeat: number, clusterNodes: number): Promise<QuarantineFigures[]> {
  const results: QuarantineFigures[] = [];
  for (const [index, { name, level, finding, pods }] of WORKLOADS.entries()) {
    const event = asEventBridgeEvent(finding(`bench-${index}-${level}`));
    const minimum = minimumCalls('quarantine', level);
    const measurement = { bundle: guardduty, latencyMs, event, pods, minimum };
    results.push({
      name,
      level,
      cold: await medianRun(repeat, () => measure(measurement)),
      warm: await medianRun(repeat, () => measure({ ...measurement, warmUpPayloads: [WARM_UP_QUARANTINE] })),
      tables: await medianRun(repeat, () => measure({ ...measurement, warmUpPayloads: [WARM_UP_QUARANTINE], withTables: true })),
      ...(level === 'deployment'
        ? { warmAfterDeployment: await medianRun(repeat, () => measure({ ...measurement, warmUpPayloads: [WARM_UP_QUARANTINE, WARM_UP_DEPLOYMENT_QUARANTINE] })) }
        : {}),
      ...(clusterNodes > 0 ? { warmLargeCluster: await medianRun(repeat, () => measure({ ...measurement, warmUpPayloads: [WARM_UP_QUARANTINE], clusterNodes })) } : {}),
    });
  }
  return results;
}

export interface PlaybookFigures {
  playbook: PlaybookName;
  calls: number;
  minimum: string[];
  criticalPathRt: number;
  problems: string[];
}

/** The playbooks that act on a pod-level finding (the others act on the control plane or on bindings). */
const POD_PLAYBOOKS: PlaybookName[] = ['quarantine', 'isolate-pod', 'cordon-node', 'revoke-role-sessions', 'notify'];

/** Every pod playbook on the pod-level finding, through the manual-playbook function, warm. */
export async function playbookScenarios(manual: Bundle, latencyMs: number): Promise<PlaybookFigures[]> {
  const results: PlaybookFigures[] = [];
  for (const playbook of POD_PLAYBOOKS) {
    const event = asEventBridgeEvent(POD_FINDING.finding(`bench-playbook-${playbook}`));
    const pods = playbook === 'quarantine' || playbook === 'isolate-pod' ? POD_FINDING.pods : [];
    const { figures, minimum } = await measure({
      bundle: manual,
      latencyMs,
      warmUpPayloads: [{ playbook: 'quarantine', event: WARM_UP_QUARANTINE, mode: 'enforce' }],
      event: { playbook, event, mode: 'enforce' },
      pods,
      minimum: minimumCalls(playbook, 'pod'),
    });
    results.push({ playbook, calls: figures.calls.total, minimum, criticalPathRt: figures.criticalPathRt, problems: figures.problems });
  }
  return results;
}
