import type { KubeNetworkPolicy, KubePod } from '../../adapters/ports';
import { admittingPoliciesFor } from '../../correlation/network-policies';
import {
  CHANGED_AT_ANNOTATION,
  INCIDENT_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  ORIGINAL_LABELS_ANNOTATION,
  QUARANTINE_LABEL,
  quarantinePolicyName,
} from '../../markers';
import type { PodTarget } from '../../model';
import type { Action, ActionContext } from '../action';
import { requireKube } from './require-kube';

interface IsolationChange {
  pod: KubePod;
  createPolicy: boolean;
  /** Admitting policies that still select the pod once its labels are gone (empty or negative selectors). */
  policiesToNarrow: { name: string; hasExpressions: boolean }[];
}

/** The deny-all policy: selecting the quarantine label, with both policy types and no rules. */
export function quarantinePolicy(namespace: string, incidentId: string, now: Date): KubeNetworkPolicy {
  return {
    metadata: {
      name: quarantinePolicyName(incidentId),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [QUARANTINE_LABEL]: incidentId },
      annotations: { [INCIDENT_ANNOTATION]: incidentId, [CHANGED_AT_ANNOTATION]: now.toISOString() },
    },
    spec: { podSelector: { matchLabels: { [QUARANTINE_LABEL]: incidentId } }, policyTypes: ['Ingress', 'Egress'] },
  };
}

const names = (policies: { name: string }[]): string => policies.map((policy) => policy.name).join(', ');

function labelsWithoutMarker(labels: Record<string, string>): Record<string, string> {
  const { [QUARANTINE_LABEL]: _marker, ...rest } = labels;
  return rest;
}

/**
 * Cuts a pod off the network and keeps it for forensics. NetworkPolicies are additive, so a
 * deny-all policy alone does not stop another policy's allow: the pod's own labels are
 * replaced by the quarantine label (the originals saved in an annotation), which takes it out
 * of every label-based policy, of Service endpoints and of its ReplicaSet (a clean replica
 * replaces it). Policies that would still select a label-less pod (empty or negative
 * selectors) are narrowed to exclude quarantined pods. The pod is never deleted.
 */
export const isolatePod: Action<PodTarget, IsolationChange> = {
  name: 'isolate-pod',
  description: 'Label the pod for quarantine, detach its labels and apply a deny-all NetworkPolicy',
  kind: 'containment',
  correlation: 'workload',
  permissions: {
    kubernetes: [
      { group: '', resource: 'pods', verbs: ['get', 'patch'] },
      { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list', 'create', 'patch'] },
    ],
    iam: [],
  },
  noTargetReason: 'no pod to isolate',
  targetsOf: (context) => context.targets.pods,
  describe: (target) => `pod ${target.namespace}/${target.pod}`,
  protectedReason: (target) => target.protectedReason,

  async plan(context: ActionContext, target: PodTarget) {
    const kube = requireKube(context);
    const [pod, policies] = await Promise.all([kube.readPod(target.namespace, target.pod), kube.listNetworkPolicies(target.namespace)]);
    if (!pod) return { skip: 'pod no longer exists' };
    const policyName = quarantinePolicyName(context.incidentId);
    const policyExists = policies.some((policy) => policy.metadata.name === policyName);
    const marker = pod.labels[QUARANTINE_LABEL];
    if (marker && marker !== context.incidentId) return { skip: `already quarantined by incident ${marker}` };
    const others = policies.filter((policy) => !policy.metadata.labels?.[QUARANTINE_LABEL]);
    const stillAdmitting = admittingPoliciesFor(others, { [QUARANTINE_LABEL]: context.incidentId }).map((policy) => ({
      name: policy.metadata.name,
      hasExpressions: Array.isArray(policy.spec.podSelector.matchExpressions),
    }));
    if (marker === context.incidentId && policyExists && stillAdmitting.length === 0) {
      return { skip: `already isolated (incident ${context.incidentId})` };
    }
    const original = labelsWithoutMarker(pod.labels);
    const narrowed = new Set(stillAdmitting.map((policy) => policy.name));
    const detachedFrom = admittingPoliciesFor(others, original)
      .map((policy) => policy.metadata.name)
      .filter((name) => !narrowed.has(name));
    const steps = [
      policyExists ? undefined : `create NetworkPolicy ${policyName} (deny all ingress and egress)`,
      marker ? undefined : `replace ${Object.keys(original).length} labels with ${QUARANTINE_LABEL}=${context.incidentId} (originals kept in ${ORIGINAL_LABELS_ANNOTATION})`,
      detachedFrom.length ? `which takes it out of admitting policies ${detachedFrom.join(', ')}` : undefined,
      stillAdmitting.length ? `exclude quarantined pods from policies ${names(stillAdmitting)} that select pods without labels` : undefined,
    ].filter(Boolean);
    return {
      summary: steps.join('; '),
      change: { pod, createPolicy: !policyExists, policiesToNarrow: stillAdmitting },
      before: { labels: original, annotations: pod.annotations, admittingPolicies: detachedFrom, narrowedPolicies: stillAdmitting.map((policy) => policy.name) },
    };
  },

  async apply(context: ActionContext, target: PodTarget, change: IsolationChange) {
    const kube = requireKube(context);
    const { pod } = change;
    const original = labelsWithoutMarker(pod.labels);
    const relabel = pod.labels[QUARANTINE_LABEL]
      ? Promise.resolve()
      : kube.replacePodLabels(target.namespace, target.pod, {
          expectedLabels: pod.labels,
          labels: { [QUARANTINE_LABEL]: context.incidentId },
          annotations: {
            ...pod.annotations,
            [ORIGINAL_LABELS_ANNOTATION]: JSON.stringify(original),
            [INCIDENT_ANNOTATION]: context.incidentId,
            [CHANGED_AT_ANNOTATION]: context.now.toISOString(),
          },
        });
    // Policy and label go out together: isolation holds as soon as both have landed.
    const [created] = await Promise.all([
      change.createPolicy ? kube.createNetworkPolicy(quarantinePolicy(target.namespace, context.incidentId, context.now)) : Promise.resolve(false),
      relabel,
      ...change.policiesToNarrow.map(({ name, hasExpressions }) => {
        const requirement = { key: QUARANTINE_LABEL, operator: 'DoesNotExist' };
        // `add` on an existing member replaces it, so append to a list that exists, or create the list.
        return kube.patchNetworkPolicy(target.namespace, name, [
          hasExpressions
            ? { op: 'add', path: '/spec/podSelector/matchExpressions/-', value: requirement }
            : { op: 'add', path: '/spec/podSelector/matchExpressions', value: [requirement] },
        ]);
      }),
    ]);
    const parts = [
      `quarantine label ${QUARANTINE_LABEL}=${context.incidentId} set, ${Object.keys(original).length} original labels saved`,
      change.createPolicy ? `NetworkPolicy ${quarantinePolicyName(context.incidentId)} ${created ? 'created' : 'already present'}` : undefined,
      change.policiesToNarrow.length ? `quarantined pods excluded from ${names(change.policiesToNarrow)}` : undefined,
    ].filter(Boolean);
    return { status: 'done' as const, detail: parts.join('; ') };
  },
};
