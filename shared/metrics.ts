import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { IncidentReport } from './model';

/**
 * CloudWatch metrics of the Lambda functions, written as Embedded Metric Format lines to standard
 * output (CloudWatch Logs turns them into metrics). serverless.yml alarms on them: keep the names
 * here and there in step.
 */
export const METRICS_NAMESPACE = 'eks-responder';
/** Powertools adds it as the `service` dimension of every metric. */
export const METRICS_SERVICE = 'eks-responder';

export const METRIC_NAMES = {
  /** One per finding a function handled (ignored ones included). */
  findingsReceived: 'FindingsReceived',
  /** Findings that became an incident: decision respond or notify. */
  incidents: 'Incidents',
  /** Action records, with the dimensions `action` and `status` (planned, done, skipped, failed). */
  actions: 'Actions',
  /** From the finding's creation to the end of the last containment action that changed something. */
  timeToContain: 'TimeToContainSeconds',
  /** Emitted when the circuit breaker opens; serverless.yml alarms on it. */
  circuitOpen: 'CircuitOpen',
} as const;

/** Powertools metrics are needed only when an invocation ends: they load while it runs, not at module init. */
export async function createMetrics(): Promise<Metrics> {
  const { Metrics } = await import('@aws-lambda-powertools/metrics');
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
}

/** Seconds from the finding's creation to containment, when the finding says when and something was contained. */
export function timeToContainSeconds(report: IncidentReport): number | undefined {
  if (!report.findingCreatedAt || !report.containedAt) return undefined;
  const seconds = (Date.parse(report.containedAt) - Date.parse(report.findingCreatedAt)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Adds one report's metrics; the per-action counts go out at once, each with its own dimensions. */
export function recordReport(metrics: Metrics, report: IncidentReport): void {
  metrics.addMetric(METRIC_NAMES.findingsReceived, 'Count', 1);
  if (report.decision !== 'ignore') metrics.addMetric(METRIC_NAMES.incidents, 'Count', 1);
  const counts = new Map<string, { action: string; status: string; count: number }>();
  for (const { action, status } of report.actions) {
    const key = JSON.stringify([action, status]);
    const entry = counts.get(key) ?? { action, status, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  for (const { action, status, count } of counts.values()) {
    metrics.singleMetric().addDimensions({ action, status }).addMetric(METRIC_NAMES.actions, 'Count', count);
  }
  const seconds = timeToContainSeconds(report);
  if (seconds !== undefined) metrics.addMetric(METRIC_NAMES.timeToContain, 'Seconds', seconds);
}

/**
 * Runs one invocation and publishes the metrics of every report it produced, also when it then
 * fails (the caller raises for failed actions after this returns).
 */
export async function withMetrics<T extends IncidentReport | IncidentReport[]>(run: () => Promise<T>, metrics?: Metrics): Promise<T> {
  const ready = metrics ? Promise.resolve(metrics) : createMetrics();
  // Awaited once the run ends; a failure to load meanwhile is not unhandled.
  ready.catch(() => undefined);
  const outcome = await run().then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  // A run's own error outranks metrics that could not load.
  const published = await ready.catch((error: unknown) => {
    throw outcome.ok ? error : outcome.error;
  });
  try {
    if (outcome.ok) for (const report of ([] as IncidentReport[]).concat(outcome.result)) recordReport(published, report);
  } finally {
    // Bad input produces no report: nothing to publish, and no "no metrics" warning either.
    if (published.hasStoredMetrics()) published.publishStoredMetrics();
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}
