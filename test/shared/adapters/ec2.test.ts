// DescribeInstances for several instances at once fails as a whole when one of them is gone;
// the adapter then asks for each on its own. The real SDK client, intercepted by aws-sdk-client-mock.
import { DescribeInstancesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { RegionalClients } from '../../../shared/adapters/aws';
import { SdkEc2 } from '../../../shared/adapters/ec2';

const notFound = (ids: string[]) =>
  new EC2ServiceException({ name: 'InvalidInstanceID.NotFound', $fault: 'client', $metadata: {}, message: `The instance IDs '${ids.join(', ')}' do not exist` });

describe('EC2 adapter: describing instances', () => {
  const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const mock = mockClient(client);
  const ec2 = new SdkEc2(new RegionalClients(() => client));
  const running = (id: string) => ({ InstanceId: id, State: { Name: 'running' as const }, Tags: [{ Key: 'eks:cluster-name', Value: 'prod' }] });
  beforeEach(() => mock.reset());
  afterAll(() => mock.restore());

  const asked = () => mock.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input.InstanceIds);

  it('describes several instances in one call, in the order asked', async () => {
    mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [running('i-2')] }, { Instances: [running('i-1')] }] });

    const found = await ec2.describeInstances('us-east-1', ['i-1', 'i-2']);

    expect(found.map((instance) => [instance?.instanceId, instance?.state, instance?.tags['eks:cluster-name']])).toEqual([
      ['i-1', 'running', 'prod'],
      ['i-2', 'running', 'prod'],
    ]);
    expect(asked()).toEqual([['i-1', 'i-2']]);
  });

  it('asks for each instance on its own when one of them is gone', async () => {
    mock.on(DescribeInstancesCommand).callsFake(({ InstanceIds }: { InstanceIds: string[] }) => {
      if (InstanceIds.includes('i-gone')) throw notFound(['i-gone']);
      return { Reservations: [{ Instances: InstanceIds.map(running) }] };
    });

    const found = await ec2.describeInstances('us-east-1', ['i-1', 'i-gone']);

    expect(found.map((instance) => instance?.instanceId)).toEqual(['i-1', undefined]);
    expect(asked()).toEqual([['i-1', 'i-gone'], ['i-1'], ['i-gone']]);
  });

  it('passes any other error on', async () => {
    mock.on(DescribeInstancesCommand).rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'not authorized' }));

    await expect(ec2.describeInstances('us-east-1', ['i-1', 'i-2'])).rejects.toThrow('not authorized');
  });
});
