/**
 * Drives FakeAws's EC2 and S3 with the real AWS SDK v3 clients, so the EC2 query dialect and
 * S3's REST-XML are checked against the SDK's own serializers and deserializers.
 */
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FakeAws } from './fake-aws';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };

async function sdkError(promise: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the SDK call to fail');
}

let fake: FakeAws;
let ec2: EC2Client;
let s3: S3Client;
beforeEach(async () => {
  fake = await FakeAws.start();
  ec2 = new EC2Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  s3 = new S3Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
});
afterEach(async () => {
  ec2.destroy();
  s3.destroy();
  await fake.stop();
});

describe('EC2', () => {
  beforeEach(() => {
    fake.addInstance({ instanceId: 'i-0aaa', volumes: [{ deviceName: '/dev/xvda', volumeId: 'vol-root' }, { deviceName: '/dev/xvdba', volumeId: 'vol-data', sizeGiB: 100 }], tags: { Name: 'node-a' } });
    fake.addInstance({ instanceId: 'i-0bbb', lifecycle: 'spot', shutdownBehavior: 'terminate' });
  });

  it('describes instances with lifecycle, EBS volumes and tags', async () => {
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0aaa', 'i-0bbb'] }));

    const [a, b] = Reservations!.flatMap((reservation) => reservation.Instances!);
    expect(a).toMatchObject({ InstanceId: 'i-0aaa', State: { Name: 'running' }, Tags: [{ Key: 'Name', Value: 'node-a' }] });
    expect(a.InstanceLifecycle).toBeUndefined();
    expect(a.BlockDeviceMappings!.map((mapping) => [mapping.DeviceName, mapping.Ebs?.VolumeId])).toEqual([
      ['/dev/xvda', 'vol-root'],
      ['/dev/xvdba', 'vol-data'],
    ]);
    expect(b.InstanceLifecycle).toBe('spot');
    expect(fake.callsTo('ec2', 'DescribeInstances')[0].params).toEqual({ InstanceId: ['i-0aaa', 'i-0bbb'] });
  });

  it('answers InvalidInstanceID.NotFound for an unknown instance', async () => {
    const error = await sdkError(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0zzz'] })));

    expect(error).toMatchObject({ name: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0zzz' does not exist", $metadata: { httpStatusCode: 400 } });
  });

  it('reads and changes termination protection and shutdown behaviour one attribute per call, and tags', async () => {
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0aaa', DisableApiTermination: { Value: true } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0aaa', InstanceInitiatedShutdownBehavior: { Value: 'terminate' } }));
    await ec2.send(new CreateTagsCommand({ Resources: ['i-0aaa'], Tags: [{ Key: 'eks-responder:incident', Value: 'inc-1' }] }));

    const termination = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: 'i-0aaa', Attribute: 'disableApiTermination' }));
    const shutdown = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: 'i-0aaa', Attribute: 'instanceInitiatedShutdownBehavior' }));
    expect(termination.DisableApiTermination?.Value).toBe(true);
    expect(shutdown.InstanceInitiatedShutdownBehavior?.Value).toBe('terminate');
    expect(fake.instance('i-0aaa')?.tags.get('eks-responder:incident')).toBe('inc-1');
    expect(fake.mutations().map((call) => call.operation)).toEqual(['ModifyInstanceAttribute', 'ModifyInstanceAttribute', 'CreateTags']);
  });

  it('refuses termination protection on a Spot instance', async () => {
    const error = await sdkError(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0bbb', DisableApiTermination: { Value: true } })));

    expect(error.name).toBe('UnsupportedOperation');
  });

  it('creates tagged snapshots and finds them again by tag and volume', async () => {
    const created = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: 'vol-data',
        Description: 'evidence',
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'eks-responder:incident', Value: 'inc-1' }] }],
      }),
    );

    expect(created).toMatchObject({ SnapshotId: expect.stringMatching(/^snap-/), VolumeId: 'vol-data', VolumeSize: 100, State: 'pending', Tags: [{ Key: 'eks-responder:incident', Value: 'inc-1' }] });
    const found = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:eks-responder:incident', Values: ['inc-1'] }, { Name: 'volume-id', Values: ['vol-data', 'vol-root'] }] }));
    expect(found.Snapshots?.map((snapshot) => snapshot.SnapshotId)).toEqual([created.SnapshotId]);
    const none = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:eks-responder:incident', Values: ['inc-2'] }] }));
    expect(none.Snapshots).toEqual([]);
  });
});

describe('S3', () => {
  it('stores PutObject bodies path-style with their encryption headers and serves them back', async () => {
    fake.addBucket('evidence');

    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'evidence', Key: 'inc-1/web/pod a.json', Body: '{"kind":"Pod"}', ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/evidence' }),
    );

    expect(put).toMatchObject({ ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/evidence' });
    expect(fake.s3Objects('evidence').get('inc-1/web/pod a.json')).toMatchObject({ body: '{"kind":"Pod"}', contentType: 'application/json', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/evidence' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'evidence', Key: 'inc-1/web/pod a.json' }));
    expect(await got.Body?.transformToString()).toBe('{"kind":"Pod"}');
    expect(fake.mutations().map((call) => `${call.service}:${call.operation}`)).toEqual(['s3:PutObject']);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    const error = await sdkError(s3.send(new PutObjectCommand({ Bucket: 'missing', Key: 'k', Body: 'x' })));

    expect(error).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
  });
});
