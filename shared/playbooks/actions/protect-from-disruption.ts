import { detectClusterApis } from '../../correlation/cluster-apis';
import { DISRUPTION_PROTECTION_ANNOTATION, DO_NOT_DISRUPT_ANNOTATION, SCALE_DOWN_DISABLED_ANNOTATION } from '../../markers';
import type { NodeTarget, PodTarget } from '../../model';
import type { Action, ActionContext } from '../action';
import type { ActionRelease } from '../action-release';
import { requireKube } from './require-kube';

type DisruptionTarget = { kind: 'pod'; pod: PodTarget } | { kind: 'node'; node: NodeTarget };

interface DisruptionChange {
  add: string[];
  /** The marker after the change: incident -> annotations the responder added for it. */
  marker: Record<string, string[]>;
}

/** The marker annotation's value; tolerant of a value someone mangled (treated as absent). */
function readMarker(annotations: Record<string, string>): Record<string, string[]> {
  try {
    const value = JSON.parse(annotations[DISRUPTION_PROTECTION_ANNOTATION] ?? '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

const describeTarget = (target: DisruptionTarget): string => (target.kind === 'pod' ? `pod ${target.pod.namespace}/${target.pod.pod}` : `node ${target.node.name}`);

async function annotationsOf(context: ActionContext, target: DisruptionTarget): Promise<Record<string, string> | undefined> {
  const kube = requireKube(context);
  return target.kind === 'pod' ? (await kube.readPod(target.pod.namespace, target.pod.pod))?.annotations : (await kube.readNode(target.node.name))?.annotations;
}

async function patchAnnotations(context: ActionContext, target: DisruptionTarget, annotations: Record<string, string | null>): Promise<void> {
  const kube = requireKube(context);
  if (target.kind === 'pod') await kube.patchPodMetadata(target.pod.namespace, target.pod.pod, { annotations });
  else await kube.patchNode(target.node.name, { annotations });
}

/**
 * Keeps Karpenter consolidation and the cluster autoscaler from draining the cordoned node and
 * so destroying the quarantined pod: `karpenter.sh/do-not-disrupt` on pods and nodes when the
 * cluster runs Karpenter, and the autoscaler's `scale-down-disabled` on nodes (the autoscaler
 * has no API to detect; the annotation is inert without it). Runs on a pod after its
 * containment, which rewrites the pod's annotations. Annotations already there are recorded and left on release.
 */
export const protectFromDisruption: Action<DisruptionTarget, DisruptionChange> = {
  name: 'protect-from-disruption',
  description: `Annotate quarantined pods and their nodes ${DO_NOT_DISRUPT_ANNOTATION} (with Karpenter) and nodes ${SCALE_DOWN_DISABLED_ANNOTATION}`,
  kind: 'containment',
  correlation: 'workload',
  phase: 'preservation',
  // isolate-pod rewrites the pod's annotations whole: a pod is marked after it. cordon-node
  // merge-patches other fields of the node: a node is marked alongside.
  waitsForContainment: (target) => target.kind === 'pod',
  permissions: {
    kubernetes: [
      { group: '', resource: 'pods', verbs: ['get', 'patch'] },
      { group: '', resource: 'nodes', verbs: ['get', 'patch'] },
    ],
    iam: [],
  },
  noTargetReason: 'no pod or node to protect',
  targetsOf: (context) => [
    ...context.targets.pods.map((pod): DisruptionTarget => ({ kind: 'pod', pod })),
    ...context.targets.nodes.map((node): DisruptionTarget => ({ kind: 'node', node })),
  ],
  describe: describeTarget,
  protectedReason: (target) => (target.kind === 'pod' ? target.pod.protectedReason : target.node.protectedReason),

  async plan(context, target) {
    const karpenter = (await detectClusterApis(requireKube(context))).karpenter;
    const wanted = [...(karpenter ? [DO_NOT_DISRUPT_ANNOTATION] : []), ...(target.kind === 'node' ? [SCALE_DOWN_DISABLED_ANNOTATION] : [])];
    if (wanted.length === 0) return { skip: 'Karpenter not served (no karpenter.sh/v1): no pod annotation needed' };
    const annotations = await annotationsOf(context, target);
    if (!annotations) return { skip: `${target.kind} no longer exists` };
    const marker = readMarker(annotations);
    const present = wanted.filter((key) => annotations[key] === 'true');
    const add = wanted.filter((key) => !present.includes(key));
    if (add.length === 0) {
      const by = Object.keys(marker).find((incident) => present.every((key) => marker[incident].includes(key)));
      return { skip: by ? `already protected (incident ${by})` : `already protected: ${present.join(', ')} set before the response, left as they are` };
    }
    const mine = marker[context.incidentId] ?? [];
    return {
      summary: [`annotate ${describeTarget(target)} ${add.map((key) => `${key}="true"`).join(', ')}`, present.length ? `${present.join(', ')} already set, left as they are` : undefined]
        .filter(Boolean)
        .join('; '),
      change: { add, marker: { ...marker, [context.incidentId]: [...new Set([...mine, ...add])] } },
      before: { alreadySet: present },
    };
  },

  async apply(context, target, change) {
    await patchAnnotations(context, target, {
      ...Object.fromEntries(change.add.map((key) => [key, 'true'])),
      [DISRUPTION_PROTECTION_ANNOTATION]: JSON.stringify(change.marker),
    });
    return { status: 'done', detail: `${change.add.join(', ')} set` };
  },
};

/** Removes the annotations this incident added (not those there before, nor those another incident still claims). */
export const protectFromDisruptionRelease: ActionRelease<DisruptionTarget> = {
  action: protectFromDisruption.name,
  permissions: { iam: [] },
  describe: (incidentId) => `remove the disruption annotations incident ${incidentId} added (listed in ${DISRUPTION_PROTECTION_ANNOTATION})`,
  async release(context, target) {
    const annotations = await annotationsOf(context, target);
    if (!annotations) return { status: 'skipped', detail: `${target.kind} no longer exists` };
    const { [context.incidentId]: mine, ...others } = readMarker(annotations);
    if (!mine) return { status: 'skipped', detail: 'nothing to remove: not protected by this incident' };
    const stillClaimed = new Set(Object.values(others).flat());
    const remove = mine.filter((key) => !stillClaimed.has(key));
    await patchAnnotations(context, target, {
      ...Object.fromEntries(remove.map((key) => [key, null])),
      [DISRUPTION_PROTECTION_ANNOTATION]: Object.keys(others).length ? JSON.stringify(others) : null,
    });
    return { status: 'done', detail: remove.length ? `${remove.join(', ')} removed` : 'marker removed; annotations still claimed by another incident kept' };
  },
};
