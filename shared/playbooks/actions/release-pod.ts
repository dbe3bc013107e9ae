import type { KubePod } from '../../adapters/ports';
import { selectorMatches } from '../../correlation/labels';
import { CHANGED_AT_ANNOTATION, INCIDENT_ANNOTATION, ORIGINAL_LABELS_ANNOTATION, QUARANTINE_LABEL } from '../../markers';
import type { PodTarget } from '../../model';
import type { Action, ActionContext } from '../action';
import { requireKube } from './require-kube';

interface PodRelease {
  pod: KubePod;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Labels a controller stamps on its pods: a pod carrying one was made by a ReplicaSet, DaemonSet or StatefulSet. */
const CONTROLLER_HASH_LABELS = ['pod-template-hash', 'controller-revision-hash'];

function originalLabels(context: ActionContext, target: PodTarget, pod: KubePod): Record<string, string> | undefined {
  const recorded = context.release?.recorded.get(`isolate-pod pod ${target.namespace}/${target.pod}`) as { labels?: Record<string, string> } | undefined;
  if (recorded?.labels) return recorded.labels;
  try {
    const saved = JSON.parse(pod.annotations[ORIGINAL_LABELS_ANNOTATION] ?? '') as unknown;
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? (saved as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** The responder's own annotations come off; whatever else the pod carries stays. */
function withoutMarkers(annotations: Record<string, string>): Record<string, string> {
  const { [ORIGINAL_LABELS_ANNOTATION]: _labels, [INCIDENT_ANNOTATION]: _incident, [CHANGED_AT_ANNOTATION]: _changed, ...rest } = annotations;
  return rest;
}

/**
 * Takes a pod out of quarantine. Its original labels come back (from the incident log, or the
 * annotation the isolation left), which puts it back behind its Services and policies, unless
 * its controller already runs a replacement: given its labels back, the controller would see
 * one pod too many and delete one, so the pod is left detached (no labels, originals kept in the
 * annotation) for a person to inspect and delete.
 */
export const releasePod: Action<PodTarget, PodRelease> = {
  name: 'release-pod',
  description: "Restore a quarantined pod's original labels (or leave it detached when a replacement runs)",
  kind: 'containment',
  // The release finds its targets from the markers and the incident log, not by correlation.
  correlation: 'cluster',
  permissions: { kubernetes: [{ group: '', resource: 'pods', verbs: ['get', 'list', 'patch'] }], iam: [] },
  noTargetReason: 'no pod quarantined by this incident',
  targetsOf: (context) => context.targets.pods,
  describe: (target) => `pod ${target.namespace}/${target.pod}`,

  async plan(context, target) {
    const kube = requireKube(context);
    const pod = await kube.readPod(target.namespace, target.pod);
    if (!pod) return { skip: 'pod no longer exists' };
    const marker = pod.labels[QUARANTINE_LABEL];
    if (marker !== context.incidentId) return { skip: marker ? `quarantined by another incident (${marker}); left as it is` : 'not quarantined' };
    const original = originalLabels(context, target, pod);
    if (!original) return { skip: `original labels unknown (no ${ORIGINAL_LABELS_ANNOTATION} annotation and no record); left isolated` };
    const annotations = withoutMarkers(pod.annotations);
    const controlled = pod.ownerReferences.length > 0 || CONTROLLER_HASH_LABELS.some((label) => label in original);
    const replacements = controlled
      ? (await kube.listPods(target.namespace, {})).filter((other) => other.name !== pod.name && !other.labels[QUARANTINE_LABEL] && selectorMatches({ matchLabels: original }, other.labels))
      : [];
    if (replacements.length) {
      return {
        summary: `leave pod ${target.namespace}/${target.pod} detached: remove the quarantine label, keep its original labels in ${ORIGINAL_LABELS_ANNOTATION}; its controller already runs ${replacements.map((other) => other.name).join(', ')}, and would delete a pod if this one got its labels back`,
        change: { pod, labels: {}, annotations: { ...annotations, [ORIGINAL_LABELS_ANNOTATION]: JSON.stringify(original) } },
        before: { labels: pod.labels, annotations: pod.annotations },
      };
    }
    return {
      summary: `restore the ${Object.keys(original).length} original labels of pod ${target.namespace}/${target.pod} (${Object.entries(original).map(([key, value]) => `${key}=${value}`).join(', ')}) and remove the responder's annotations`,
      change: { pod, labels: original, annotations },
      before: { labels: pod.labels, annotations: pod.annotations },
    };
  },

  async apply(context, target, change) {
    await requireKube(context).replacePodLabels(target.namespace, target.pod, { expectedLabels: change.pod.labels, labels: change.labels, annotations: change.annotations });
    const restored = Object.keys(change.labels).length;
    return { status: 'done', detail: restored ? `${restored} original labels restored` : 'quarantine label removed; left detached, original labels kept in the annotation' };
  },
};
