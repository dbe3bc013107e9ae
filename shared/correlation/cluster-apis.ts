import type { KubernetesPort } from '../adapters/ports';

/**
 * The security-relevant add-ons a cluster runs, as its served API groups show them. Each
 * value is the group/version to use; absent when the cluster does not serve it.
 */
export interface ClusterApis {
  cilium?: string;
  calico?: string;
  istio?: string;
  karpenter?: string;
  kyverno?: string;
  gatekeeper?: string;
}

interface Layer {
  key: keyof ClusterApis;
  name: string;
  /** Preferred first. */
  groupVersions: string[];
}

const LAYERS: readonly Layer[] = [
  { key: 'cilium', name: 'Cilium', groupVersions: ['cilium.io/v2'] },
  // projectcalico.org/v3 is Calico's API server; without it only the storage CRDs are served.
  { key: 'calico', name: 'Calico', groupVersions: ['projectcalico.org/v3', 'crd.projectcalico.org/v1'] },
  { key: 'istio', name: 'Istio', groupVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'] },
  { key: 'karpenter', name: 'Karpenter', groupVersions: ['karpenter.sh/v1', 'karpenter.sh/v1beta1'] },
  { key: 'kyverno', name: 'Kyverno', groupVersions: ['kyverno.io/v1'] },
  // constraints.gatekeeper.sh only appears once some ConstraintTemplate exists: templates are the sign of Gatekeeper.
  { key: 'gatekeeper', name: 'Gatekeeper', groupVersions: ['templates.gatekeeper.sh/v1'] },
];

export function clusterApisFrom(served: readonly string[]): ClusterApis {
  const available = new Set(served);
  const apis: ClusterApis = {};
  for (const layer of LAYERS) {
    const found = layer.groupVersions.find((groupVersion) => available.has(groupVersion));
    if (found) apis[layer.key] = found;
  }
  return apis;
}

/** Asks the cluster (discovery is cached per connection by the adapter). */
export async function detectClusterApis(kube: KubernetesPort): Promise<ClusterApis> {
  return clusterApisFrom(await kube.servedGroupVersions());
}

/** One line for the report: what was found and what was not. */
export function describeClusterApis(apis: ClusterApis): string {
  const found = LAYERS.filter((layer) => apis[layer.key]).map((layer) => `${layer.name} (${apis[layer.key]})`);
  const missing = LAYERS.filter((layer) => !apis[layer.key]).map((layer) => layer.name);
  return `cluster APIs: ${found.length ? found.join(', ') : 'none of the add-ons checked'}${missing.length ? `; not served: ${missing.join(', ')}` : ''}`;
}
