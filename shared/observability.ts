import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per process; the incident and finding ids are appended per event. */
export function createLogger(options: { logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: 'eks-responder',
    logLevel: (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as 'INFO',
  });
}
