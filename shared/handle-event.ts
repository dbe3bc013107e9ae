import { ActionFailedError } from './errors';
import type { IncidentReport } from './model';
import { hasFailures, respond, type PipelineDeps, type RespondOptions } from './pipeline';
import { normalizeEvent } from './sources';

/**
 * One EventBridge event through the pipeline, as every Lambda trigger and `eks-responder
 * respond` run it. Bad input throws BadInputError (never retried); a failed action throws a
 * retryable ActionFailedError after the report and notifications are out, so the platform
 * retries (actions are idempotent) and the failure destination keeps the event.
 */
export async function handleEvent(event: unknown, options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const finding = normalizeEvent(event);
  return respond(finding, options, deps);
}

export function raiseOnFailure(report: IncidentReport): IncidentReport {
  if (hasFailures(report)) {
    const failed = report.actions.filter((action) => action.status === 'failed').map((action) => `${action.action} ${action.target}: ${action.detail}`);
    throw new ActionFailedError(`incident ${report.incidentId}: ${failed.join('; ')}`, { retryable: true });
  }
  return report;
}
