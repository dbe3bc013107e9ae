import { backOff } from 'exponential-backoff';

export interface RetryOptions {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** Bounded: 5 attempts with full jitter waits at most ~3.5 s before the call is reported failed. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 5, firstDelayMs: 100, maxDelayMs: 1500 };

/** Retry transient failures (throttling, 5xx, network) with jittered exponential backoff. */
export function withRetry<T>(call: () => Promise<T>, isTransient: (error: unknown) => boolean, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  return backOff(call, {
    numOfAttempts: options.attempts,
    startingDelay: options.firstDelayMs,
    maxDelay: options.maxDelayMs,
    jitter: 'full',
    retry: (error) => isTransient(error),
  });
}
