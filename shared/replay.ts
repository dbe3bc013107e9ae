// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import type { QueuePort, ReceivedMessage } from './adapters/ports';
import { BadInputError, describeError } from './errors';
import { handleEvent } from './handle-event';
import { runManualPlaybook } from './manual-invocation';
import type { IncidentReport, Mode } from './model';
import { hasFailures, type PipelineDeps } from './pipeline';
import { parseJsonText } from './sources';
import { parseWith } from './sources/parse';

/**
 * `eks-responder replay --from-dlq`: takes failed events off a failure queue and runs each through
 * the code path that failed (the EventBridge handler's, or the manual playbook's). A message is
 * deleted only once its replay succeeded with something done: never in plan mode, never when an
 * action failed or the message cannot be read. Kept messages become visible again at the end.
 */

/** How the event reached the queue: a Lambda on-failure destination record, or an EventBridge dead letter (the event itself). */
export type FailedEventShape = 'lambda-destination' | 'eventbridge-dead-letter';

export interface FailedEvent {
  shape: FailedEventShape;
  /** What the function was given: an EventBridge event, or a manual playbook request. */
  payload: unknown;
  /** Why it failed, as the queue recorded it. */
  originalError?: string;
}

export interface ReplayResult {
  messageId: string;
  /** deleted: replayed and removed; planned: plan mode, kept; failed: kept, with the reason. */
  status: 'deleted' | 'planned' | 'failed';
  detail: string;
  shape?: FailedEventShape;
  originalError?: string;
  reports: IncidentReport[];
}

export interface ReplayOptions {
  mode: Mode;
  /** Messages to take at most. */
  max: number;
}

/** Long enough for a whole run: a message taken stays hidden until it is deleted or released at the end. */
const HIDE_SECONDS = 900;

// Built on first parse (`z.lazy`), not at import: only a replay builds it.
const destinationSchema = z.lazy(() =>
  z.object({
    requestContext: z.object({ functionArn: z.string().optional(), condition: z.string().optional(), approximateInvokeCount: z.number().optional() }),
    requestPayload: z.unknown(),
    responsePayload: z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).nullish(),
  }),
);

export function parseFailedEvent(message: ReceivedMessage): FailedEvent {
  const document = parseJsonText(message.body, `message ${message.messageId}`);
  if (document && typeof document === 'object' && 'requestContext' in document && 'requestPayload' in document) {
    const record = parseWith(destinationSchema, document, 'Lambda destination record');
    const { errorType, errorMessage } = record.responsePayload ?? {};
    const { condition, approximateInvokeCount } = record.requestContext;
    const error = errorType || errorMessage ? `${errorType ?? 'Error'}: ${errorMessage ?? ''}`.trim() : undefined;
    const attempts = approximateInvokeCount === undefined ? '' : ` after ${approximateInvokeCount} attempts`;
    return { shape: 'lambda-destination', payload: record.requestPayload, originalError: [condition && `${condition}${attempts}`, error].filter(Boolean).join(': ') || undefined };
  }
  const { ERROR_CODE: code, ERROR_MESSAGE: text } = message.attributes;
  return { shape: 'eventbridge-dead-letter', payload: document, originalError: code || text ? [code, text].filter(Boolean).join(': ') : undefined };
}

function isManualRequest(payload: unknown): payload is Record<string, unknown> {
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'playbook' in payload;
}

/** The same entry points the functions use; a manual request runs in the replay's mode, not the one it asked for. */
async function redrive(payload: unknown, mode: Mode, deps: PipelineDeps): Promise<IncidentReport[]> {
  if (isManualRequest(payload)) return runManualPlaybook({ ...payload, mode }, mode, deps);
  return handleEvent(payload, { mode }, deps);
}

function summary(reports: IncidentReport[]): string {
  return reports
    .map((report) => {
      const actions = report.actions.map((action) => `${action.action} ${action.status}`).join(', ');
      return `incident ${report.incidentId}: ${report.decision}${actions ? ` (${actions})` : ''}`;
    })
    .join('; ');
}

async function replayOne(queue: QueuePort, message: ReceivedMessage, options: ReplayOptions, deps: PipelineDeps): Promise<ReplayResult> {
  const base = { messageId: message.messageId, reports: [] as IncidentReport[] };
  let event: FailedEvent;
  try {
    event = parseFailedEvent(message);
  } catch (error) {
    return { ...base, status: 'failed', detail: `cannot read the message: ${describeError(error)}` };
  }
  const described = { ...base, shape: event.shape, ...(event.originalError ? { originalError: event.originalError } : {}) };
  let reports: IncidentReport[];
  try {
    reports = await redrive(event.payload, options.mode, deps);
  } catch (error) {
    const kind = error instanceof BadInputError ? 'bad input' : 'error';
    return { ...described, status: 'failed', detail: `${kind}: ${describeError(error)}` };
  }
  const failed = reports.flatMap((report) => report.actions.filter((action) => action.status === 'failed').map((action) => `${action.action} ${action.target}: ${action.detail}`));
  if (reports.some(hasFailures)) return { ...described, reports, status: 'failed', detail: `action failed: ${failed.join('; ')}` };
  if (options.mode === 'plan') return { ...described, reports, status: 'planned', detail: `plan mode, nothing done: ${summary(reports)}` };
  try {
    await queue.delete(message);
  } catch (error) {
    // Replayed, but still queued: a later replay finds the work done (actions are idempotent).
    return { ...described, reports, status: 'failed', detail: `replayed (${summary(reports)}) but not deleted: ${describeError(error)}` };
  }
  return { ...described, reports, status: 'deleted', detail: summary(reports) };
}

export async function replayFailedEvents(queue: QueuePort, options: ReplayOptions, deps: PipelineDeps, onResult: (result: ReplayResult) => void = () => undefined): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const seen = new Set<string>();
  const toRelease: ReceivedMessage[] = [];
  while (results.length < options.max) {
    const batch = await queue.receive(options.max - results.length, HIDE_SECONDS);
    // A message seen earlier in this run (its hiding ran out) is left for the next run.
    const fresh = batch.filter((message) => !seen.has(message.messageId));
    toRelease.push(...batch.filter((message) => seen.has(message.messageId)));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.messageId);
      const result = await replayOne(queue, message, options, deps);
      if (result.status !== 'deleted') toRelease.push(message);
      results.push(result);
      onResult(result);
    }
  }
  // Kept messages are visible again at once for the next run; if releasing fails they reappear when their hiding ends.
  const released = await Promise.allSettled(toRelease.map((message) => queue.release(message)));
  for (const outcome of released) if (outcome.status === 'rejected') deps.logger.warn('kept message not released', { error: describeError(outcome.reason) });
  return results;
}

export function renderReplayResult(result: ReplayResult): string {
  const status = { deleted: 'deleted', planned: 'kept (plan)', failed: 'kept' }[result.status];
  const origin = result.shape ? ` [${result.shape}${result.originalError ? `, first failure: ${result.originalError}` : ''}]` : '';
  return `${status.padEnd(11)} ${result.messageId}${origin}: ${result.detail}`;
}
