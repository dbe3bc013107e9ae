/**
 * Amazon EC2 (the EC2 query protocol: form-encoded requests like IAM's, but lists flattened as
 * `Name.N` without `.member`, and replies whose members sit directly under `<ActionResponse>` with
 * lower-camel XML names and `<item>` list elements; errors as `<Response><Errors><Error>`).
 * Only what instance protection and snapshots need: instances, their attributes and tags,
 * EBS snapshots.
 */
import { randomBytes } from 'node:crypto';
import { AwsError, xmlEscape, type Reply, type RpcOperation } from './protocol';
import type { FakeAwsState } from './state';

export const EC2_XML_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export interface InstanceSeed {
  instanceId: string;
  /** `spot` for Spot instances; undefined for On-Demand. */
  lifecycle?: 'spot' | 'scheduled' | 'capacity-block';
  state?: string;
  tags?: Record<string, string>;
  disableApiTermination?: boolean;
  shutdownBehavior?: 'stop' | 'terminate';
  /** EBS volumes attached to the instance. */
  volumes?: { deviceName: string; volumeId: string; sizeGiB?: number }[];
}

export interface InstanceState {
  instanceId: string;
  lifecycle?: string;
  state: string;
  tags: Map<string, string>;
  disableApiTermination: boolean;
  shutdownBehavior: string;
  volumes: { deviceName: string; volumeId: string; sizeGiB: number }[];
}

export interface SnapshotState {
  snapshotId: string;
  volumeId: string;
  volumeSize: number;
  description: string;
  startTime: string;
  tags: Map<string, string>;
}

export class Ec2State {
  readonly instances = new Map<string, InstanceState>();
  readonly snapshots = new Map<string, SnapshotState>();

  addInstance(seed: InstanceSeed): InstanceState {
    const instance: InstanceState = {
      instanceId: seed.instanceId,
      lifecycle: seed.lifecycle,
      state: seed.state ?? 'running',
      tags: new Map(Object.entries(seed.tags ?? {})),
      disableApiTermination: seed.disableApiTermination ?? false,
      shutdownBehavior: seed.shutdownBehavior ?? 'stop',
      volumes: (seed.volumes ?? [{ deviceName: '/dev/xvda', volumeId: `vol-${randomBytes(8).toString('hex').slice(0, 17)}` }]).map((volume) => ({ sizeGiB: 20, ...volume })),
    };
    this.instances.set(instance.instanceId, instance);
    return instance;
  }

  instance(instanceId: string): InstanceState {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new AwsError(400, 'InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return instance;
  }
}

type Params = Record<string, unknown>;

const str = (params: Params, name: string): string => (typeof params[name] === 'string' ? (params[name] as string) : '');
const list = (params: Params, name: string): unknown[] => (Array.isArray(params[name]) ? (params[name] as unknown[]) : []);
const tagSet = (tags: Map<string, string>) => [...tags].map(([key, value]) => ({ key, value }));

/** EC2 flattens lists as `Name.N`: turns objects whose keys are all indexes into arrays, recursively. */
export function ec2Lists(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, item]) => ec2Lists(item));
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, ec2Lists(item)]));
}

function toEc2Xml(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toEc2Xml('item', item)).join('')}</${name}>`;
  if (value !== null && typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>).map(([key, item]) => toEc2Xml(key, item)).join('')}</${name}>`;
  }
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

export function ec2Reply(action: string, payload: unknown, requestId: string): Reply {
  const members = Object.entries((payload ?? {}) as Record<string, unknown>).map(([key, value]) => toEc2Xml(key, value)).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XML_NAMESPACE}"><requestId>${requestId}</requestId>${members}</${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body };
}

export function ec2Error(error: AwsError, requestId: string): Reply {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  return { status: error.status, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body };
}

function describeInstance(instance: InstanceState, accountId: string) {
  return {
    reservationId: `r-${instance.instanceId.slice(2)}`,
    ownerId: accountId,
    instancesSet: [
      {
        instanceId: instance.instanceId,
        instanceState: { code: instance.state === 'running' ? 16 : 80, name: instance.state },
        instanceLifecycle: instance.lifecycle,
        blockDeviceMapping: instance.volumes.map((volume) => ({
          deviceName: volume.deviceName,
          ebs: { volumeId: volume.volumeId, status: 'attached', attachTime: '2026-01-01T00:00:00.000Z', deleteOnTermination: true },
        })),
        tagSet: tagSet(instance.tags),
      },
    ],
  };
}

function matchesFilters(snapshot: SnapshotState, filters: { Name?: string; Value?: string[] }[]): boolean {
  return filters.every(({ Name = '', Value = [] }) => {
    if (Name === 'volume-id') return Value.includes(snapshot.volumeId);
    if (Name.startsWith('tag:')) return Value.includes(snapshot.tags.get(Name.slice(4)) ?? '\u0000');
    throw new AwsError(400, 'InvalidParameterValue', `The filter '${Name}' is invalid`);
  });
}

