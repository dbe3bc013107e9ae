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
export async function handleEvent(event: unknown, options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport[]> {
  return handleEvents([event], options, deps);
}

/** Several events (a replayed get-findings document): all parsed first, so a malformed one stops them all untouched. */
export async function handleEvents(events: unknown[], options: RespondOptions, deps: PipelineDeps): Promise<IncidentReport[]> {
  const findings = events.flatMap(normalizeEvent);
  const reports: IncidentReport[] = [];
  for (const finding of findings) reports.push(await respond(finding, options, deps));
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
