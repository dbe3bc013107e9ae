import { INCIDENT_TAG } from '../../markers';
import type { NodeTarget } from '../../model';
import type { Action } from '../action';
import type { ActionRelease } from '../action-release';
import { describeNodeInstance, instanceBehind } from './node-instance';

interface SnapshotChange {
  instanceId: string;
  volumes: { volumeId: string; deviceName: string }[];
}

/**
 * Point-in-time copies of the node's EBS volumes (root, and any attached persistent volumes),
 * tagged with the incident, from the EKS best practices guide. Opt-in (SNAPSHOT_VOLUMES=true):
 * snapshots cost money and may hold data under retention rules. Fargate has no volumes in the
 * account; Spot nodes are left out by design.
 */
export const snapshotVolumes: Action<NodeTarget, SnapshotChange> = {
  name: 'snapshot-volumes',
  description: 'Snapshot the node instance’s EBS volumes, tagged with the incident',
  kind: 'containment',
  planReadsAws: true,
  correlation: 'workload',
  permissions: { kubernetes: [{ group: '', resource: 'nodes', verbs: ['get'] }], iam: ['ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:CreateSnapshot', 'ec2:CreateTags'] },
  noTargetReason: 'no node whose volumes to snapshot',
  targetsOf: (context) => context.targets.nodes,
  describe: describeNodeInstance,
  protectedReason: (target) => target.protectedReason,

  async plan(context, target) {
    const found = await instanceBehind(context, target);
    if ('skip' in found) return found;
    const { instance } = found;
    if (instance.lifecycle === 'spot') return { skip: 'Spot instance: left out by design, snapshot its volumes by hand if the case needs them' };
    if (instance.volumes.length === 0) return { skip: `${instance.instanceId} has no EBS volume` };
    const taken = await context.adapters.ec2.snapshotsTagged(context.finding.region, INCIDENT_TAG, context.incidentId);
    const done = new Set(taken.map((snapshot) => snapshot.volumeId));
    const volumes = instance.volumes.filter((volume) => !done.has(volume.volumeId));
    if (volumes.length === 0) return { skip: `already snapshotted (${taken.filter((snapshot) => instance.volumes.some((volume) => volume.volumeId === snapshot.volumeId)).map((snapshot) => snapshot.snapshotId).join(', ')})` };
    return {
      summary: `snapshot ${volumes.map((volume) => `${volume.volumeId} (${volume.deviceName})`).join(', ')} of ${instance.instanceId}, tagged ${INCIDENT_TAG}=${context.incidentId}`,
      change: { instanceId: instance.instanceId, volumes },
    };
  },

  async apply(context, target, change) {
    const snapshots = await Promise.all(
      change.volumes.map(async (volume) => {
        const tags = {
          Name: `eks-responder ${context.incidentId} ${target.name} ${volume.deviceName}`,
          [INCIDENT_TAG]: context.incidentId,
          'eks-responder:cluster': context.finding.cluster?.name ?? '',
          'eks-responder:node': target.name,
          'eks-responder:instance': change.instanceId,
          'eks-responder:device': volume.deviceName,
        };
        const description = `eks-responder incident ${context.incidentId}: ${volume.deviceName} of ${change.instanceId} (node ${target.name})`;
        return `${await context.adapters.ec2.createSnapshot(context.finding.region, volume.volumeId, description, tags)} (${volume.volumeId})`;
      }),
    );
    return { status: 'done', detail: `snapshots started: ${snapshots.join(', ')}` };
  },
};

/** Snapshots are evidence: a release keeps them. */
export const snapshotVolumesRelease: ActionRelease<NodeTarget> = {
  action: snapshotVolumes.name,
  permissions: { iam: [] },
  describe: (incidentId) => `keep the snapshots tagged ${INCIDENT_TAG}=${incidentId}: they are evidence, deleted by hand when the case is closed`,
  release: async () => ({ status: 'skipped', detail: 'snapshots are evidence and are kept' }),
};