export const ec2Operations: Record<string, RpcOperation<FakeAwsState>> = {
  DescribeInstances: {
    kind: 'read',
    handle: (p, state) => {
      const ids = list(p, 'InstanceId') as string[];
      return { reservationSet: ids.map((id) => describeInstance(state.ec2.instance(id), state.accountId)) };
    },
  },
  DescribeInstanceAttribute: {
    kind: 'read',
    handle: (p, state) => {
      const instance = state.ec2.instance(str(p, 'InstanceId'));
      const attribute = str(p, 'Attribute');
      if (attribute === 'disableApiTermination') return { instanceId: instance.instanceId, disableApiTermination: { value: instance.disableApiTermination } };
      if (attribute === 'instanceInitiatedShutdownBehavior') return { instanceId: instance.instanceId, instanceInitiatedShutdownBehavior: { value: instance.shutdownBehavior } };
      throw new AwsError(400, 'InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
    },
  },
  ModifyInstanceAttribute: {
    kind: 'write',
    handle: (p, state) => {
      const instance = state.ec2.instance(str(p, 'InstanceId'));
      const termination = (p.DisableApiTermination as Params | undefined)?.Value;
      const shutdown = (p.InstanceInitiatedShutdownBehavior as Params | undefined)?.Value;
      // EC2 changes one attribute per call.
      if ((termination === undefined) === (shutdown === undefined)) throw new AwsError(400, 'InvalidParameterCombination', 'Exactly one attribute must be specified');
      if (termination !== undefined) {
        if (instance.lifecycle === 'spot' && termination === 'true') throw new AwsError(400, 'UnsupportedOperation', 'You cannot enable termination protection for a Spot Instance.');
        instance.disableApiTermination = termination === 'true';
      }
      if (shutdown !== undefined) instance.shutdownBehavior = String(shutdown);
      return { return: true };
    },
  },
  CreateTags: {
    kind: 'write',
    handle: (p, state) => {
      const tags = list(p, 'Tag') as { Key: string; Value?: string }[];
      for (const id of list(p, 'ResourceId') as string[]) {
        const target = id.startsWith('snap-') ? state.ec2.snapshots.get(id) : state.ec2.instance(id);
        if (!target) throw new AwsError(400, 'InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
        for (const tag of tags) target.tags.set(tag.Key, tag.Value ?? '');
      }
      return { return: true };
    },
  },
  DeleteTags: {
    kind: 'write',
    handle: (p, state) => {
      const keys = (list(p, 'Tag') as { Key: string }[]).map((tag) => tag.Key);
      for (const id of list(p, 'ResourceId') as string[]) {
        const target = id.startsWith('snap-') ? state.ec2.snapshots.get(id) : state.ec2.instance(id);
        for (const key of keys) target?.tags.delete(key);
      }
      return { return: true };
    },
  },
  CreateSnapshot: {
    kind: 'write',
    handle: (p, state) => {
      const volumeId = str(p, 'VolumeId');
      const volume = [...state.ec2.instances.values()].flatMap((instance) => instance.volumes).find((item) => item.volumeId === volumeId);
      if (!volume) throw new AwsError(400, 'InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
      const specifications = list(p, 'TagSpecification') as { ResourceType?: string; Tag?: { Key: string; Value?: string }[] }[];
      const tags = new Map(specifications.filter((spec) => spec.ResourceType === 'snapshot').flatMap((spec) => spec.Tag ?? []).map((tag) => [tag.Key, tag.Value ?? ''] as [string, string]));
      const snapshot: SnapshotState = {
        snapshotId: `snap-${randomBytes(9).toString('hex').slice(0, 17)}`,
        volumeId,
        volumeSize: volume.sizeGiB,
        description: str(p, 'Description'),
        startTime: new Date().toISOString(),
        tags,
      };
      state.ec2.snapshots.set(snapshot.snapshotId, snapshot);
      return { ...snapshotItem(snapshot, state.accountId) };
    },
  },
  DescribeSnapshots: {
    kind: 'read',
    handle: (p, state) => {
      const filters = list(p, 'Filter') as { Name?: string; Value?: string[] }[];
      const snapshots = [...state.ec2.snapshots.values()].filter((snapshot) => matchesFilters(snapshot, filters));
      return { snapshotSet: snapshots.map((snapshot) => snapshotItem(snapshot, state.accountId)) };
    },
  },
};

function snapshotItem(snapshot: SnapshotState, accountId: string) {
  return {
    snapshotId: snapshot.snapshotId,
    volumeId: snapshot.volumeId,
    status: 'pending',
    startTime: snapshot.startTime,
    progress: '0%',
    ownerId: accountId,
    volumeSize: snapshot.volumeSize,
    description: snapshot.description,
    encrypted: false,
    tagSet: tagSet(snapshot.tags),
  };
}
