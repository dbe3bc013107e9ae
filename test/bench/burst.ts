// A burst: many findings about the same pods arriving at once at one warm handler, as when
// GuardDuty raises several finding types about each pod of a compromised workload. The sandbox
// gets extra namespaces, nodes and roles for it; the findings are derived from the real argocd
// finding (only id, workload and severity change).
import { QUARANTINE_LABEL, quarantinePolicyName } from '../../shared/markers';
import { ownerReferenceTo } from '../support/kube-api-server';
import { ACCOUNT, podObject } from '../support/cluster-scenario';
import type { Sandbox } from '../support/sandbox';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import type { Bundle } from './bundles';
import { countCalls, peakConcurrency, type CallCounts } from './figures';
import { HandlerProcess } from './handler-process';
import { connectionsSince, mark, requestsSince, type BenchRequest } from './requests';
import { benchSandbox, functionEnv, problemsOf } from './scenarios';
import { warmUp, WARM_UP_MISSING_POD } from './warm-up';

export const FINDINGS_PER_POD = 5;
const PODS_PER_NAMESPACE = 10;
const MAX_NODES = 8;

interface BurstLayout {
  pods: { namespace: string; name: string }[];
  nodes: string[];
  namespaces: string[];
}

function layout(findings: number): BurstLayout {
  const podCount = Math.ceil(findings / FINDINGS_PER_POD);
  const namespaceCount = Math.ceil(podCount / PODS_PER_NAMESPACE);
  const namespaces = Array.from({ length: namespaceCount }, (_, index) => `burst-${index}`);
  const nodes = Array.from({ length: Math.min(MAX_NODES, podCount) }, (_, index) => `ip-10-1-0-${10 + index}.ec2.internal`);
  const pods = Array.from({ length: podCount }, (_, index) => ({ namespace: namespaces[Math.floor(index / PODS_PER_NAMESPACE)], name: `worker-${index}` }));
  return { pods, nodes, namespaces };
}

/** Each namespace: a Deployment's ReplicaSet owning its pods, a service account with its own IRSA role, a label-based policy. */
function seedBurst(sandbox: Sandbox, { pods, nodes, namespaces }: BurstLayout): void {
  const { kube, aws } = sandbox;
  kube.seed(
    ...nodes.map((name, index) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: { providerID: `aws:///us-east-1a/i-0bench${String(index).padStart(12, '0')}` },
    })),
  );
  for (const namespace of namespaces) {
    const role = `arn:aws:iam::${ACCOUNT}:role/${namespace}-worker`;
    aws.addRole({ name: `${namespace}-worker` });
    const [deployment] = kube.seed(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace, name: 'worker' }, spec: { selector: { matchLabels: { app: 'worker' } } } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name: 'worker', annotations: { 'eks.amazonaws.com/role-arn': role } } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { namespace, name: 'allow-worker-http' },
        spec: { podSelector: { matchLabels: { app: 'worker' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }] },
      },
    );
    const [replicaSet] = kube.seed({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { namespace, name: 'worker-5f7c9', labels: { app: 'worker' }, ownerReferences: [ownerReferenceTo(deployment)] },
      spec: { selector: { matchLabels: { app: 'worker' } } },
    });
    kube.seed(
      ...pods
        .map((pod, index) => ({ ...pod, node: nodes[index % nodes.length] }))
        .filter((pod) => pod.namespace === namespace)
        .map((pod) => podObject({ namespace, name: pod.name, labels: { app: 'worker' }, node: pod.node, serviceAccount: 'worker', owner: replicaSet })),
    );
  }
}

function burstEvents({ pods }: BurstLayout, findings: number): unknown[] {
  // Interleaved, so the findings about one pod are spread over the burst rather than adjacent.
  return Array.from({ length: findings }, (_, index) => {
    const pod = pods[index % pods.length];
    const id = `burst-${pod.name}-${Math.floor(index / pods.length)}`;
    return asEventBridgeEvent(argocdFinding({ severity: 8, id, workload: { Name: pod.name, Type: 'pods', Namespace: pod.namespace } }));
  });
}

