import { ActionFailedError, describeError } from './errors';
import type { Finding, IncidentReport } from './model';
import { hasFailures, respond, type PipelineDeps, type RespondOptions } from './pipeline';
import { normalizeEvent } from './sources';

export interface HandleOptions extends RespondOptions {
  /** The Lambda context's remaining time: how long this invocation holds a delivery before a duplicate may take over. */
  remainingTimeMs?: () => number;
}

/**
 * What makes two deliveries the same: the incident, its severity and its workload, and the mode
 * they were handled in. A re-published finding with a higher severity or a new workload, or the
 * same finding after the deployment switched to enforce, is handled again (and may escalate);
 * the per-target claims and markers keep what was already done from being done twice.
 */
export function deliveryKey(finding: Finding, options: RespondOptions): Record<string, unknown> {
  return {
    incidentKey: finding.incidentKey,
    severity: finding.severity,
    workload: finding.workload ?? null,
    user: finding.kubernetesUser?.username ?? null,
    mode: options.mode,
  };
}

/** The stored report of the first delivery, every action marked as skipped: nothing was done or sent this time. */
function asDuplicate(report: IncidentReport): IncidentReport {
  const handled = `already handled (incident ${report.incidentId})`;
  return {
    ...report,
    reason: `duplicate delivery, ${handled}: ${report.reason}`,
    actions: report.actions.map((action) => ({ action: action.action, target: action.target, status: 'skipped', detail: `${handled}: was ${action.status}: ${action.detail}` })),
    notes: [...report.notes, 'duplicate delivery: nothing changed and nothing sent; the actions are those of the first delivery'],
  };
}

/**
 * One EventBridge event through the pipeline, as every Lambda trigger and `eks-responder
 * respond` run it. Bad input throws BadInputError (never retried); a failed action throws a
 * retryable ActionFailedError after the report and notifications are out, so the platform
 * retries (actions are idempotent) and the failure destination keeps the event. With
 * IDEMPOTENCY_TABLE, a duplicate delivery returns the first one's report without acting; a
 * duplicate arriving while the first is still running throws a retryable ConcurrentDeliveryError.
 */
export async function handleEvent(event: unknown, options: HandleOptions, deps: PipelineDeps): Promise<IncidentReport[]> {
  return handleEvents([event], options, deps);
}

/** Why a response that read ahead stops before acting: the delivery is not this invocation's to handle. */
class NotTheFirstDelivery extends Error {}

async function handleOnce(finding: Finding, options: HandleOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const dedup = deps.adapters.dedup;
  if (!dedup) return respond(finding, options, deps);
  // The response starts reading (the cluster, the workload) while the delivery is looked up,
  // and acts only once it turns out to be the first: the lookup costs no round trip of its own.
  let admit!: () => void;
  let refuse!: (reason: Error) => void;
  const admitted = new Promise<void>((resolve, reject) => ([admit, refuse] = [resolve, reject]));
  admitted.catch(() => undefined);
  const responding = respond(finding, { ...options, admitted }, deps);
  responding.catch(() => undefined);
  let outcome: { result: IncidentReport; duplicate: boolean };
  try {
    outcome = await dedup.once(
      deliveryKey(finding, options),
      () => {
        admit();
        return responding;
      },
      {
        // A failed action must be retried: that report is not the delivery's answer.
        store: (report) => !hasFailures(report),
        remainingTimeMs: options.remainingTimeMs?.(),
      },
    );
  } finally {
    // A duplicate, or a lookup that failed: what was read ahead is dropped, nothing was done.
    refuse(new NotTheFirstDelivery('not the first delivery'));
  }
  const { result, duplicate } = outcome;
  if (!duplicate) return result;
  const report = asDuplicate({ ...result, source: finding.source, findingId: finding.findingId });
  // Still on record: who sent it again (a Security Hub copy, a re-publication) and when.
  await deps.adapters.incidentLog?.record(report, deps.now?.() ?? new Date(), { duplicate: true }).catch((error: unknown) => {
    deps.logger.error('duplicate delivery not recorded', { incidentId: report.incidentId, error: describeError(error) });
  });
  return report;
}

/** Several events (a replayed get-findings document): all parsed first, so a malformed one stops them all untouched. */
export async function handleEvents(events: unknown[], options: HandleOptions, deps: PipelineDeps): Promise<IncidentReport[]> {
  const findings = events.flatMap(normalizeEvent);
  const reports: IncidentReport[] = [];
  for (const finding of findings) reports.push(await handleOnce(finding, options, deps));
  return reports;
}

/** After every finding of the event was handled: one retryable error naming each failed action. */
export function raiseOnFailure<T extends IncidentReport | IncidentReport[]>(result: T): T {
  const reports: IncidentReport[] = Array.isArray(result) ? result : [result as IncidentReport];
  const failed = reports.filter(hasFailures).map((report) => {
    const actions = report.actions.filter((action) => action.status === 'failed').map((action) => `${action.action} ${action.target}: ${action.detail}`);
    return `incident ${report.incidentId}: ${actions.join('; ')}`;
  });
  if (failed.length) throw new ActionFailedError(failed.join(' | '), { retryable: true });
  return result;
}
