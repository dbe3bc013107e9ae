import type { Ec2Port, EksPort, IamPort, KubePod, KubernetesPort, PodIdentityAssociation } from '../adapters/ports';
import {
  affectedNamespace,
  affectedServiceAccount,
  instanceIdOf,
  IRSA_ROLE_ANNOTATION,
  readInstances,
  readInstancesAhead,
  readRevocationAhead,
  readRevocations,
  serviceAccountUser,
  startClusterLookups,
  type ClusterLookups,
  type Settled,
} from './cluster-lookups';
import { hintedRoles, rememberIrsaRoles, rememberPodIdentityRoles } from './role-hints';
import type { Finding, NodeTarget, OwnerRef, PodTarget, RoleTarget, Targets } from '../model';
import { selectorMatches } from './labels';
import { OWNER_KIND_TO_WORKLOAD, toWorkloadKind, workloadKindName } from './workload-kind';

export interface CorrelationContext {
  finding: Finding;
  cluster: string;
  region: string;
  kube: KubernetesPort;
  eks: EksPort;
  /** When given, each role's revocation policy is read ahead for revoke-role-sessions (see readRevocationAhead). */
  iam?: IamPort;
  /** When given, a controller's instances are read ahead for protect-instance (see readInstancesAhead). */
  ec2?: Ec2Port;
  protectedNamespaces: string[];
  allowProtected: boolean;
}

interface PodSelection {
  pods: KubePod[];
  nodeIdentity?: string;
  notes: string[];
}

const NODE_USER = /^system:node:(.+)$/;

/** The targets in two steps: what containment of pods and nodes needs, then the rest. */
export interface Resolution {
  /** Pods (their IRSA role, no owners yet), nodes; no roles yet: known after the first round trip. */
  targets: Targets;
  /** Also the pods' owners, their Pod Identity roles and every role with who else holds it: a round trip later. */
  complete: Promise<Targets>;
}

/**
 * From a finding to the concrete objects to contain, as GuardDuty's remediation guidance
 * describes it: the named pod, a controller's current pods, a service account's pods, or a node.
 * Everything that does not depend on which pods are affected is read alongside the first read.
 */
export async function resolveTargets(context: CorrelationContext): Promise<Resolution> {
  const { kube } = context;
  const namespace = affectedNamespace(context.finding);
  const cluster = clusterKeyOf(context);
  // Warm: the roles the namespace's service accounts held when an earlier incident looked. Their
  // revocation policies are read with the first round trip instead of after it; the pods' own
  // service accounts still decide which role is revoked.
  if (context.iam && namespace !== undefined) void readRevocations(context.iam, hintedRoles(cluster, { namespace, serviceAccount: affectedServiceAccount(context.finding) }));
  // A Runtime Monitoring finding names the instance the agent saw it on: its reads need not wait
  // for the pod and its node. protect-instance still acts on the instance behind the pod's node.
  if (context.ec2 && context.finding.instanceId) void readInstances(context.ec2, context.region, [context.finding.instanceId]);
  let early: ClusterLookups | undefined;
  // The affected pods' reads go out first: everything else waits for their answer.
  const selecting = selectPods(context, (pods) => {
    // The roles behind the pods' associations, read as soon as the list is in (completeTargets joins these reads).
    void early?.associations(serviceAccountsOf(pods));
    if (context.iam && early) void readRevocationAhead(context.iam, pods, early);
    if (context.ec2) void readInstancesAhead(kube, context.ec2, context.region, pods);
  });
  // One list of the nodes, started with the first read, serves the affected pods' nodes, their
  // instances and, later, the circuit breaker's count (the invocation cache answers from it).
  void kube.listNodes().catch(() => undefined);
  early = namespace === undefined ? undefined : startClusterLookups(context, namespace);
  early?.serviceAccounts.then(({ value, error }) => {
    if (!error) rememberIrsaRoles(cluster, value.map((account) => ({ namespace: account.namespace, serviceAccount: account.name, roleArn: account.annotations[IRSA_ROLE_ANNOTATION] })));
  });
  // Isolation is planned as soon as the pods are in, without first letting the reads just
  // started ahead go out: measured, that keeps a Deployment's isolation under 2 RT, and costs
  // the instance chain (read, then protect), which only an audit-log finding starts here, 0.3 RT.
  const selection = await selecting;
  const lookups = selection.pods.length > 0 ? (early ?? startClusterLookups(context, selection.pods[0].namespace)) : early;
  const pods = await Promise.all(selection.pods.map((pod) => describePod(kube, pod, context)));
  const nodes = await resolveNodes(kube, pods, selection.nodeIdentity);
  const targets: Targets = { pods, nodes, roles: [], notes: [...selection.notes] };
  const complete = completeTargets(kube, selection.pods, targets, lookups, cluster);
  // Heard by whoever awaits it; unawaited, a failure must not end the process.
  complete.catch(() => undefined);
  return { targets, complete };
}