export interface BurstFigures {
  findings: number;
  pods: number;
  nodes: number;
  calls: CallCounts;
  /** Distinct objects changed (a pod patched by three incidents is one) plus notifications delivered. */
  uniqueMutations: number;
  callsPerUniqueMutation: number;
  /** The same without notifications: Kubernetes and IAM only. */
  clusterAndIam: { calls: number; uniqueMutations: number; ratio: number };
  wallMs: number;
  wallRt: number;
  peakRssMb: number;
  rssGrowthMb: number;
  peakInFlight: { kubernetes: number; iam: number };
  kubernetesConnections: number;
  incidentsFailed: number;
  /** Quarantine NetworkPolicies created by an incident that labelled no pod: they select nothing. */
  orphanPolicies: number;
  problems: string[];
}

function orphanPolicies(sandbox: Sandbox, namespaces: string[]): number {
  const labelled = new Set(namespaces.flatMap((namespace) => sandbox.kube.listObjects('pods', namespace).map((pod) => quarantinePolicyName(pod.metadata.labels?.[QUARANTINE_LABEL]))));
  const policies = namespaces.flatMap((namespace) => sandbox.kube.listObjects('networkpolicies', namespace));
  return policies.filter((policy) => policy.metadata.name.startsWith(quarantinePolicyName('')) && !labelled.has(policy.metadata.name)).length;
}

function uniqueMutations(requests: BenchRequest[]): number {
  const changed = new Set(requests.filter((request) => request.ok && request.kind === 'write').map((request) => request.object));
  return changed.size;
}

export async function burstScenario(guardduty: Bundle, latencyMs: number, findings: number): Promise<BurstFigures> {
  const sandbox = await benchSandbox(latencyMs);
  const plan = layout(findings);
  seedBurst(sandbox, plan);
  const handler = await HandlerProcess.start(guardduty.path, functionEnv());
  try {
    await warmUp(handler, WARM_UP_MISSING_POD);
    const since = mark(sandbox);
    const reply = await handler.invoke(burstEvents(plan, findings), { samplePeakRss: true });
    const requests = requestsSince(sandbox, since);
    const calls = countCalls(requests);
    const notifications = requests.filter((request) => request.ok && request.kind === 'notify').length;
    const cluster = requests.filter((request) => request.kind !== 'notify' && request.label !== 'secretsmanager:GetSecretValue');
    const mutations = uniqueMutations(requests);
    // Incidents after the first about a pod find it contained already: skipped is their right answer.
    const problems = problemsOf(reply.outcomes, true);
    const megabytes = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
    return {
      findings,
      pods: plan.pods.length,
      nodes: plan.nodes.length,
      calls,
      uniqueMutations: mutations + notifications,
      callsPerUniqueMutation: calls.total / (mutations + notifications),
      clusterAndIam: { calls: cluster.length, uniqueMutations: mutations, ratio: cluster.length / mutations },
      wallMs: reply.wallMs,
      wallRt: reply.wallMs / latencyMs,
      peakRssMb: megabytes(reply.peakRss),
      rssGrowthMb: megabytes(reply.peakRss - reply.rssBefore),
      peakInFlight: {
        kubernetes: peakConcurrency(requests.filter((request) => request.system === 'kubernetes')),
        iam: peakConcurrency(requests.filter((request) => request.label.startsWith('iam:'))),
      },
      kubernetesConnections: connectionsSince(sandbox, since),
      incidentsFailed: reply.outcomes.filter((outcome) => !outcome.ok).length,
      orphanPolicies: orphanPolicies(sandbox, plan.namespaces),
      problems,
    };
  } finally {
    await handler.stop();
    await sandbox.stop();
  }
}
