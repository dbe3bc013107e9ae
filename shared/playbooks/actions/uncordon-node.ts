import { CHANGED_AT_ANNOTATION, CORDONED_BY_ANNOTATION, QUARANTINE_LABEL } from '../../markers';
import type { NodeTarget } from '../../model';
import type { Action } from '../action';
import { requireKube } from './require-kube';

/**
 * Makes schedulable again a node the responder cordoned for this incident, and only such a node:
 * one cordoned by someone else, or still hosting a quarantined pod (of this incident or
 * another), is left as it is, with the reason.
 */
export const uncordonNode: Action<NodeTarget, { name: string }> = {
  name: 'uncordon-node',
  description: 'Uncordon a node the responder cordoned for this incident',
  kind: 'containment',
  // The release finds its targets from the markers and the incident log, not by correlation.
  correlation: 'cluster',
  permissions: { kubernetes: [{ group: '', resource: 'nodes', verbs: ['get', 'list', 'patch'] }, { group: '', resource: 'pods', verbs: ['list'] }], iam: [] },
  noTargetReason: 'no node cordoned by this incident',
  targetsOf: (context) => context.targets.nodes,
  describe: (target) => `node ${target.name}`,

  async plan(context, target) {
    const kube = requireKube(context);
    const [node, running] = await Promise.all([kube.readNode(target.name), kube.listPods(undefined, { fieldSelector: `spec.nodeName=${target.name}`, labelSelector: QUARANTINE_LABEL })]);
    if (!node) return { skip: 'node no longer exists' };
    const cordonedBy = node.annotations[CORDONED_BY_ANNOTATION];
    if (cordonedBy !== context.incidentId) return { skip: cordonedBy ? `cordoned by incident ${cordonedBy}; left as it is` : 'not cordoned by the responder; left as it is' };
    if (!node.unschedulable) return { skip: 'already schedulable (uncordoned by someone else)' };
    const staying = running.filter((pod) => !context.release?.releasing.has(`${pod.namespace}/${pod.name}`));
    if (staying.length) return { skip: `still hosts quarantined ${staying.map((pod) => `pod ${pod.namespace}/${pod.name} (incident ${pod.labels[QUARANTINE_LABEL]})`).join(', ')}; left cordoned` };
    return { summary: `uncordon node ${target.name} and remove the responder's annotations`, change: { name: target.name }, before: { unschedulable: true, cordonedBy } };
  },

  async apply(context, _target, change) {
    // null removes the field: the node is as it was before the cordon, which found it schedulable.
    await requireKube(context).patchNode(change.name, { unschedulable: null, annotations: { [CORDONED_BY_ANNOTATION]: null, [CHANGED_AT_ANNOTATION]: null } });
    return { status: 'done', detail: `node ${change.name} uncordoned` };
  },
};
