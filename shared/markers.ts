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

/** The Sid of the revocation statement: the role itself records which incident revoked its sessions. */
export function revocationSid(incidentId: string): string {
  return `EksResponder${incidentId.replace(/[^A-Za-z0-9]/g, '')}`;
}
