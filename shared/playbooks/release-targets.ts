import type { EksPort, IncidentRecord, KubePod, KubernetesPort } from '../adapters/ports';
import { IRSA_ROLE_ANNOTATION, podIdentityRoles } from '../correlation/cluster-lookups';
import { instanceIdOf, resolveTargets } from '../correlation/resolve-targets';
import { CORDONED_BY_ANNOTATION, QUARANTINE_LABEL } from '../markers';
import type { Finding, NodeTarget, PodTarget, RoleTarget, Targets } from '../model';

export interface ReleaseDiscovery {
  targets: Targets;
  namespaces: string[];
  recorded: Map<string, unknown>;
}

/** The before-states the incident log holds, by `<action> <target>`; the latest completed action wins. */
function recordedBefore(record: IncidentRecord | undefined): Map<string, unknown> {
  const recorded = new Map<string, unknown>();
  for (const entry of record?.timeline ?? []) {
    if (entry.kind === 'action' && entry.status === 'done' && entry.before !== undefined) recorded.set(`${entry.action} ${entry.target}`, entry.before);
  }
  return recorded;
}

function recordedTargets(record: IncidentRecord | undefined, action: string, prefix: string): string[] {
  const done = (record?.timeline ?? []).filter((entry) => entry.kind === 'action' && entry.action === action && entry.status === 'done' && entry.target?.startsWith(prefix));
  return [...new Set(done.map((entry) => (entry.target ?? '').slice(prefix.length)))];
}

/** The Pod Identity roles of the released pods' service accounts (`namespace/name`), read now. */
async function releasedPodIdentityRoles(eks: EksPort, cluster: string, region: string, released: Set<string>) {
  const listed = await eks.listPodIdentityAssociations(cluster, region);
  return podIdentityRoles(eks, cluster, region, listed.filter((association) => released.has(`${association.namespace}/${association.serviceAccount}`)), released);
}

function podTarget(pod: KubePod): PodTarget {
  return { namespace: pod.namespace, pod: pod.name, uid: pod.uid, labels: pod.labels, node: pod.nodeName, serviceAccount: pod.serviceAccountName, owners: [] };
}

/**
 * What a release undoes, found from the markers on the objects (so it works without any table)
 * and, when there is one, from the incident log: the pods carrying the incident's quarantine
 * label, the nodes its annotation says it cordoned, and the roles it revoked (recorded, or behind
 * the pods' service accounts). `onlyPod` narrows a release to one pod and its node.
 */
export async function discoverRelease(options: {
  incidentId: string;
  cluster: string;
  region: string;
  kube: KubernetesPort;
  eks: EksPort;
  record?: IncidentRecord;
  onlyPod?: { namespace: string; pod: string };
  /** The finding released, when known: its workload leads to its roles once the pods carry no marker. */
  finding?: Finding;
}): Promise<ReleaseDiscovery> {
  const { incidentId, kube, record, onlyPod } = options;
  const [labelled, allNodes] = await Promise.all([kube.listPods(undefined, { labelSelector: `${QUARANTINE_LABEL}=${incidentId}` }), kube.listNodes()]);
  const pods = labelled.filter((pod) => !onlyPod || (pod.namespace === onlyPod.namespace && pod.name === onlyPod.pod));
  const podNodes = new Set(pods.map((pod) => pod.nodeName));
  const nodes: NodeTarget[] = allNodes
    .filter((node) => node.annotations[CORDONED_BY_ANNOTATION] === incidentId && (!onlyPod || podNodes.has(node.name)))
    .map((node) => ({ name: node.name, instanceId: instanceIdOf(node), pods: pods.filter((pod) => pod.nodeName === node.name).map((pod) => `${pod.namespace}/${pod.name}`), why: 'hosts-affected-pod' }));

  // Roles: those the log says were revoked, else those behind the released pods' service accounts.
  let arns = onlyPod ? [] : recordedTargets(record, 'revoke-role-sessions', 'role ');
  if (arns.length === 0) {
    const released = new Set(pods.map((pod) => `${pod.namespace}/${pod.serviceAccountName}`));
    const [accounts, associations] = await Promise.all([
      Promise.all(pods.map((pod) => kube.readServiceAccount(pod.namespace, pod.serviceAccountName))),
      pods.length ? releasedPodIdentityRoles(options.eks, options.cluster, options.region, released).catch(() => []) : Promise.resolve([]),
    ]);
    arns = [
      ...accounts.map((account) => account?.annotations[IRSA_ROLE_ANNOTATION]),
      ...pods.map((pod) => associations.find((item) => item.namespace === pod.namespace && item.serviceAccount === pod.serviceAccountName)?.roleArn),
    ].filter((arn): arn is string => Boolean(arn));
  }
  if (arns.length === 0 && options.finding) {
    // Pods already released (a second release, to lift the revocation): correlate the finding as the quarantine did.
    const correlated = await resolveTargets({ finding: options.finding, cluster: options.cluster, region: options.region, kube, eks: options.eks, protectedNamespaces: [], allowProtected: true })
      .then((resolution) => resolution.complete)
      .catch(() => undefined);
    arns = correlated?.roles.map((role) => role.arn) ?? [];
  }
  const roles: RoleTarget[] = [...new Set(arns)].map((arn) => ({ arn, name: arn.split('/').pop() ?? arn, via: 'irsa', serviceAccounts: [], sharedWith: [], isNodeRole: false }));

  const recordedPods = onlyPod ? [] : recordedTargets(record, 'isolate-pod', 'pod ');
  const namespaces = [...new Set([...pods.map((pod) => pod.namespace), ...recordedPods.map((name) => name.split('/')[0]), ...(options.finding?.workload?.namespace ? [options.finding.workload.namespace] : [])])];
  const notes = pods.length || nodes.length ? [] : [`nothing in cluster ${options.cluster} carries the markers of incident ${incidentId}`];
  return { targets: { pods: pods.map(podTarget), nodes, roles, notes }, namespaces, recorded: recordedBefore(record) };
}
