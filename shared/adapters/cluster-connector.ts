import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { CorrelationError } from '../errors';
import { createClusterToken } from './eks-token';
import { afterPendingIo } from './event-loop';
import { Limiter } from './limiter';
import type { ClientNodeKubernetes } from './kubernetes';
import type { ClusterConnector, KubernetesPort } from './ports';

/**
 * The Kubernetes client (client-node) costs about as much to load as everything else together:
 * it is loaded on first use, while the first cluster lookup is already in flight, and never by
 * a function that does not reach a cluster.
 */
const loadKubernetes = () => import('./kubernetes');

/** Resolves when the command's signed request is handed to the HTTP handler, just before it is sent. */
function departure(command: DescribeClusterCommand): Promise<void> {
  return new Promise((resolve) => {
    command.middlewareStack.add(
      (next) => (args) => {
        resolve();
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'eksResponderDeparture' },
    );
  });
}

export interface ConnectorOptions {
  /** Kubernetes API calls in flight at once per cluster; unbounded when absent. */
  maxConcurrentCalls?: number;
}

interface CachedConnection {
  port: ClientNodeKubernetes;
  expiresAt: number;
}

/**
 * Hands the connection to the caller, then, once the caller's first reads have gone out, opens
 * the connections its later calls will need while those reads travel (openConnectionsAhead).
 */
function handOut(port: ClientNodeKubernetes): KubernetesPort {
  void afterPendingIo().then(() => port.openConnectionsAhead());
  return port;
}

/**
 * Reaches EKS clusters through DescribeCluster (endpoint, CA) and a presigned STS token.
 * Both are cached per cluster across warm invocations until the token is due for renewal.
 */
export class EksClusterConnector implements ClusterConnector {
  private readonly connections = new Map<string, Promise<CachedConnection>>();
  // Per cluster, kept across token renewals, so a renewal never doubles the calls in flight.
  private readonly limiters = new Map<string, Limiter>();
  private readonly now: () => number;

  constructor(
    private readonly eksFor: (region: string) => EKSClient,
    private readonly credentials: AwsCredentialIdentityProvider,
    private readonly options: ConnectorOptions & { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async connect(cluster: string, region: string): Promise<KubernetesPort> {
    const key = `${region}/${cluster}`;
    const cached = this.connections.get(key);
    if (cached) {
      const connection = await cached.catch(() => undefined);
      if (connection && connection.expiresAt > this.now()) return handOut(connection.port);
    }
    // Store the promise, not the result: concurrent findings about one cluster share one lookup.
    const pending = this.open(cluster, region);
    this.connections.set(key, pending);
    pending.catch(() => this.connections.delete(key));
    return handOut((await pending).port);
  }

  private async open(cluster: string, region: string): Promise<CachedConnection> {
    const describe = new DescribeClusterCommand({ name: cluster });
    const departed = departure(describe);
    const lookup = Promise.all([
      this.eksFor(region)
        .send(describe)
        .catch((error: Error) => {
          const missing = error.name === 'ResourceNotFoundException';
          throw new CorrelationError(`cluster ${cluster} in ${region}: ${missing ? 'not found' : error.message}`, { cause: error, retryable: !missing });
        }),
      createClusterToken(cluster, region, this.credentials, this.now()),
    ]);
    // Awaited below, once the client is loaded; a failure meanwhile is not unhandled.
    lookup.catch(() => undefined);
    // Loading blocks the process: let the lookup's request leave first, then load while it travels.
    await Promise.race([departed, lookup.then(() => undefined, () => undefined)]);
    await afterPendingIo();
    const { ClientNodeKubernetes, KubeConfig } = await loadKubernetes();
    const [description, token] = await lookup;
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
    // The retry is the client's default (DEFAULT_RETRY): its module loads with the client, not at module init.
    return { port: new ClientNodeKubernetes(config, `eks:${cluster}`, undefined, this.limiterFor(`${region}/${cluster}`)), expiresAt: token.expiresAt };
  }

  private limiterFor(key: string): Limiter | undefined {
    const limit = this.options.maxConcurrentCalls;
    if (limit === undefined) return undefined;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new Limiter(limit);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

/**
 * Uses a kubeconfig's current context for every finding, so the responder works against any
 * cluster (kind, minikube, a bastion's kubeconfig) without EKS APIs.
 */
export class KubeconfigConnector implements ClusterConnector {
  private port?: ClientNodeKubernetes;

  constructor(
    private readonly path: string,
    private readonly options: ConnectorOptions = {},
  ) {}

  async connect(): Promise<KubernetesPort> {
    if (this.port) return handOut(this.port);
    const { ClientNodeKubernetes, KubeConfig } = await loadKubernetes();
    const config = new KubeConfig();
    try {
      config.loadFromFile(this.path);
    } catch (error) {
      throw new CorrelationError(`cannot load kubeconfig ${this.path}`, { cause: error, retryable: false });
    }
    if (!config.getCurrentCluster()) {
      throw new CorrelationError(`kubeconfig ${this.path} has no current context`, { retryable: false });
    }
    const limit = this.options.maxConcurrentCalls;
    this.port = new ClientNodeKubernetes(config, `kubeconfig:${config.getCurrentContext()}`, undefined, limit === undefined ? undefined : new Limiter(limit));
    return handOut(this.port);
  }
}

/**
 * Starts `prepare` once a connection is there, so what the end of the pipeline needs (the Slack
 * webhook URL, from Secrets Manager on a cold start) is fetched while the targets are resolved
 * rather than after containment, without delaying the cluster lookup. Nothing starts for
 * findings that never reach a cluster.
 */
export function prepareOnConnect(connector: ClusterConnector, prepare: () => void): ClusterConnector {
  return {
    connect(cluster, region) {
      const connected = connector.connect(cluster, region);
      connected.then(prepare, prepare);
      return connected;
    },
  };
}
