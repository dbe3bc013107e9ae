// The sandbox cluster the demo, the integration tests and the benchmark share: the workload the
// real argocd GuardDuty finding names (events/guardduty/get-findings/eks-privileged-container-argocd.json),
// plus a Deployment, a DaemonSet and a kube-system pod so every correlation path has something to find.
import { KubeApiServer, ownerReferenceTo, type KubeObject } from './kube-api-server';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const CLUSTER = 'guardduty-blueprint';

export const NODES = {
  a: { name: 'ip-10-0-148-73.ec2.internal', instanceId: 'i-0b22a22eec53b9321' },
  b: { name: 'ip-10-0-201-19.ec2.internal', instanceId: 'i-07f1e4c3d2b1a0918' },
  system: { name: 'ip-10-0-99-10.ec2.internal', instanceId: 'i-0a0b0c0d0e0f01234' },
} as const;

export const ROLES = {
  privilegedApp: `arn:aws:iam::${ACCOUNT}:role/privileged-app-irsa`,
  frontend: `arn:aws:iam::${ACCOUNT}:role/web-frontend`,
  nodeAgent: `arn:aws:iam::${ACCOUNT}:role/node-agent`,
  nodes: `arn:aws:iam::${ACCOUNT}:role/guardduty-blueprint-nodes`,
} as const;

/** The finding's own pod uid, so the sandbox pod is the one GuardDuty saw. */
export const PRIVILEGED_POD_UID = '33a3c89e-3280-474d-b8cb-fdf03394fc15';

function node(name: string, instanceId: string, zone: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, 'eks.amazonaws.com/nodegroup': 'general' } },
    spec: { providerID: `aws:///${zone}/${instanceId}` },
  };
}

function serviceAccount(namespace: string, name: string, roleArn?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { namespace, name, annotations: roleArn ? { 'eks.amazonaws.com/role-arn': roleArn } : {} },
  };
}

/** A running pod of the sandbox: its node, service account (default `default`), owner and image. */
export interface PodSpec {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node: string;
  serviceAccount?: string;
  owner?: KubeObject;
  uid?: string;
  image?: string;
  privileged?: boolean;
}

export function podObject(spec: PodSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: spec.namespace,
      name: spec.name,
      labels: spec.labels,
      ...(spec.uid ? { uid: spec.uid } : {}),
      ...(spec.owner ? { ownerReferences: [ownerReferenceTo(spec.owner)] } : {}),
    },
    spec: {
      nodeName: spec.node,
      serviceAccountName: spec.serviceAccount ?? 'default',
      containers: [{ name: 'app', image: spec.image ?? 'public.ecr.aws/nginx/nginx:1.27', ...(spec.privileged ? { securityContext: { privileged: true } } : {}) }],
    },
    status: { phase: 'Running' },
  };
}

/** Seeds the sandbox cluster; returns nothing the tests need beyond the names exported above. */
export function seedClusterScenario(kube: KubeApiServer): void {
  kube.seed(
    node(NODES.a.name, NODES.a.instanceId, 'us-east-1a'),
    node(NODES.b.name, NODES.b.instanceId, 'us-east-1b'),
    node(NODES.system.name, NODES.system.instanceId, 'us-east-1c'),
    ...['argocd', 'web', 'monitoring', 'kube-system'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    serviceAccount('argocd', 'privileged-app', ROLES.privilegedApp),
    serviceAccount('argocd', 'argocd-server'),
    serviceAccount('web', 'frontend', ROLES.frontend),
    serviceAccount('web', 'default'),
    serviceAccount('monitoring', 'node-agent', ROLES.nodeAgent),
    serviceAccount('kube-system', 'aws-node'),
  );

  // argocd: the pod the real finding names, next to a healthy Argo CD server.
  kube.seed(
    podObject({ namespace: 'argocd', name: 'privileged-pod', uid: PRIVILEGED_POD_UID, labels: { app: 'privileged-pod', team: 'danger' }, node: NODES.a.name, serviceAccount: 'privileged-app', image: 'centos', privileged: true }),
    podObject({ namespace: 'argocd', name: 'argocd-server-86867c9dd8-p6qk7', labels: { 'app.kubernetes.io/name': 'argocd-server' }, node: NODES.a.name, serviceAccount: 'argocd-server' }),
    {
      // Selects every pod in the namespace: only narrowing this policy can take the pod out of it.
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'argocd', name: 'allow-same-namespace' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'argocd', name: 'allow-team-danger-egress' },
      spec: { podSelector: { matchLabels: { team: 'danger' } }, policyTypes: ['Egress'], egress: [{}] },
    },
  );

  // web: a Deployment with three replicas over two nodes, behind a label-based policy.
  const [deployment] = kube.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: 'web', name: 'frontend' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'frontend' } }, template: { metadata: { labels: { app: 'frontend' } } } },
  });
  const [replicaSet] = kube.seed({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { namespace: 'web', name: 'frontend-7d4b9c8f6', labels: { app: 'frontend', 'pod-template-hash': '7d4b9c8f6' }, ownerReferences: [ownerReferenceTo(deployment)] },
    spec: { replicas: 3, selector: { matchLabels: { app: 'frontend', 'pod-template-hash': '7d4b9c8f6' } } },
  });
  kube.seed(
    ...['x2k4p', 'q8n3v', 'm5t7z'].map((suffix, index) =>
      podObject({
        namespace: 'web',
        name: `frontend-7d4b9c8f6-${suffix}`,
        labels: { app: 'frontend', 'pod-template-hash': '7d4b9c8f6' },
        node: index === 2 ? NODES.b.name : NODES.a.name,
        serviceAccount: 'frontend',
        owner: replicaSet,
      }),
    ),
    // Same labels, not owned by the Deployment: correlation must leave it out.
    podObject({ namespace: 'web', name: 'frontend-debug', labels: { app: 'frontend' }, node: NODES.b.name }),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'web', name: 'allow-frontend-http' },
      spec: { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }] },
    },
  );

  // monitoring: a DaemonSet with one pod per worker node; its role is Pod Identity, not IRSA.
  const [daemonSet] = kube.seed({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { namespace: 'monitoring', name: 'node-agent' },
    spec: { selector: { matchLabels: { app: 'node-agent' } }, template: { metadata: { labels: { app: 'node-agent' } } } },
  });
  kube.seed(
    podObject({ namespace: 'monitoring', name: 'node-agent-7fk2d', labels: { app: 'node-agent' }, node: NODES.a.name, serviceAccount: 'node-agent-pi', owner: daemonSet }),
    podObject({ namespace: 'monitoring', name: 'node-agent-p9xw4', labels: { app: 'node-agent' }, node: NODES.b.name, serviceAccount: 'node-agent-pi', owner: daemonSet }),
    serviceAccount('monitoring', 'node-agent-pi'),
  );

  // kube-system: protected by default.
  kube.seed(podObject({ namespace: 'kube-system', name: 'aws-node-4lhp7', labels: { 'k8s-app': 'aws-node' }, node: NODES.system.name, serviceAccount: 'aws-node' }));
}

/** Pod Identity associations and roles the AWS side of the sandbox knows. */
export const POD_IDENTITY_ASSOCIATIONS = [{ cluster: CLUSTER, namespace: 'monitoring', serviceAccount: 'node-agent-pi', roleArn: ROLES.nodeAgent }];
