// The sandbox's cluster has a handful of nodes; production clusters have hundreds. The responder
// lists every node alongside its first read (the affected pods' nodes, their instances and the
// circuit breaker's share of cordoned nodes come from that one list), so what the list costs
// grows with the cluster. These nodes make that cost show: no finding is about them, they only
// make the cluster as large as the bench is asked to.
import type { Sandbox } from '../support/sandbox';

/** Container images a node's status lists: the node's add-ons and the workloads it has run. */
const IMAGES_PER_NODE = 30;

/**
 * A node as an EKS managed node group's kubelet reports it: the labels EKS and the kubelet set,
 * its capacity, conditions, addresses, system info and the images it holds. What a cluster's
 * node list carries for each node, managed fields aside.
 */
function clusterNode(index: number): Record<string, unknown> {
  const name = `ip-10-4-${Math.floor(index / 250)}-${(index % 250) + 1}.ec2.internal`;
  const instanceId = `i-0c1a5${String(index).padStart(12, '0')}`;
  const zone = `us-east-1${'abc'[index % 3]}`;
  const heartbeat = { lastHeartbeatTime: '2026-11-25T10:00:00Z', lastTransitionTime: '2026-11-20T08:00:00Z' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'm6i.2xlarge',
        'beta.kubernetes.io/os': 'linux',
        'eks.amazonaws.com/capacityType': 'ON_DEMAND',
        'eks.amazonaws.com/nodegroup': 'general',
        'eks.amazonaws.com/nodegroup-image': 'ami-0f1e2d3c4b5a69788',
        'eks.amazonaws.com/sourceLaunchTemplateId': 'lt-0a1b2c3d4e5f67890',
        'eks.amazonaws.com/sourceLaunchTemplateVersion': '3',
        'failure-domain.beta.kubernetes.io/region': 'us-east-1',
        'failure-domain.beta.kubernetes.io/zone': zone,
        'k8s.io/cloud-provider-aws': '0b6f8a1c2d3e4f5a6b7c8d9e0f1a2b3c',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.2xlarge',
        'topology.ebs.csi.aws.com/zone': zone,
        'topology.k8s.aws/zone-id': 'use1-az1',
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': zone,
      },
      annotations: {
        'alpha.kubernetes.io/provided-node-ip': `10.4.${Math.floor(index / 250)}.${(index % 250) + 1}`,
        'csi.volume.kubernetes.io/nodeid': JSON.stringify({ 'ebs.csi.aws.com': instanceId }),
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { providerID: `aws:///${zone}/${instanceId}` },
    status: {
      capacity: { cpu: '8', 'ephemeral-storage': '104845292Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '32386112Ki', pods: '58' },
      allocatable: { cpu: '7910m', 'ephemeral-storage': '95551679124', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '31369280Ki', pods: '58' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', ...heartbeat },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', ...heartbeat },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', ...heartbeat },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', ...heartbeat },
      ],
      addresses: [
        { type: 'InternalIP', address: `10.4.${Math.floor(index / 250)}.${(index % 250) + 1}` },
        { type: 'InternalDNS', address: name },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'ec2c7a1e5b9d4f0a8e3c6b2d1f0e9a87',
        systemUUID: 'ec2c7a1e-5b9d-4f0a-8e3c-6b2d1f0e9a87',
        bootID: '3f9b6c1e-2a4d-4e8f-9b7a-5c3d1e0f2a4b',
        kernelVersion: '6.1.115-126.197.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241111',
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion: 'v1.31.2-eks-94953ac',
        kubeProxyVersion: 'v1.31.2-eks-94953ac',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: Array.from({ length: IMAGES_PER_NODE }, (_, image) => {
        const repository = `602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/workload-${image}`;
        return { names: [`${repository}@sha256:${image.toString(16).padStart(64, '0')}`, `${repository}:v1.${image}.0-eksbuild.1`], sizeBytes: 20_000_000 + image * 1_000_003 };
      }),
    },
  };
}

/** The size of one such node in a list answer (bytes of JSON). */
export const CLUSTER_NODE_BYTES = JSON.stringify(clusterNode(0)).length;

/** Adds `count` nodes that no finding is about. */
export function seedClusterNodes(sandbox: Sandbox, count: number): void {
  sandbox.kube.seed(...Array.from({ length: count }, (_, index) => clusterNode(index)));
}
