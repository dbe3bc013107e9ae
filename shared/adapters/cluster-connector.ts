import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { CorrelationError } from '../errors';
import { createClusterToken } from './eks-token';
import { ClientNodeKubernetes } from './kubernetes';
import type { ClusterConnector, KubernetesPort } from './ports';

interface CachedConnection {
  port: KubernetesPort;
  expiresAt: number;
}

/**
 * Reaches EKS clusters through DescribeCluster (endpoint, CA) and a presigned STS token.
 * Both are cached per cluster across warm invocations until the token is due for renewal.
 */
export class EksClusterConnector implements ClusterConnector {
  private readonly connections = new Map<string, Promise<CachedConnection>>();

  constructor(
    private readonly eksFor: (region: string) => EKSClient,
    private readonly credentials: AwsCredentialIdentityProvider,
    private readonly now: () => number = Date.now,
  ) {}

  async connect(cluster: string, region: string): Promise<KubernetesPort> {
    const key = `${region}/${cluster}`;
    const cached = this.connections.get(key);
    if (cached) {
      const connection = await cached.catch(() => undefined);
      if (connection && connection.expiresAt > this.now()) return connection.port;
    }
    // Store the promise, not the result: concurrent findings about one cluster share one lookup.
    const pending = this.open(cluster, region);
    this.connections.set(key, pending);
    pending.catch(() => this.connections.delete(key));
    return (await pending).port;
  }

  private async open(cluster: string, region: string): Promise<CachedConnection> {
    const [description, token] = await Promise.all([
      this.eksFor(region)
        .send(new DescribeClusterCommand({ name: cluster }))
        .catch((error: Error) => {
          const missing = error.name === 'ResourceNotFoundException';
          throw new CorrelationError(`cluster ${cluster} in ${region}: ${missing ? 'not found' : error.message}`, { cause: error, retryable: !missing });
        }),
      createClusterToken(cluster, region, this.credentials, this.now()),
    ]);
    const endpoint = description.cluster?.endpoint;
    const caData = description.cluster?.certificateAuthority?.data;
    if (!endpoint || !caData) {
      throw new CorrelationError(`cluster ${cluster} in ${region} has no endpoint yet (status ${description.cluster?.status ?? 'unknown'})`, { retryable: true });
    }
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: cluster, server: endpoint, caData }],
      users: [{ name: 'eks-responder', token: token.token }],
      contexts: [{ name: cluster, cluster, user: 'eks-responder' }],
      currentContext: cluster,
    });
    return { port: new ClientNodeKubernetes(config, `eks:${cluster}`), expiresAt: token.expiresAt };
  }
}

/**
 * Uses a kubeconfig's current context for every finding, so the responder works against any
 * cluster (kind, minikube, a bastion's kubeconfig) without EKS APIs.
 */
export class KubeconfigConnector implements ClusterConnector {
  private port?: KubernetesPort;

  constructor(private readonly path: string) {}

  async connect(): Promise<KubernetesPort> {
    if (!this.port) {
      const config = new KubeConfig();
      try {
        config.loadFromFile(this.path);
      } catch (error) {
        throw new CorrelationError(`cannot load kubeconfig ${this.path}`, { cause: error, retryable: false });
      }
      if (!config.getCurrentCluster()) {
        throw new CorrelationError(`kubeconfig ${this.path} has no current context`, { retryable: false });
      }
      this.port = new ClientNodeKubernetes(config, `kubeconfig:${config.getCurrentContext()}`);
    }
    return this.port;
  }
}