/** Role hints are kept per cluster; clusters in two member accounts may share a name. */
const clusterKeyOf = (context: CorrelationContext) => `${context.finding.account}/${context.region}/${context.cluster}`;

/** `namespace/name` of the pods' service accounts. */
const serviceAccountsOf = (pods: KubePod[]) => new Set(pods.map((pod) => `${pod.namespace}/${pod.serviceAccountName}`));

/** The pods' owners and Pod Identity roles, and every role with who else holds it. */
async function completeTargets(kube: KubernetesPort, selected: KubePod[], targets: Targets, lookups: ClusterLookups | undefined, cluster: string): Promise<Targets> {
  const notes = [...targets.notes];
  const [owners, podIdentity] = await Promise.all([
    Promise.all(selected.map((pod) => ownerChain(kube, pod))),
    lookups ? lookups.associations(serviceAccountsOf(selected)) : ({ value: [] } as Settled<PodIdentityAssociation[]>),
  ]);
  if (podIdentity.error && selected.length > 0) notes.push(`EKS Pod Identity associations not checked: ${podIdentity.error}`);
  if (lookups && !podIdentity.error) rememberPodIdentityRoles(cluster, podIdentity.value);
  const pods = targets.pods.map((pod, index): PodTarget => {
    const association = pod.roleArn ? undefined : podIdentity.value.find((item) => item.namespace === pod.namespace && item.serviceAccount === pod.serviceAccount);
    return { ...pod, owners: owners[index], ...(association?.roleArn ? { roleArn: association.roleArn, roleVia: 'pod-identity' as const } : {}) };
  });
  const roles = lookups ? await resolveRoles(lookups, pods, podIdentity.value, notes) : [];
  return { pods, nodes: targets.nodes, roles, notes };
}

