import { AppsV1Api, BatchV1Api, CoreV1Api, NetworkingV1Api, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import type { KubeCalls } from './kubernetes-calls';
import { capturing } from './kubernetes-response';
import type { ManifestKind, PodLogQuery } from './ports';

type Reader = (namespace: string, name: string, options: ConfigurationOptions) => Promise<unknown>;

/** Verbatim reads of manifests, event and policy lists, and container logs, for the evidence bundle. */
export class ManifestReader {
  private readonly readers: Record<ManifestKind, Reader>;
  private readonly core: CoreV1Api;
  private readonly networking: NetworkingV1Api;

  constructor(
    config: KubeConfig,
    private readonly calls: KubeCalls,
  ) {
    const core = (this.core = config.makeApiClient(CoreV1Api));
    const apps = config.makeApiClient(AppsV1Api);
    const batch = config.makeApiClient(BatchV1Api);
    this.networking = config.makeApiClient(NetworkingV1Api);
    this.readers = {
      Pod: (namespace, name, options) => core.readNamespacedPod({ namespace, name }, options),
      Node: (_namespace, name, options) => core.readNode({ name }, options),
      Namespace: (_namespace, name, options) => core.readNamespace({ name }, options),
      ServiceAccount: (namespace, name, options) => core.readNamespacedServiceAccount({ namespace, name }, options),
      ReplicaSet: (namespace, name, options) => apps.readNamespacedReplicaSet({ namespace, name }, options),
      Deployment: (namespace, name, options) => apps.readNamespacedDeployment({ namespace, name }, options),
      DaemonSet: (namespace, name, options) => apps.readNamespacedDaemonSet({ namespace, name }, options),
      StatefulSet: (namespace, name, options) => apps.readNamespacedStatefulSet({ namespace, name }, options),
      Job: (namespace, name, options) => batch.readNamespacedJob({ namespace, name }, options),
      CronJob: (namespace, name, options) => batch.readNamespacedCronJob({ namespace, name }, options),
    };
  }

  async read(kind: ManifestKind, namespace: string | undefined, name: string): Promise<string | undefined> {
    const sink: { text?: string } = {};
    const found = await this.calls.find(`read ${kind} ${namespace ? `${namespace}/` : ''}${name}`, () => this.readers[kind](namespace ?? '', name, capturing(sink)));
    return found === undefined ? undefined : sink.text;
  }

  async list(kind: 'Event' | 'NetworkPolicy', namespace: string, fieldSelector?: string): Promise<string> {
    const sink: { text?: string } = {};
    await this.calls.call<unknown>(`list ${kind} in ${namespace}`, () =>
      kind === 'Event'
        ? this.core.listNamespacedEvent({ namespace, fieldSelector }, capturing(sink))
        : this.networking.listNamespacedNetworkPolicy({ namespace, fieldSelector }, capturing(sink)),
    );
    return sink.text ?? '';
  }

  async podLog(namespace: string, pod: string, query: PodLogQuery): Promise<string | undefined> {
    const what = `read ${query.previous ? 'previous ' : ''}log of ${namespace}/${pod} container ${query.container}`;
    try {
      return await this.calls.call(what, () =>
        this.core.readNamespacedPodLog({ namespace, name: pod, container: query.container, tailLines: query.tailLines, limitBytes: query.limitBytes, previous: query.previous }),
      );
    } catch (error) {
      // 400 is the API server's answer for a log that does not exist (no previous instance, still waiting to start).
      if ((error as { status?: number }).status === 400) return undefined;
      throw error;
    }
  }
}
