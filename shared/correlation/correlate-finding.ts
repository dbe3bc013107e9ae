import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters, KubernetesPort } from '../adapters/ports';
import { CorrelationError, describeError } from '../errors';
import type { ActionRecord, Finding, Targets } from '../model';
import { cacheReadsForInvocation } from './invocation-cache';
import { resolveTargets } from './resolve-targets';

export interface Correlation {
  targets: Targets;
  /** Reads cached for this invocation; absent when the finding names no cluster or it could not be reached. */
  kube?: KubernetesPort;
  /** Why correlation did not complete: `skipped` when retrying cannot help, `failed` when it may. */
  failure?: ActionRecord;
}

const NO_TARGETS: Targets = { pods: [], nodes: [], roles: [], notes: [] };

/** Connects to the finding's cluster and resolves its targets; a failure is recorded, never thrown. */
export async function correlateFinding(
  finding: Finding,
  options: { adapters: Adapters; protectedNamespaces: string[]; allowProtected: boolean; logger: Logger },
): Promise<Correlation> {
  if (!finding.cluster) return { targets: NO_TARGETS };
  try {
    const kube = cacheReadsForInvocation(await options.adapters.connector.connect(finding.cluster.name, finding.region));
    const targets = await resolveTargets({
      finding,
      cluster: finding.cluster.name,
      region: finding.region,
      kube,
      eks: options.adapters.eks,
      protectedNamespaces: options.protectedNamespaces,
      allowProtected: options.allowProtected,
    });
    return { targets, kube };
  } catch (error) {
    // A cluster that does not exist (deleted, or a GuardDuty sample) will not appear on retry: note it.
    const final = error instanceof CorrelationError && !error.retryable;
    options.logger[final ? 'warn' : 'error']('correlation failed', { error: describeError(error), retryable: !final });
    return {
      targets: NO_TARGETS,
      failure: { action: 'correlate', target: `cluster ${finding.cluster.name}`, status: final ? 'skipped' : 'failed', detail: describeError(error) },
    };
  }
}
