import type { KubeApiServer, ResourceDefinition } from '../support/kube-api-server';

/** The API groups each add-on's CRDs bring, as the local test API server serves them once registered. */
export const ADDONS = {
  cilium: [{ group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true }],
  calicoApiServer: [{ group: 'projectcalico.org', version: 'v3', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
  calicoCrds: [{ group: 'crd.projectcalico.org', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
  istio: [{ group: 'security.istio.io', version: 'v1', resource: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true }],
  karpenter: [{ group: 'karpenter.sh', version: 'v1', resource: 'nodepools', kind: 'NodePool', namespaced: false }],
  kyverno: [{ group: 'kyverno.io', version: 'v1', resource: 'clusterpolicies', kind: 'ClusterPolicy', namespaced: false }],
  gatekeeper: [{ group: 'templates.gatekeeper.sh', version: 'v1', resource: 'constrainttemplates', kind: 'ConstraintTemplate', namespaced: false }],
  /** What Gatekeeper serves once it has processed the responder's ConstraintTemplate. */
  gatekeeperBlockedImageKind: [
    { group: 'constraints.gatekeeper.sh', version: 'v1beta1', resource: 'eksresponderblockedimage', kind: 'EksResponderBlockedImage', namespaced: false },
  ],
} satisfies Record<string, ResourceDefinition[]>;

/** Serves the add-ons' API groups. Register before building the client: discovery is asked once per connection. */
export function install(kube: KubeApiServer, ...addons: (keyof typeof ADDONS)[]): void {
  for (const addon of addons) for (const definition of ADDONS[addon]) kube.registerResource(definition);
}
