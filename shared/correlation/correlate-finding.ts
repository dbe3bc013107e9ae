import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters, KubernetesPort } from '../adapters/ports';
import { CorrelationError, describeError } from '../errors';
import type { ActionRecord, Finding, Targets } from '../model';
import type { CorrelationNeed } from '../playbooks/action';
import { cacheReadsForInvocation } from './invocation-cache';
import { resolveTargets } from './resolve-targets';

export interface Correlation {
  /** What containment of pods and nodes needs: the pods (no owners, IRSA roles only) and nodes; no roles yet. */
  targets: Targets;
  /** Everything: also the pods' owners and every role (see resolveTargets); `targets` when nothing more is to come. */
  complete: Promise<Targets>;
  /** Reads cached for this invocation; absent when not needed, when the finding names no cluster, or when it could not be reached. */
  kube?: KubernetesPort;
  /** The adapters that act where the finding is: a member account's (its role), or the responder's own. */
  adapters: Adapters;
  /** Why correlation did not complete: `skipped` when retrying cannot help, `failed` when it may. */
  failure?: ActionRecord;
}

const NO_TARGETS: Targets = { pods: [], nodes: [], roles: [], notes: [] };

/**
 * Goes only as far as `need` asks: the account's adapters (`none`), a connection to the cluster
 * (`cluster`), or the workload's pods, nodes and roles (`workload`). A failure is recorded, never thrown.
 */
export async function correlateFinding(
  finding: Finding,
  need: CorrelationNeed,
  options: { adapters: Adapters; protectedNamespaces: string[]; allowProtected: boolean; logger: Logger },
): Promise<Correlation> {
  let adapters = options.adapters;
  try {
    // A member account's finding is acted on in that account; notifications stay the responder's own.
    adapters = (await options.adapters.forAccount?.(finding.account)) ?? options.adapters;
    if (!finding.cluster || need === 'none') return { targets: NO_TARGETS, complete: Promise.resolve(NO_TARGETS), adapters };
    const kube = cacheReadsForInvocation(await adapters.connector.connect(finding.cluster.name, finding.region));
    // Discovery (kept per connection) alongside the first reads: the report and the layered actions ask for it.
    void kube.servedGroupVersions().catch(() => undefined);
    if (need === 'cluster') return { targets: NO_TARGETS, complete: Promise.resolve(NO_TARGETS), kube, adapters };
    const { targets, complete } = await resolveTargets({
      finding,
      cluster: finding.cluster.name,
      region: finding.region,
      kube,
      eks: adapters.eks,
      iam: adapters.iam,
      ec2: adapters.ec2,
      protectedNamespaces: options.protectedNamespaces,
      allowProtected: options.allowProtected,
    });
    return { targets, complete, kube, adapters };
  } catch (error) {
    // A cluster that does not exist (deleted, or a GuardDuty sample) will not appear on retry: note it.
    const final = error instanceof CorrelationError && !error.retryable;
    options.logger[final ? 'warn' : 'error']('correlation failed', { error: describeError(error), retryable: !final });
    const where = finding.cluster ? `cluster ${finding.cluster.name}` : `account ${finding.account}`;
    return { targets: NO_TARGETS, complete: Promise.resolve(NO_TARGETS), adapters, failure: { action: 'correlate', target: where, status: final ? 'skipped' : 'failed', detail: describeError(error) } };
  }
}
