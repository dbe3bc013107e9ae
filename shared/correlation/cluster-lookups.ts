import type { EksPort, KubeServiceAccount, KubernetesPort, PodIdentityAssociation } from '../adapters/ports';
import { describeError } from '../errors';
import type { Finding } from '../model';
import { toWorkloadKind } from './workload-kind';

/** A lookup's answer, or what it fell back to and why. */
export interface Settled<T> {
  value: T;
  error?: string;
}

/** Who holds which IAM role in the cluster: needed for every affected pod, whichever it is. */
export interface ClusterLookups {
  associations: Promise<Settled<PodIdentityAssociation[]>>;
  serviceAccounts: Promise<Settled<KubeServiceAccount[]>>;
  nodegroupRoles: Promise<Settled<string[]>>;
}

const settle = <T>(lookup: Promise<T>, fallback: T): Promise<Settled<T>> =>
  lookup.then(
    (value) => ({ value }),
    (error: unknown) => ({ value: fallback, error: describeError(error) }),
  );

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The namespace whose pods a finding is about, when it names a workload or a service account. */
export function affectedNamespace(finding: Finding): string | undefined {
  const { workload } = finding;
  if (workload) return toWorkloadKind(workload.kind) ? workload.namespace || undefined : undefined;
  return SERVICE_ACCOUNT_USER.exec(finding.kubernetesUser?.username ?? '')?.[1];
}

/**
 * Starts, all at once, the lookups that do not depend on which pods are affected, so they run
 * alongside the first read instead of after it: Pod Identity associations, every service
 * account (the IRSA annotations) and node group roles, plus the namespace's NetworkPolicies,
 * which isolating its pods reads next (kept by the invocation's read cache).
 */
export function startClusterLookups(context: { kube: KubernetesPort; eks: EksPort; cluster: string; region: string }, namespace: string): ClusterLookups {
  void context.kube.listNetworkPolicies(namespace).catch(() => undefined);
  return {
    associations: settle(context.eks.listPodIdentityAssociations(context.cluster, context.region), []),
    serviceAccounts: settle(context.kube.listServiceAccounts(), []),
    nodegroupRoles: settle(context.eks.listNodegroupRoles(context.cluster, context.region), []),
  };
}
