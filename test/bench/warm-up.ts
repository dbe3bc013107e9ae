// What a warm execution environment has behind it before the measured invocation. A Lambda
// environment that answers findings has run the whole quarantine path before: its SDK and
// Kubernetes client code is compiled, its clients built, its cluster connection open. A finding
// about a workload that does not exist warms only part of that (no IAM or EC2 call is ever made),
// so the first revocation and instance protection would pay for compiling their code on the
// measured invocation's critical path. A pod-level quarantine does not run a Deployment's path
// (its reads, owner chain, several nodes and instances): the bench measures a Deployment-level
// finding both ways, after the pod-level warm-up alone and after a Deployment-level one too.
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { ACCOUNT, podObject } from '../support/cluster-scenario';
import { ownerReferenceTo } from '../support/kube-api-server';
import type { Sandbox } from '../support/sandbox';
import type { HandlerProcess } from './handler-process';

const NAMESPACE = 'bench-warm-up';
const ROLE = 'bench-warm-up-worker';

/**
 * Nodes of the sandbox no measured finding touches: the warm-up workloads' (the pod's, the
 * Deployment's two), and spares so that a Deployment-level quarantine (two nodes) plus the
 * warm-ups' nodes stay under the circuit breaker's share of cordoned nodes, as in any cluster
 * larger than the three-node test one.
 */
const NODES = Array.from({ length: 10 }, (_, index) => ({ name: `ip-10-2-0-${10 + index}.ec2.internal`, instanceId: `i-0be9c4${String(index).padStart(11, '0')}` }));

/** The warm-up's own workloads: namespace, service account with its IRSA role, a pod, a Deployment with two pods, nodes and their instances. */
export function seedWarmUpWorkload(sandbox: Sandbox): void {
  sandbox.aws.addRole({ name: ROLE });
  // Instances as a managed node group launches them, like the measured nodes': protect-instance
  // then reads and changes the warm-up node's instance instead of finding none.
  for (const { instanceId } of NODES) sandbox.aws.addInstance({ instanceId, shutdownBehavior: 'terminate' });
  sandbox.kube.seed(
    ...NODES.map(({ name, instanceId }) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { providerID: `aws:///us-east-1a/${instanceId}` } })),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: NAMESPACE, name: 'worker', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/${ROLE}` } } },
    podObject({ namespace: NAMESPACE, name: 'worker', labels: { app: 'worker' }, node: NODES[0].name, serviceAccount: 'worker' }),
  );
  const [deployment] = sandbox.kube.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: NAMESPACE, name: 'api' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } } } },
  });
  const [replicaSet] = sandbox.kube.seed({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { namespace: NAMESPACE, name: 'api-5f6d7c8b9', labels: { app: 'api' }, ownerReferences: [ownerReferenceTo(deployment)] },
    spec: { replicas: 2, selector: { matchLabels: { app: 'api' } } },
  });
  sandbox.kube.seed(
    ...[1, 2].map((index) => podObject({ namespace: NAMESPACE, name: `api-5f6d7c8b9-${index}`, labels: { app: 'api' }, node: NODES[index].name, serviceAccount: 'worker', owner: replicaSet })),
  );
}

/** A full quarantine of the warm-up workload: another namespace, service account, role and node than any measured finding. */
export const WARM_UP_QUARANTINE = asEventBridgeEvent(argocdFinding({ severity: 8, id: 'warm-up', workload: { Name: 'worker', Type: 'pods', Namespace: NAMESPACE } }));

/**
 * A full quarantine of the warm-up Deployment: with WARM_UP_QUARANTINE before it, the
 * environment has also run the Deployment-level path (its reads, owner chain, two nodes and
 * instances), which a pod-level quarantine never compiles.
 */
export const WARM_UP_DEPLOYMENT_QUARANTINE = asEventBridgeEvent(argocdFinding({ severity: 8, id: 'warm-up-deployment', workload: { Name: 'api', Type: 'deployments', Namespace: NAMESPACE } }));

/**
 * A finding about a pod that does not exist: warms the clients, the cluster connection and the
 * token, and changes nothing (the burst, whose figures count calls, not time, starts from it).
 */
export const WARM_UP_MISSING_POD = asEventBridgeEvent(argocdFinding({ severity: 8, id: 'warm-up-missing', workload: { Name: 'missing', Type: 'pods', Namespace: 'bench-missing' } }));

/** The measured invocation follows this much later, as the next finding would; by then nothing read for the warm-up is shared any more. */
export const WARM_GAP_MS = 2500;

/** Invokes the payloads one after the other, then waits WARM_GAP_MS. */
export async function warmUp(handler: HandlerProcess, ...payloads: unknown[]): Promise<void> {
  for (const payload of payloads) {
    const reply = await handler.invoke([payload]);
    const failed = reply.outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw new Error(`warm-up invocation failed: ${failed.error}`);
  }
  await new Promise((resolve) => setTimeout(resolve, WARM_GAP_MS));
}
