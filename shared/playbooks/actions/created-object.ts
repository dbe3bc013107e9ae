import type { CustomObject } from '../../adapters/ports';
import { CHANGED_AT_ANNOTATION, INCIDENT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, QUARANTINE_LABEL } from '../../markers';

/**
 * Metadata of an object the responder creates, as isolate-pod marks its NetworkPolicy:
 * found again by label (managed-by and the incident), attributed by annotation.
 */
export function createdMetadata(name: string, incidentId: string, now: Date, namespace?: string): CustomObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [QUARANTINE_LABEL]: incidentId },
    annotations: { [INCIDENT_ANNOTATION]: incidentId, [CHANGED_AT_ANNOTATION]: now.toISOString() },
  };
}

/** True when the responder created the object for this incident. */
export function createdFor(object: CustomObject, incidentId: string): boolean {
  return object.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && object.metadata.labels?.[QUARANTINE_LABEL] === incidentId;
}

/** Label selector for every object created for the incident. */
export function createdForSelector(incidentId: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${QUARANTINE_LABEL}=${incidentId}`;
}