/** `found` hears of pods as soon as they are read, before ownership is confirmed, to start reads ahead. */
async function selectPods(context: CorrelationContext, found: (pods: KubePod[]) => void): Promise<PodSelection> {
  const { finding, kube } = context;
  const workload = finding.workload;
  if (workload) {
    const kind = toWorkloadKind(workload.kind);
    if (!kind) return { pods: [], notes: [`workload type "${workload.kind}" is not a Kubernetes workload type${finding.sample ? ' (GuardDuty sample finding)' : ''}`] };
    if (!workload.namespace) return { pods: [], notes: [`${workload.kind} ${workload.name} has no namespace`] };
    if (kind === 'pods') {
      const pod = await kube.readPod(workload.namespace, workload.name);
      if (pod) found([pod]);
      return pod ? { pods: [pod], notes: [] } : { pods: [], notes: [`pod ${workload.namespace}/${workload.name} not found`] };
    }
    // The namespace's pods are listed alongside the controller and filtered by its selector
    // here: one round trip instead of two (read the controller, then list by its selector).
    // A Deployment's pods are confirmed through their ReplicaSets: listed in the same round
    // trip, ownerChain finds them there (a failed list leaves it to read each one).
    if (kind === 'deployments') void kube.listReplicaSets(workload.namespace).catch(() => undefined);
    const [controller, inNamespace] = await Promise.all([kube.readWorkload(kind, workload.namespace, workload.name), kube.listPods(workload.namespace, {})]);
    if (!controller) return { pods: [], notes: [`${workloadKindName(kind)} ${workload.namespace}/${workload.name} not found`] };
    const selector = controller.selector;
    const candidates = selector ? inNamespace.filter((pod) => selectorMatches(selector, pod.labels)) : inNamespace;
    found(likelyOwnedBy(candidates, controller.name));
    // A selector can also match pods the controller does not own; keep only its own.
    const owned = await filterAsync(candidates, async (pod) => (await ownerChain(kube, pod)).some((owner) => owner.kind === workloadKindName(kind) && owner.name === controller.name));
    return { pods: owned, notes: owned.length ? [] : [`${workloadKindName(kind)} ${workload.namespace}/${workload.name} has no running pods`] };
  }
  const username = finding.kubernetesUser?.username ?? '';
  const serviceAccount = serviceAccountUser(finding);
  if (serviceAccount) {
    const { namespace, name } = serviceAccount;
    const pods = await kube.listPods(namespace, { fieldSelector: `spec.serviceAccountName=${name}` });
    found(pods);
    return { pods, notes: pods.length ? [] : [`no pod runs as service account ${namespace}/${name}`] };
  }
  const node = NODE_USER.exec(username);
  if (node) return { pods: [], nodeIdentity: node[1], notes: [] };
  const who = username ? `user ${username}` : 'no Kubernetes user';
  return { pods: [], notes: [`the finding names no workload, and ${who} is neither a service account nor a node`] };
}

/**
 * Pods that look like the controller's (their owner is named after it, as ReplicaSets and Jobs
 * are), to read ahead for while ownership is confirmed; look-alikes another controller owns are left out.
 */
function likelyOwnedBy(pods: KubePod[], controller: string): KubePod[] {
  return pods.filter((pod) => {
    const owner = pod.ownerReferences.find((reference) => reference.controller) ?? pod.ownerReferences[0];
    return owner !== undefined && (owner.name === controller || owner.name.startsWith(`${controller}-`));
  });
}

async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const verdicts = await Promise.all(items.map(keep));
  return items.filter((_, index) => verdicts[index]);
}

/** Controller chain of a pod, nearest first: ReplicaSet then Deployment, Job then CronJob. */
async function ownerChain(kube: KubernetesPort, pod: KubePod): Promise<OwnerRef[]> {
  const direct = pod.ownerReferences.find((owner) => owner.controller) ?? pod.ownerReferences[0];
  if (!direct) return [];
  const chain: OwnerRef[] = [{ kind: direct.kind, name: direct.name }];
  const kind = OWNER_KIND_TO_WORKLOAD[direct.kind];
  if (kind === 'replicasets' || kind === 'jobs') {
    const owner = await kube.readWorkload(kind, pod.namespace, direct.name);
    const next = owner?.ownerReferences.find((reference) => reference.controller) ?? owner?.ownerReferences[0];
    if (next) chain.push({ kind: next.kind, name: next.name });
  }
  return chain;
}

export { instanceIdOf };

function protectedNamespaceReason(namespace: string, context: CorrelationContext): string | undefined {
  if (context.allowProtected || !context.protectedNamespaces.includes(namespace)) return undefined;
  return `namespace ${namespace} is protected`;
}

