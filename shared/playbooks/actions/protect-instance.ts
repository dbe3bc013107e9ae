import type { TerminationSettings } from '../../adapters/ports';
import { BEFORE_SHUTDOWN_BEHAVIOR_TAG, BEFORE_TERMINATION_PROTECTION_TAG, INCIDENT_TAG } from '../../markers';
import type { NodeTarget } from '../../model';
import type { Action } from '../action';
import type { ActionRelease } from '../action-release';
import { describeNodeInstance, instanceBehind } from './node-instance';

interface InstanceChange {
  instanceId: string;
  settings: Partial<TerminationSettings>;
  tags: Record<string, string>;
}

/**
 * From the EKS best practices guide's incident response: keep the node's instance from being
 * terminated through the API (Karpenter, a person, a script) and make a shutdown from inside it
 * stop rather than terminate, so its disks survive; tag it with the incident. Spot instances
 * cannot be termination-protected, and Auto Scaling scale-in or health replacement ignores the
 * protection: the report says so.
 */
export const protectInstance: Action<NodeTarget, InstanceChange> = {
  name: 'protect-instance',
  description: 'Enable EC2 termination protection, set shutdown behaviour to stop and tag the node instance with the incident',
  kind: 'containment',
  // It keeps evidence rather than cutting the attacker off, and its change must wait for the
  // before-state read: the notification need not wait for it (see ActionPhase).
  phase: 'preservation',
  // The instance's settings and tags: nothing containment changes.
  waitsForContainment: () => false,
  planReadsAws: true,
  correlation: 'workload',
  permissions: { kubernetes: [{ group: '', resource: 'nodes', verbs: ['get'] }], iam: ['ec2:DescribeInstances', 'ec2:DescribeInstanceAttribute', 'ec2:ModifyInstanceAttribute', 'ec2:CreateTags'] },
  noTargetReason: 'no node to protect',
  targetsOf: (context) => context.targets.nodes,
  describe: describeNodeInstance,
  protectedReason: (target) => target.protectedReason,

  async plan(context, target) {
    const region = context.finding.region;
    // Read with the instance rather than after it: one round trip instead of two.
    const reading = target.instanceId ? context.adapters.ec2.terminationSettings(region, target.instanceId) : undefined;
    reading?.catch(() => undefined);
    const found = await instanceBehind(context, target);
    if ('skip' in found) return found;
    const { instance } = found;
    const spot = instance.lifecycle === 'spot';
    const current = await (reading ?? context.adapters.ec2.terminationSettings(region, instance.instanceId));
    // Spot instances take neither setting: AWS reclaims them whatever the instance says.
    const settings: Partial<TerminationSettings> = spot
      ? {}
      : { ...(current.disableApiTermination ? {} : { disableApiTermination: true }), ...(current.shutdownBehavior === 'stop' ? {} : { shutdownBehavior: 'stop' }) };
    const tagged = instance.tags[INCIDENT_TAG] === context.incidentId;
    if (Object.keys(settings).length === 0 && tagged) {
      return { skip: spot ? `already tagged (incident ${context.incidentId}); Spot instances cannot be termination-protected` : `already protected (incident ${context.incidentId})` };
    }
    // The first response records the original settings; a later incident must not record the responder's own.
    const before = {
      ...(instance.tags[BEFORE_TERMINATION_PROTECTION_TAG] === undefined ? { [BEFORE_TERMINATION_PROTECTION_TAG]: String(current.disableApiTermination) } : {}),
      ...(instance.tags[BEFORE_SHUTDOWN_BEHAVIOR_TAG] === undefined ? { [BEFORE_SHUTDOWN_BEHAVIOR_TAG]: current.shutdownBehavior } : {}),
    };
    const steps = [
      settings.disableApiTermination ? 'enable termination protection' : undefined,
      settings.shutdownBehavior ? `set instance-initiated shutdown to stop (was ${current.shutdownBehavior})` : undefined,
      tagged ? undefined : `tag ${INCIDENT_TAG}=${context.incidentId}`,
      spot ? 'Spot instance: termination protection is not available, tagged only' : 'Auto Scaling scale-in and health replacement ignore termination protection',
    ].filter(Boolean);
    return {
      summary: `protect instance ${instance.instanceId}: ${steps.join('; ')}`,
      change: { instanceId: instance.instanceId, settings, tags: spot ? { [INCIDENT_TAG]: context.incidentId } : { [INCIDENT_TAG]: context.incidentId, ...before } },
      before: current,
    };
  },

  async apply(context, _target, change) {
    const region = context.finding.region;
    // Side by side: the settings and the tags are independent. A tag that lands while a setting
    // fails says nothing false for long: the action fails, and the next run (the plan reads the
    // settings, not the tag) sets what is missing; the before- tags already record the originals.
    await Promise.all([context.adapters.ec2.changeTerminationSettings(region, change.instanceId, change.settings), context.adapters.ec2.tag(region, change.instanceId, change.tags)]);
    const done = [change.settings.disableApiTermination ? 'termination protection on' : undefined, change.settings.shutdownBehavior ? 'shutdown behaviour stop' : undefined, 'tagged'];
    return { status: 'done', detail: `${change.instanceId}: ${done.filter(Boolean).join(', ')}` };
  },
};

/** Restores the settings recorded in the `before-` tags and removes the responder's tags, when this incident set them. */
export const protectInstanceRelease: ActionRelease<NodeTarget> = {
  action: protectInstance.name,
  permissions: { iam: ['ec2:DescribeInstances', 'ec2:ModifyInstanceAttribute', 'ec2:DeleteTags'] },
  describe: (incidentId) => `restore termination protection and shutdown behaviour from the ${BEFORE_TERMINATION_PROTECTION_TAG} / ${BEFORE_SHUTDOWN_BEHAVIOR_TAG} tags of instances tagged ${INCIDENT_TAG}=${incidentId}, then remove those tags`,
  async release(context, target) {
    const found = await instanceBehind(context, target);
    if ('skip' in found) return { status: 'skipped', detail: found.skip };
    const { instance } = found;
    if (instance.tags[INCIDENT_TAG] !== context.incidentId) return { status: 'skipped', detail: `nothing to restore: ${instance.instanceId} is not tagged for this incident` };
    const region = context.finding.region;
    const protection = instance.tags[BEFORE_TERMINATION_PROTECTION_TAG];
    const shutdown = instance.tags[BEFORE_SHUTDOWN_BEHAVIOR_TAG];
    await context.adapters.ec2.changeTerminationSettings(region, instance.instanceId, {
      ...(protection === undefined ? {} : { disableApiTermination: protection === 'true' }),
      ...(shutdown === undefined ? {} : { shutdownBehavior: shutdown }),
    });
    await context.adapters.ec2.untag(region, instance.instanceId, [INCIDENT_TAG, BEFORE_TERMINATION_PROTECTION_TAG, BEFORE_SHUTDOWN_BEHAVIOR_TAG]);
    return { status: 'done', detail: `${instance.instanceId}: termination protection ${protection ?? 'unchanged'}, shutdown behaviour ${shutdown ?? 'unchanged'}, tags removed` };
  },
};
