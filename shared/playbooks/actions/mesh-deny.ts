import type { KubernetesPort } from '../../adapters/ports';
import { ORIGINAL_LABELS_ANNOTATION, QUARANTINE_LABEL, quarantinePolicyName } from '../../markers';
import { createdMetadata } from './created-object';
import { layeredPolicyAction, layeredPolicyRelease, type LayeredPolicy } from './layered-policy';
import type { NamespaceTarget } from './namespace-targets';

const SIDECAR_CONTAINER = 'istio-proxy';
const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

interface PodManifest {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
}

function parse<T>(text: string | undefined): T | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** How the pod is in the mesh: an injected sidecar (also as a native sidecar init container), or ambient enrolment. */
export function meshEnrolment(pod: PodManifest, namespaceLabels: Record<string, string>): 'sidecar' | 'ambient' | undefined {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (containers.some((container) => container.name === SIDECAR_CONTAINER)) return 'sidecar';
  // Isolation may already have replaced the pod's labels: its enrolment is read from the originals too.
  const original = parse<Record<string, string>>(pod.metadata?.annotations?.[ORIGINAL_LABELS_ANNOTATION]) ?? {};
  const podMode = pod.metadata?.labels?.[DATAPLANE_MODE_LABEL] ?? original[DATAPLANE_MODE_LABEL];
  return (podMode ?? namespaceLabels[DATAPLANE_MODE_LABEL]) === 'ambient' ? 'ambient' : undefined;
}

async function outsideTheMesh(kube: KubernetesPort, target: NamespaceTarget): Promise<string | undefined> {
  const [namespace, ...pods] = await Promise.all([
    kube.readManifest('Namespace', undefined, target.namespace),
    ...target.pods.map((pod) => kube.readManifest('Pod', pod.namespace, pod.pod)),
  ]);
  const namespaceLabels = parse<{ metadata?: { labels?: Record<string, string> } }>(namespace)?.metadata?.labels ?? {};
  const enrolled = pods.map((pod) => parse<PodManifest>(pod)).filter((pod) => pod && meshEnrolment(pod, namespaceLabels));
  return enrolled.length ? undefined : `no affected pod in the mesh (no ${SIDECAR_CONTAINER} sidecar, no ${DATAPLANE_MODE_LABEL}=ambient)`;
}

const policy: LayeredPolicy = {
  name: 'mesh-deny',
  description: 'Create an Istio AuthorizationPolicy denying every request to pods with the quarantine label, when they are in the mesh',
  api: 'istio',
  apiName: 'Istio',
  resources: {
    'security.istio.io/v1': { group: 'security.istio.io', version: 'v1', plural: 'authorizationpolicies', namespaced: true, kind: 'AuthorizationPolicy' },
    'security.istio.io/v1beta1': { group: 'security.istio.io', version: 'v1beta1', plural: 'authorizationpolicies', namespaced: true, kind: 'AuthorizationPolicy' },
  },
  effect: 'DENY every request, ahead of any ALLOW policy; enforced by the sidecar or, in ambient mode, by ztunnel',
  policyName: quarantinePolicyName,
  build: (groupVersion, namespace, context) => ({
    apiVersion: groupVersion,
    kind: 'AuthorizationPolicy',
    metadata: createdMetadata(quarantinePolicyName(context.incidentId), context.incidentId, context.now, namespace),
    spec: {
      selector: { matchLabels: { [QUARANTINE_LABEL]: context.incidentId } },
      action: 'DENY',
      // One empty rule matches every request; an empty rule list would match none.
      rules: [{}],
    },
  }),
  notApplicable: outsideTheMesh,
  permissions: [
    { group: 'security.istio.io', resource: 'authorizationpolicies', verbs: ['get', 'create'] },
    { group: '', resource: 'namespaces', verbs: ['get'] },
    { group: '', resource: 'pods', verbs: ['get'] },
  ],
};

/** A mesh keeps mTLS routes of its own; Istio's DENY policies win over its ALLOW policies. */
export const meshDeny = layeredPolicyAction(policy);
export const meshDenyRelease = layeredPolicyRelease(policy);
