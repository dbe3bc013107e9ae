import type { CustomObject } from '../../adapters/ports';

export const CONSTRAINT_KIND = 'EksResponderBlockedImage';

const IMAGES = '{{ request.object.spec.[ephemeralContainers, initContainers, containers][].image }}';

/**
 * Kyverno: deny pod creations whose images end in a blocked digest. Only CREATE is checked, so
 * updates of running pods (the quarantine relabelling, its release) still pass.
 */
export function kyvernoPolicy(metadata: CustomObject['metadata'], incidentId: string, digests: string[]): CustomObject {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata,
    spec: {
      validationFailureAction: 'Enforce',
      background: false,
      rules: [
        {
          name: 'deny-compromised-image-digests',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          preconditions: { all: [{ key: "{{ request.operation || 'BACKGROUND' }}", operator: 'Equals', value: 'CREATE' }] },
          validate: {
            message: `eks-responder incident ${incidentId}: this image digest belongs to a compromised workload and is blocked`,
            deny: { conditions: { any: [{ key: IMAGES, operator: 'AnyIn', value: digests.map((digest) => `*@${digest}`) }] } },
          },
        },
      ],
    },
  };
}

const REGO = `package eksresponderblockedimage

violation[{"msg": msg}] {
  input.review.operation == "CREATE"
  image := pod_images[_]
  digest := input.parameters.digests[_]
  endswith(image, sprintf("@%v", [digest]))
  msg := sprintf("image %v is blocked by eks-responder incident %v", [image, input.parameters.incident])
}

pod_images[image] { image := input.review.object.spec.containers[_].image }
pod_images[image] { image := input.review.object.spec.initContainers[_].image }
pod_images[image] { image := input.review.object.spec.ephemeralContainers[_].image }
`;

/** Gatekeeper: one template shared by every incident; each incident is a constraint listing its digests. */
export function blockedImageTemplate(labels: Record<string, string>): CustomObject {
  return {
    apiVersion: 'templates.gatekeeper.sh/v1',
    kind: 'ConstraintTemplate',
    metadata: { name: CONSTRAINT_KIND.toLowerCase(), labels },
    spec: {
      crd: {
        spec: {
          names: { kind: CONSTRAINT_KIND },
          validation: {
            openAPIV3Schema: { type: 'object', properties: { incident: { type: 'string' }, digests: { type: 'array', items: { type: 'string' } } } },
          },
        },
      },
      targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: REGO }],
    },
  };
}

export function gatekeeperConstraint(metadata: CustomObject['metadata'], incidentId: string, digests: string[]): CustomObject {
  return {
    apiVersion: 'constraints.gatekeeper.sh/v1beta1',
    kind: CONSTRAINT_KIND,
    metadata,
    spec: {
      enforcementAction: 'deny',
      match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] },
      parameters: { incident: incidentId, digests },
    },
  };
}
