import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Instance,
  ModifyInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { RegionalClients, RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import { sdkConnectionPool } from './connection-pool';
import type { Ec2Instance, Ec2Port, TerminationSettings } from './ports';

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export class SdkEc2 implements Ec2Port {
  constructor(private readonly clients: RegionalClients<EC2Client>) {}

  async describeInstance(region: string, instanceId: string): Promise<Ec2Instance | undefined> {
    const [instance] = await this.describeInstances(region, [instanceId]);
    return instance;
  }

  async describeInstances(region: string, instanceIds: string[]): Promise<(Ec2Instance | undefined)[]> {
    let found: Instance[];
    try {
      const { Reservations = [] } = await this.clients.get(region).send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
      found = Reservations.flatMap((reservation) => reservation.Instances ?? []);
    } catch (error) {
      if ((error as Error).name !== 'InvalidInstanceID.NotFound') throw error;
      // One missing id fails the whole call: ask for each on its own to tell which.
      return instanceIds.length === 1 ? [undefined] : Promise.all(instanceIds.map((id) => this.describeInstance(region, id)));
    }
    return instanceIds.map((instanceId) => {
      const instance = found.find((item) => item.InstanceId === instanceId);
      if (!instance) return undefined;
      return {
        instanceId,
        lifecycle: instance.InstanceLifecycle,
        state: instance.State?.Name,
        tags: Object.fromEntries((instance.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
        volumes: (instance.BlockDeviceMappings ?? [])
          .filter((mapping) => mapping.Ebs?.VolumeId)
          .map((mapping) => ({ volumeId: mapping.Ebs?.VolumeId ?? '', deviceName: mapping.DeviceName ?? '' })),
      };
    });
  }

  async terminationSettings(region: string, instanceId: string): Promise<TerminationSettings> {
    const client = this.clients.get(region);
    const [termination, shutdown] = await Promise.all([
      client.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' })),
      client.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'instanceInitiatedShutdownBehavior' })),
    ]);
    return { disableApiTermination: termination.DisableApiTermination?.Value === true, shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? 'stop' };
  }

  async changeTerminationSettings(region: string, instanceId: string, change: Partial<TerminationSettings>): Promise<void> {
    const client = this.clients.get(region);
    await Promise.all([
      change.disableApiTermination === undefined
        ? undefined
        : client.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: change.disableApiTermination } })),
      change.shutdownBehavior === undefined
        ? undefined
        : client.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceInitiatedShutdownBehavior: { Value: change.shutdownBehavior } })),
    ]);
  }

  async tag(region: string, resourceId: string, tags: Record<string, string>): Promise<void> {
    await this.clients.get(region).send(new CreateTagsCommand({ Resources: [resourceId], Tags: tagList(tags) }));
  }

  async untag(region: string, resourceId: string, keys: string[]): Promise<void> {
    await this.clients.get(region).send(new DeleteTagsCommand({ Resources: [resourceId], Tags: keys.map((Key) => ({ Key })) }));
  }

  async snapshotsTagged(region: string, key: string, value: string): Promise<{ snapshotId: string; volumeId: string }[]> {
    const { Snapshots = [] } = await this.clients.get(region).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${key}`, Values: [value] }] }));
    return Snapshots.map((snapshot) => ({ snapshotId: snapshot.SnapshotId ?? '', volumeId: snapshot.VolumeId ?? '' }));
  }

  async createSnapshot(region: string, volumeId: string, description: string, tags: Record<string, string>): Promise<string> {
    const result = await this.clients.get(region).send(
      new CreateSnapshotCommand({ VolumeId: volumeId, Description: description, TagSpecifications: [{ ResourceType: 'snapshot', Tags: tagList(tags) }] }),
    );
    return result.SnapshotId ?? '';
  }
}

/**
 * A quarantine calls EC2 in bulk (three reads and three changes per node's instance), so once
 * the clients have reached an endpoint, its connections are opened ahead (openSdkConnectionsAhead).
 */
const requestHandler = sdkConnectionPool('ec2');

/** EC2 in any region, acting with the given credentials (a member account's) or the function's own. */
export function sdkEc2(credentials?: AwsCredentialIdentityProvider): SdkEc2 {
  return new SdkEc2(new RegionalClients((region) => new EC2Client({ region, credentials, ...RESOLVED_ONCE_CLIENT_DEFAULTS, requestHandler })));
}
