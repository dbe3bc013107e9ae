import { ApisApi, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { KubeCalls } from './kubernetes-calls';
import type { CustomObject, CustomResource } from './ports';

const where = (resource: CustomResource, namespace: string | undefined, name = ''): string =>
  `${resource.plural}.${resource.group} ${namespace ? `${namespace}/` : ''}${name}`.trim();

/**
 * Discovery and objects of API groups the cluster may or may not serve (Cilium, Calico, Istio,
 * Kyverno, Gatekeeper). The served groups are asked once and kept for the life of the
 * connection: CRDs are installed by operators, not between two findings.
 */
export class CustomObjects {
  private readonly apis: ApisApi;
  private readonly objects: CustomObjectsApi;
  private served?: Promise<string[]>;

  constructor(
    config: KubeConfig,
    private readonly calls: KubeCalls,
  ) {
    this.apis = config.makeApiClient(ApisApi);
    this.objects = config.makeApiClient(CustomObjectsApi);
  }

  servedGroupVersions(): Promise<string[]> {
    if (!this.served) {
      this.served = this.calls.call('discover API groups', () => this.apis.getAPIVersions()).then((list) =>
        list.groups.flatMap((group) => group.versions.map((version) => version.groupVersion)),
      );
      // A failed discovery is asked again next time rather than remembered.
      this.served.catch(() => (this.served = undefined));
    }
    return this.served;
  }

  async get(resource: CustomResource, namespace: string | undefined, name: string): Promise<CustomObject | undefined> {
    const { group, version, plural } = resource;
    return this.calls.find(`read ${where(resource, namespace, name)}`, () =>
      resource.namespaced && namespace
        ? this.objects.getNamespacedCustomObject({ group, version, plural, namespace, name })
        : this.objects.getClusterCustomObject({ group, version, plural, name }),
    );
  }

  async create(resource: CustomResource, object: CustomObject): Promise<'created' | 'exists' | 'not-found'> {
    const { group, version, plural } = resource;
    const namespace = object.metadata.namespace;
    const created = await this.calls.find(`create ${where(resource, namespace, object.metadata.name)}`, async () => {
      try {
        await (resource.namespaced && namespace
          ? this.objects.createNamespacedCustomObject({ group, version, plural, namespace, body: object })
          : this.objects.createClusterCustomObject({ group, version, plural, body: object }));
        return 'created' as const;
      } catch (error) {
        // 409 (already exists) is an answer, not a failure: report it without retrying.
        if ((error as { code?: number }).code === 409) return 'exists' as const;
        throw error;
      }
    });
    return created ?? 'not-found';
  }

  async delete(resource: CustomResource, namespace: string | undefined, name: string): Promise<boolean> {
    const { group, version, plural } = resource;
    const deleted = await this.calls.find(`delete ${where(resource, namespace, name)}`, () =>
      resource.namespaced && namespace
        ? this.objects.deleteNamespacedCustomObject({ group, version, plural, namespace, name })
        : this.objects.deleteClusterCustomObject({ group, version, plural, name }),
    );
    return deleted !== undefined;
  }

  async list(resource: CustomResource, labelSelector: string): Promise<CustomObject[]> {
    const { group, version, plural } = resource;
    const list = (await this.calls.call(`list ${plural}.${group}`, () =>
      resource.namespaced
        ? this.objects.listCustomObjectForAllNamespaces({ group, version, plural, labelSelector })
        : this.objects.listClusterCustomObject({ group, version, plural, labelSelector }),
    )) as { items?: CustomObject[] };
    return list.items ?? [];
  }
}
