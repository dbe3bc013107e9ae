import type { Ec2Port, EksPort, IamPort, KubeNode, KubePod, KubeServiceAccount, KubernetesPort, PodIdentityAssociation, PodIdentityAssociationSummary } from '../adapters/ports';
import { describeError } from '../errors';
import { REVOKE_POLICY_NAME } from '../markers';
import type { Finding } from '../model';
import { toWorkloadKind } from './workload-kind';

/** A lookup's answer, or what it fell back to and why. */
export interface Settled<T> {
  value: T;
  error?: string;
}

/** Who holds which IAM role in the cluster: needed for every affected pod, whichever it is. */
export interface ClusterLookups {
  /**
   * Every Pod Identity association with its role. The roles of `current` service accounts
   * (`namespace/name`: the affected pods') are read now; the others only say who else holds a
   * role, and may be minutes old.
   */
  associations(current: Set<string>): Promise<Settled<PodIdentityAssociation[]>>;
  serviceAccounts: Promise<Settled<KubeServiceAccount[]>>;
  nodegroupRoles: Promise<Settled<string[]>>;
}

const settle = <T>(lookup: Promise<T>, fallback: T): Promise<Settled<T>> =>
  lookup.then(
    (value) => ({ value }),
    (error: unknown) => ({ value: fallback, error: describeError(error) }),
  );

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The service account the finding's Kubernetes user is (`system:serviceaccount:NS:NAME`), if it is one. */
export function serviceAccountUser(finding: Finding): { namespace: string; name: string } | undefined {
  const match = SERVICE_ACCOUNT_USER.exec(finding.kubernetesUser?.username ?? '');
  return match ? { namespace: match[1], name: match[2] } : undefined;
}

export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

export function instanceIdOf(node: KubeNode | undefined): string | undefined {
  // EC2 nodes: aws:///us-east-1a/i-0123456789abcdef0
  return node?.providerID?.match(/(i-[0-9a-f]{8,17})$/)?.[1];
}

/** The namespace whose pods a finding is about, when it names a workload or a service account. */
export function affectedNamespace(finding: Finding): string | undefined {
  const { workload } = finding;
  if (workload) return toWorkloadKind(workload.kind) ? workload.namespace || undefined : undefined;
  return serviceAccountUser(finding)?.namespace;
}

/** The service account (in `affectedNamespace`) the affected pods run as, when the finding says. */
export function affectedServiceAccount(finding: Finding): string | undefined {
  const { workload } = finding;
  if (workload) return workload.serviceAccount || undefined;
  return serviceAccountUser(finding)?.name;
}

/**
 * Starts, all at once, the lookups that do not depend on which pods are affected, so they run
 * alongside the first read instead of after it: Pod Identity associations, every service
 * account (the IRSA annotations) and node group roles, plus the namespace's NetworkPolicies,
 * which isolating its pods reads next (kept by the invocation's read cache).
 */
export function startClusterLookups(context: { kube: KubernetesPort; eks: EksPort; cluster: string; region: string }, namespace: string): ClusterLookups {
  void context.kube.listNetworkPolicies(namespace).catch(() => undefined);
  const listed = settle(context.eks.listPodIdentityAssociations(context.cluster, context.region), []);
  return {
    associations: (current) =>
      listed.then(({ value, error }) => (error ? { value: [], error } : settle(podIdentityRoles(context.eks, context.cluster, context.region, value, current), []))),
    serviceAccounts: settle(context.kube.listServiceAccounts(), []),
    nodegroupRoles: settle(context.eks.listNodegroupRoles(context.cluster, context.region), []),
  };
}

/** The associations with their roles: those of `current` service accounts (`namespace/name`) read now, the others as recent as the EKS port keeps them. */
export function podIdentityRoles(eks: EksPort, cluster: string, region: string, summaries: PodIdentityAssociationSummary[], current: Set<string>): Promise<PodIdentityAssociation[]> {
  return Promise.all(
    summaries.map(async ({ associationId, namespace, serviceAccount }) => {
      const freshness = current.has(`${namespace}/${serviceAccount}`) ? 'current' : 'recent';
      return { namespace, serviceAccount, roleArn: await eks.podIdentityRole(cluster, region, associationId, freshness) };
    }),
  );
}

/**
 * Starts the read revoke-role-sessions makes first (the role's revocation policy) for each IRSA
 * role the listed service accounts give these pods, so it is answered by the time the action
 * plans. The pod's own service account read stays the authority for its role; a read for a role
 * that turns out different is wasted, nothing more.
 */
export async function readRevocationAhead(iam: IamPort, pods: KubePod[], lookups: ClusterLookups): Promise<void> {
  const { value: accounts } = await lookups.serviceAccounts;
  const roles = new Set<string>();
  for (const pod of pods) {
    const account = accounts.find((item) => item.namespace === pod.namespace && item.name === pod.serviceAccountName);
    const arn = account?.annotations[IRSA_ROLE_ANNOTATION];
    if (arn) roles.add(arn);
  }
  await readRevocations(iam, [...roles]);
}

/** Starts the revocation policy reads of these roles (ARNs); the IAM port shares each answer with revoke-role-sessions' own read. */
export async function readRevocations(iam: IamPort, roleArns: string[]): Promise<void> {
  const names = new Set(roleArns.map((arn) => arn.split('/').pop() ?? arn));
  await Promise.all([...names].map((role) => iam.getRoleInlinePolicy(role, REVOKE_POLICY_NAME).catch(() => undefined)));
}

/**
 * Starts the reads protect-instance makes first (the instance, its termination settings) for
 * the instances behind these pods' nodes, so a controller's instances are read while its pods'
 * ownership is still being confirmed (the EC2 port shares the answers for a short while).
 */
export async function readInstancesAhead(kube: KubernetesPort, ec2: Ec2Port, region: string, pods: KubePod[]): Promise<void> {
  const names = new Set(pods.map((pod) => pod.nodeName).filter((name): name is string => Boolean(name)));
  const nodes = await Promise.all([...names].map((name) => kube.readNode(name).catch(() => undefined)));
  await readInstances(ec2, region, nodes.map(instanceIdOf).filter((id): id is string => Boolean(id)));
}

/** Starts protect-instance's reads of these instances (the instance, its termination settings); the EC2 port shares the answers with the action's own reads. */
export async function readInstances(ec2: Ec2Port, region: string, instanceIds: string[]): Promise<void> {
  await Promise.all([...new Set(instanceIds)].flatMap((id) => [ec2.describeInstance(region, id).catch(() => undefined), ec2.terminationSettings(region, id).catch(() => undefined)]));
}
