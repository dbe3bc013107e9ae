import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per process; the incident and finding ids are appended per event. The level is,
 * in order: an explicit request (`--verbose`), POWERTOOLS_LOG_LEVEL, then the caller's default.
 */
export function createLogger(options: { logLevel?: string; defaultLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: 'eks-responder',
    logLevel: (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? options.defaultLevel ?? 'INFO') as 'INFO',
  });
}
