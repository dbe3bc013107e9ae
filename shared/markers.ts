/**
 * Labels and annotations the responder leaves on cluster objects. They are the record of
 * what was done even without any table: actions check them to stay idempotent, and a
 * release reads them to restore the before-state.
 */
export const PREFIX = 'eks-responder.io';

/** On a quarantined pod; the value is the incident id. The quarantine policy selects it. */
export const QUARANTINE_LABEL = `${PREFIX}/quarantine`;
/** On a quarantined pod: its labels before isolation, as JSON. */
export const ORIGINAL_LABELS_ANNOTATION = `${PREFIX}/original-labels`;
/** On every object the responder changed or created: the incident id. */
export const INCIDENT_ANNOTATION = `${PREFIX}/incident`;
/** When the responder changed the object (ISO 8601). */
export const CHANGED_AT_ANNOTATION = `${PREFIX}/changed-at`;
/** On a node the responder cordoned: the incident id. Absent when someone else cordoned it. */
export const CORDONED_BY_ANNOTATION = `${PREFIX}/cordoned-by`;
/** On objects the responder created. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'eks-responder';

export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';

export function quarantinePolicyName(incidentId: string): string {
  return `eks-responder-quarantine-${incidentId}`;
}

/** Karpenter (v0.32+, including EKS Auto Mode) does not voluntarily disrupt a pod or node carrying it. */
export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';
/** The cluster autoscaler never scales down a node carrying it. */
export const SCALE_DOWN_DISABLED_ANNOTATION = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
/**
 * On a pod or node protected from disruption: JSON `{incident, added}`, `added` listing the
 * annotations the responder set. Those that were already there are not listed, so a release
 * leaves them.
 */
export const DISRUPTION_PROTECTION_ANNOTATION = `${PREFIX}/disruption-protection`;
/** On a pod whose evidence was collected: JSON `{incident, manifest}`, the bundle's manifest location. */
export const EVIDENCE_ANNOTATION = `${PREFIX}/evidence`;

export function blockImagePolicyName(incidentId: string): string {
  return `eks-responder-block-image-${incidentId}`;
}

/** EC2 tags on an instance the responder protected; the `before-` tags hold what a release restores. */
export const INCIDENT_TAG = 'eks-responder:incident';
export const BEFORE_TERMINATION_PROTECTION_TAG = 'eks-responder:before-disable-api-termination';
export const BEFORE_SHUTDOWN_BEHAVIOR_TAG = 'eks-responder:before-shutdown-behavior';
/** The Sid of the revocation statement: the role itself records which incident revoked its sessions. */
export function revocationSid(incidentId: string): string {
  return `EksResponder${incidentId.replace(/[^A-Za-z0-9]/g, '')}`;
}
