import type { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type ResponderConfig } from './config';
import { createAdapters } from './dependencies';
import { createLogger } from './observability';
import type { PipelineDeps } from './pipeline';
import { policyProvider, ssmParameters } from './policy/source';

let runtime: (PipelineDeps & { config: ResponderConfig; logger: Logger }) | undefined;

/**
 * Configuration, clients and caches for a Lambda execution environment: built on the first
 * invocation, reused by every warm one. A bad configuration or policy fails every invocation loudly.
 */
export function lambdaRuntime(): PipelineDeps {
  if (!runtime) {
    const config = loadConfig(process.env, 'lambda');
    const policy = policyProvider({ ssmParameter: config.policySsmParameter }, ssmParameters);
    runtime = { config, logger: createLogger(), adapters: createAdapters(config), policy };
  }
  return runtime;
}
