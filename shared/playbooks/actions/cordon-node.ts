import { CHANGED_AT_ANNOTATION, CORDONED_BY_ANNOTATION } from '../../markers';
import type { NodeTarget } from '../../model';
import type { Action } from '../action';
import { requireKube } from './require-kube';

/**
 * Marks the node unschedulable so no new pod lands next to the compromised one. It does not
 * drain: the pods stay for forensics. The annotation names the incident, so a release only
 * uncordons nodes the responder cordoned.
 */
export const cordonNode: Action<NodeTarget, { name: string }> = {
  name: 'cordon-node',
  description: 'Cordon the node (spec.unschedulable=true) without draining it',
  kind: 'containment',
  correlation: 'workload',
  permissions: { kubernetes: [{ group: '', resource: 'nodes', verbs: ['get', 'patch'] }], iam: [] },
  noTargetReason: 'no node to cordon',
  targetsOf: (context) => context.targets.nodes,
  describe: (target) => `node ${target.name}`,
  protectedReason: (target) => target.protectedReason,

  async plan(context, target) {
    const node = await requireKube(context).readNode(target.name);
    if (!node) return { skip: 'node no longer exists' };
    const cordonedBy = node.annotations[CORDONED_BY_ANNOTATION];
    if (node.unschedulable && cordonedBy) return { skip: `already cordoned (incident ${cordonedBy})` };
    if (node.unschedulable) return { skip: 'already cordoned by someone else; left as it is' };
    const why = target.why === 'node-identity' ? 'its identity made the call' : `it runs ${target.pods.join(', ')}`;
    return { summary: `cordon node ${target.name} (${why})`, change: { name: target.name }, before: { unschedulable: false } };
  },

  async apply(context, _target, change) {
    await requireKube(context).patchNode(change.name, {
      unschedulable: true,
      annotations: { [CORDONED_BY_ANNOTATION]: context.incidentId, [CHANGED_AT_ANNOTATION]: context.now.toISOString() },
    });
    return { status: 'done', detail: `node ${change.name} cordoned` };
  },
};
