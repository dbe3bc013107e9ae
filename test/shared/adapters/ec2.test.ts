// DescribeInstances for several instances at once fails as a whole when one of them is gone;
// the adapter then asks for each on its own. The real SDK client, intercepted by aws-sdk-client-mock;
// then the production client against FakeAws, its calls sharing one resolved middleware stack.
import { DescribeInstancesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { RegionalClients } from '../../../shared/adapters/aws';
import { SdkEc2, sdkEc2 } from '../../../shared/adapters/ec2';
import { FakeAws } from '../../support/fake-aws';

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

describe('EC2 adapter through the SDK, its middleware resolved once per command (FakeAws)', () => {
  let fake: FakeAws;
  let restoreEnv: () => void;
  beforeEach(async () => {
    fake = await FakeAws.start();
    restoreEnv = fake.applyEndpointEnv();
    fake.addInstance({ instanceId: 'i-0aaa', disableApiTermination: true, shutdownBehavior: 'stop' });
    fake.addInstance({ instanceId: 'i-0bbb', disableApiTermination: false, shutdownBehavior: 'terminate' });
  });
  afterEach(async () => {
    restoreEnv();
    await fake.stop();
  });

  it('keeps calls made at once apart: each read answers for its own instance, each change lands on its own', async () => {
    const ec2 = sdkEc2();
    // Warm: the handlers are resolved by the first calls and shared by the later ones.
    await ec2.terminationSettings('us-east-1', 'i-0aaa');

    const [a, b] = await Promise.all([ec2.terminationSettings('us-east-1', 'i-0aaa'), ec2.terminationSettings('us-east-1', 'i-0bbb')]);
    await Promise.all([
      ec2.changeTerminationSettings('us-east-1', 'i-0aaa', { shutdownBehavior: 'terminate' }),
      ec2.changeTerminationSettings('us-east-1', 'i-0bbb', { disableApiTermination: true, shutdownBehavior: 'stop' }),
      ec2.tag('us-east-1', 'i-0aaa', { incident: 'inc-a' }),
      ec2.tag('us-east-1', 'i-0bbb', { incident: 'inc-b' }),
    ]);

    expect([a, b]).toEqual([
      { disableApiTermination: true, shutdownBehavior: 'stop' },
      { disableApiTermination: false, shutdownBehavior: 'terminate' },
    ]);
    const state = (id: string) => {
      const instance = fake.instance(id);
      return [instance?.disableApiTermination, instance?.shutdownBehavior, instance?.tags.get('incident')];
    };
    expect(state('i-0aaa')).toEqual([true, 'terminate', 'inc-a']);
    expect(state('i-0bbb')).toEqual([true, 'stop', 'inc-b']);
    expect(ec2['clients'].get('us-east-1').config.cacheMiddleware).toBe(true);
  });
});
