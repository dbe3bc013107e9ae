import { QUARANTINE_LABEL, quarantinePolicyName } from '../../markers';
import { createdMetadata } from './created-object';
import { layeredPolicyAction, layeredPolicyRelease, type LayeredPolicy } from './layered-policy';

/**
 * Every identity Cilium knows except the local host. Deny rules win over any allow, whatever
 * policy holds it; the local host stays allowed, as Kubernetes NetworkPolicy allows it, so
 * the kubelet's probes keep passing and a failing liveness probe does not restart the
 * container and wipe what it holds.
 */
export const CILIUM_INGRESS_DENY = [
  { fromEntities: ['world', 'remote-node', 'kube-apiserver', 'health', 'init', 'unmanaged'] },
  // Endpoints of every namespace: a selector naming the namespace label reaches beyond the policy's own namespace.
  { fromEndpoints: [{ matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'Exists' }] }] },
];

const policy: LayeredPolicy = {
  name: 'cilium-deny',
  description: 'Create a CiliumNetworkPolicy denying all egress and all ingress but the local host for the quarantine label',
  api: 'cilium',
  apiName: 'Cilium',
  resources: { 'cilium.io/v2': { group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies', namespaced: true, kind: 'CiliumNetworkPolicy' } },
  effect: 'deny egress to everything and ingress from everything but the local host, over any allow',
  policyName: quarantinePolicyName,
  build: (_groupVersion, namespace, context) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: createdMetadata(quarantinePolicyName(context.incidentId), context.incidentId, context.now, namespace),
    spec: {
      endpointSelector: { matchLabels: { [QUARANTINE_LABEL]: context.incidentId } },
      ingressDeny: CILIUM_INGRESS_DENY,
      egressDeny: [{ toEntities: ['all'] }],
    },
  }),
  permissions: [{ group: 'cilium.io', resource: 'ciliumnetworkpolicies', verbs: ['get', 'create'] }],
};

/** Cilium enforces explicit deny rules ahead of every allow, so no other policy can reopen the quarantined pod. */
export const ciliumDeny = layeredPolicyAction(policy);
export const ciliumDenyRelease = layeredPolicyRelease(policy);
