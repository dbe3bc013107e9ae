/**
 * One error family. Callers distinguish by `instanceof`: bad input is never retried,
 * a retryable failure is thrown from Lambda so the platform retries and the DLQ keeps it.
 */
export class ResponderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The event or the command line is not something we can act on. */
export class BadInputError extends ResponderError {}

/** Environment or policy configuration is invalid. */
export class ConfigError extends ResponderError {}

/** The finding could not be tied to cluster objects (cluster unreachable, API refused). */
export class CorrelationError extends ResponderError {
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, options);
    this.retryable = options.retryable;
  }
}

/** A playbook action did not complete. */
export class ActionFailedError extends ResponderError {
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, options);
    this.retryable = options.retryable;
  }
}

/** One line for a person: the message of the error and of its causes, no stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`.replace(/\s+/g, ' ').trim();
  }
  return String(error);
}

/** Another invocation is handling the same delivery right now: retry later, when its result is stored. */
export class ConcurrentDeliveryError extends ResponderError {
  readonly retryable = true;
}