/** What the first round trip tells of a pod: its node (from the node list), instance and service account's IRSA role. */
async function describePod(kube: KubernetesPort, pod: KubePod, context: CorrelationContext): Promise<PodTarget> {
  const [node, account] = await Promise.all([pod.nodeName ? kube.readNode(pod.nodeName) : Promise.resolve(undefined), kube.readServiceAccount(pod.namespace, pod.serviceAccountName)]);
  const irsaRole = account?.annotations[IRSA_ROLE_ANNOTATION];
  return {
    namespace: pod.namespace,
    pod: pod.name,
    uid: pod.uid,
    labels: pod.labels,
    node: pod.nodeName,
    instanceId: instanceIdOf(node),
    serviceAccount: pod.serviceAccountName,
    owners: [],
    roleArn: irsaRole,
    roleVia: irsaRole ? 'irsa' : undefined,
    protectedReason: protectedNamespaceReason(pod.namespace, context),
  };
}

async function resolveNodes(kube: KubernetesPort, pods: PodTarget[], nodeIdentity: string | undefined): Promise<NodeTarget[]> {
  const nodes = new Map<string, NodeTarget>();
  for (const pod of pods) {
    if (!pod.node) continue;
    const target = nodes.get(pod.node) ?? { name: pod.node, instanceId: pod.instanceId, pods: [], why: 'hosts-affected-pod' as const };
    target.pods.push(`${pod.namespace}/${pod.pod}`);
    nodes.set(pod.node, target);
  }
  for (const target of nodes.values()) {
    // A node is spared only when every affected pod on it is protected.
    const onNode = pods.filter((pod) => pod.node === target.name);
    if (onNode.every((pod) => pod.protectedReason)) target.protectedReason = `hosts only protected pods (${onNode[0].protectedReason})`;
  }
  if (nodeIdentity) {
    const [node, running] = await Promise.all([kube.readNode(nodeIdentity), kube.listPods(undefined, { fieldSelector: `spec.nodeName=${nodeIdentity}` })]);
    if (node) {
      nodes.set(nodeIdentity, { name: nodeIdentity, instanceId: instanceIdOf(node), pods: running.map((pod) => `${pod.namespace}/${pod.name}`), why: 'node-identity' });
    }
  }
  return [...nodes.values()];
}

async function resolveRoles(lookups: ClusterLookups, pods: PodTarget[], associations: PodIdentityAssociation[], notes: string[]): Promise<RoleTarget[]> {
  const byRole = new Map<string, PodTarget[]>();
  for (const pod of pods) {
    if (pod.roleArn) byRole.set(pod.roleArn, [...(byRole.get(pod.roleArn) ?? []), pod]);
  }
  if (byRole.size === 0) return [];
  // Who else uses these roles: every service account's IRSA annotation, Pod Identity, node groups.
  const [serviceAccounts, nodegroupRoles] = await Promise.all([lookups.serviceAccounts, lookups.nodegroupRoles]);
  if (serviceAccounts.error) notes.push(`other service accounts not checked for shared roles: ${serviceAccounts.error}`);
  if (nodegroupRoles.error) notes.push(`node group roles not checked: ${nodegroupRoles.error}`);
  const accounts = serviceAccounts.value;
  const nodeRoles = nodegroupRoles.value;
  return [...byRole.entries()].map(([arn, users]) => {
    const own = new Set(users.map((pod) => `${pod.namespace}/${pod.serviceAccount}`));
    const others = new Set<string>();
    for (const account of accounts) {
      const key = `${account.namespace}/${account.name}`;
      if (account.annotations[IRSA_ROLE_ANNOTATION] === arn && !own.has(key)) others.add(key);
    }
    for (const association of associations) {
      const key = `${association.namespace}/${association.serviceAccount}`;
      if (association.roleArn === arn && !own.has(key)) others.add(key);
    }
    const allProtected = users.every((pod) => pod.protectedReason);
    return {
      arn,
      name: arn.split('/').pop() ?? arn,
      via: users[0].roleVia ?? 'irsa',
      serviceAccounts: [...own],
      sharedWith: [...others],
      isNodeRole: nodeRoles.includes(arn),
      protectedReason: allProtected ? `used only by protected pods (${users[0].protectedReason})` : undefined,
    };
  });
}
