import { QUARANTINE_LABEL, quarantinePolicyName } from '../../markers';
import { createdMetadata } from './created-object';
import { layeredPolicyAction, layeredPolicyRelease, type LayeredPolicy } from './layered-policy';

const V3 = 'projectcalico.org/v3';
const CRD_V1 = 'crd.projectcalico.org/v1';

/** Calico evaluates lower orders first; Kubernetes NetworkPolicies become order 1000 in the default tier. */
export const CALICO_ORDER = 0;

/**
 * Through Calico's API server (`projectcalico.org/v3`) the policy keeps its name. Without it
 * Calico reads its storage CRDs (`crd.projectcalico.org/v1`), where default-tier policies are
 * stored under `default.<name>` with the tier in the spec; the responder writes that form.
 */
function name(incidentId: string, groupVersion: string): string {
  return groupVersion === CRD_V1 ? `default.${quarantinePolicyName(incidentId)}` : quarantinePolicyName(incidentId);
}

const policy: LayeredPolicy = {
  name: 'calico-deny',
  description: `Create a Calico NetworkPolicy (order ${CALICO_ORDER}) denying all ingress and egress for the quarantine label`,
  api: 'calico',
  apiName: 'Calico',
  resources: {
    [V3]: { group: 'projectcalico.org', version: 'v3', plural: 'networkpolicies', namespaced: true, kind: 'NetworkPolicy' },
    [CRD_V1]: { group: 'crd.projectcalico.org', version: 'v1', plural: 'networkpolicies', namespaced: true, kind: 'NetworkPolicy' },
  },
  effect: `deny all ingress and egress at order ${CALICO_ORDER}, ahead of the default tier's other policies; tiers ordered before the default tier still apply first`,
  policyName: name,
  build: (groupVersion, namespace, context) => ({
    apiVersion: groupVersion,
    kind: 'NetworkPolicy',
    metadata: createdMetadata(name(context.incidentId, groupVersion), context.incidentId, context.now, namespace),
    spec: {
      ...(groupVersion === CRD_V1 ? { tier: 'default' } : {}),
      order: CALICO_ORDER,
      selector: `${QUARANTINE_LABEL} == '${context.incidentId}'`,
      types: ['Ingress', 'Egress'],
      ingress: [{ action: 'Deny' }],
      egress: [{ action: 'Deny' }],
    },
  }),
  permissions: [
    { group: 'projectcalico.org', resource: 'networkpolicies', verbs: ['get', 'create'] },
    { group: 'crd.projectcalico.org', resource: 'networkpolicies', verbs: ['get', 'create'] },
  ],
};

/** Calico's Deny action ends evaluation, so an earlier-ordered deny holds against later allows. */
export const calicoDeny = layeredPolicyAction(policy);
export const calicoDenyRelease = layeredPolicyRelease(policy);
