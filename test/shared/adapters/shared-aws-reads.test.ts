import { Limiter } from '../../../shared/adapters/limiter';
import type { Ec2Port, EksPort, IamPort, TerminationSettings } from '../../../shared/adapters/ports';
import { NODEGROUP_ROLES_MS, POD_IDENTITY_ROLES_MS, SHARED_AWS_READ_MS, shareEc2Reads, shareEksReads, shareIamReads } from '../../../shared/adapters/shared-aws-reads';

function fakeIam() {
  const policies = new Map<string, string>();
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const track = async <T>(call: string, answer: () => T): Promise<T> => {
    calls.push(call);
    peak = Math.max(peak, ++inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return answer();
  };
  const port: IamPort = {
    getRoleInlinePolicy: (role, name) => track(`get ${role}`, () => policies.get(`${role}/${name}`)),
    describeRole: (role) => track(`describe ${role}`, () => undefined),
    putRoleInlinePolicy: (role, name, document) => track(`put ${role}`, () => void policies.set(`${role}/${name}`, document)),
    deleteRoleInlinePolicy: (role, name) => track(`delete ${role}`, () => policies.delete(`${role}/${name}`)),
    roleMaxSessionDuration: (role) => track(`max session ${role}`, () => 3600),
  };
  return { port, calls, peak: () => peak };
}

describe('shareIamReads', () => {
  it('reads a policy once for concurrent callers, and again after a put or a delete', async () => {
    const { port, calls } = fakeIam();
    const iam = shareIamReads(port);

    const before = await Promise.all([iam.getRoleInlinePolicy('web', 'Revoke'), iam.getRoleInlinePolicy('web', 'Revoke')]);
    await iam.putRoleInlinePolicy('web', 'Revoke', '{"deny":true}');
    const afterPut = await iam.getRoleInlinePolicy('web', 'Revoke');
    await iam.deleteRoleInlinePolicy('web', 'Revoke');
    const afterDelete = await iam.getRoleInlinePolicy('web', 'Revoke');

    expect(before).toEqual([undefined, undefined]);
    expect(afterPut).toBe('{"deny":true}');
    expect(afterDelete).toBeUndefined();
    expect(calls).toEqual(['get web', 'put web', 'get web', 'delete web', 'get web']);
  });

  it('keeps the calls in flight within the limiter', async () => {
    const iam = fakeIam();
    const limited = shareIamReads(iam.port, { limiter: new Limiter(2) });

    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((role) => limited.putRoleInlinePolicy(role, 'Revoke', '{}')));

    expect(iam.calls).toHaveLength(5);
    expect(iam.peak()).toBe(2);
  });
});

describe('shareEksReads', () => {
  it('looks up a cluster once for concurrent callers, per cluster, and passes other calls through', async () => {
    const calls: string[] = [];
    // Only the lookups are faked; the control-plane calls pass straight through.
    const port = {
      listPodIdentityAssociations: async (cluster: string) => (calls.push(`associations ${cluster}`), []),
      listNodegroupRoles: async (cluster: string) => (calls.push(`nodegroups ${cluster}`), ['arn:aws:iam::123456789012:role/nodes']),
      readAccessEntry: async () => (calls.push('access entry'), undefined),
    } as unknown as EksPort;
    const eks = shareEksReads(port);

    const roles = await Promise.all([eks.listNodegroupRoles('prod', 'eu-west-1'), eks.listNodegroupRoles('prod', 'eu-west-1'), eks.listNodegroupRoles('dev', 'eu-west-1')]);
    await Promise.all([eks.listPodIdentityAssociations('prod', 'eu-west-1'), eks.listPodIdentityAssociations('prod', 'eu-west-1')]);

    await eks.readAccessEntry('prod', 'eu-west-1', 'arn:aws:iam::123456789012:role/admin');

    expect(roles[1]).toEqual(['arn:aws:iam::123456789012:role/nodes']);
    expect(calls).toEqual(['nodegroups prod', 'nodegroups dev', 'associations prod', 'access entry']);
  });

  it('keeps node group roles for minutes, Pod Identity associations only for the next moment', async () => {
    let now = 1_000_000;
    const calls: string[] = [];
    const port = {
      listPodIdentityAssociations: async (cluster: string) => (calls.push(`associations ${cluster}`), []),
      listNodegroupRoles: async (cluster: string) => (calls.push(`nodegroups ${cluster}`), ['arn:aws:iam::123456789012:role/nodes']),
    } as unknown as EksPort;
    const eks = shareEksReads(port, { now: () => now });
    const lookUp = () => Promise.all([eks.listNodegroupRoles('prod', 'eu-west-1'), eks.listPodIdentityAssociations('prod', 'eu-west-1')]);

    await lookUp();
    now += SHARED_AWS_READ_MS;
    await lookUp();
    now += NODEGROUP_ROLES_MS;
    await lookUp();

    expect(calls).toEqual(['nodegroups prod', 'associations prod', 'associations prod', 'nodegroups prod', 'associations prod']);
  });
});

describe('shareEksReads: Pod Identity roles', () => {
  it('reads a current role every time after the moment it is shared, and keeps a recent one for minutes', async () => {
    let now = 1_000_000;
    let role = 'arn:aws:iam::123456789012:role/payments-api';
    const calls: string[] = [];
    const port = { podIdentityRole: async (_cluster: string, _region: string, id: string) => (calls.push(id), role) } as unknown as EksPort;
    const eks = shareEksReads(port, { now: () => now });

    expect(await eks.podIdentityRole('prod', 'eu-west-1', 'a-1', 'recent')).toBe(role);
    role = 'arn:aws:iam::123456789012:role/payments-api-v2';
    now += SHARED_AWS_READ_MS;
    // A role that decides what is revoked is never answered from minutes ago...
    expect(await eks.podIdentityRole('prod', 'eu-west-1', 'a-1', 'current')).toBe(role);
    // ...and what it read serves the next recent read, until that is minutes old.
    now += POD_IDENTITY_ROLES_MS - 1;
    expect(await eks.podIdentityRole('prod', 'eu-west-1', 'a-1', 'recent')).toBe(role);
    now += 1;
    await eks.podIdentityRole('prod', 'eu-west-1', 'a-1', 'recent');

    expect(calls).toEqual(['a-1', 'a-1', 'a-1']);
  });
});

describe('shareEc2Reads', () => {
  it('reads an instance once for concurrent callers, and again after any change to it', async () => {
    const settings: TerminationSettings = { disableApiTermination: false, shutdownBehavior: 'terminate' };
    const tags: Record<string, string> = {};
    const calls: string[] = [];
    const answer = async <T>(call: string, value: () => T): Promise<T> => {
      calls.push(call);
      await new Promise((resolve) => setImmediate(resolve));
      return value();
    };
    const port = {
      describeInstances: (_region, instanceIds) => answer('describe', () => instanceIds.map((instanceId) => ({ instanceId, state: 'running', lifecycle: 'on-demand', tags: { ...tags }, volumes: [] }))),
      terminationSettings: () => answer('settings', () => ({ ...settings })),
      changeTerminationSettings: (_region, _id, change) => answer('change', () => void Object.assign(settings, change)),
      tag: (_region, _id, added) => answer('tag', () => void Object.assign(tags, added)),
    } satisfies Partial<Ec2Port>;
    // Only what the sharing keeps or invalidates is faked.
    const ec2 = shareEc2Reads(port as unknown as Ec2Port);

    await Promise.all([ec2.describeInstance('us-east-1', 'i-1'), ec2.terminationSettings('us-east-1', 'i-1'), ec2.describeInstance('us-east-1', 'i-1'), ec2.terminationSettings('us-east-1', 'i-1')]);
    await Promise.all([ec2.changeTerminationSettings('us-east-1', 'i-1', { disableApiTermination: true }), ec2.tag('us-east-1', 'i-1', { incident: 'inc-1' })]);
    const [instance, after] = await Promise.all([ec2.describeInstance('us-east-1', 'i-1'), ec2.terminationSettings('us-east-1', 'i-1')]);

    expect(instance?.tags).toEqual({ incident: 'inc-1' });
    expect(after.disableApiTermination).toBe(true);
    // The describe goes out a tick later, with whatever else is asked for in this one.
    expect(calls).toEqual(['settings', 'describe', 'change', 'tag', 'settings', 'describe']);
  });

  it('describes the instances asked for together in one call, per region', async () => {
    const calls: string[][] = [];
    const port = {
      describeInstances: async (region: string, instanceIds: string[]) => (calls.push([region, ...instanceIds]), instanceIds.map((instanceId) => (instanceId === 'i-gone' ? undefined : { instanceId, tags: {}, volumes: [] }))),
    } satisfies Partial<Ec2Port>;
    const ec2 = shareEc2Reads(port as unknown as Ec2Port);

    const found = await Promise.all(['i-1', 'i-2', 'i-gone', 'i-1'].map((id) => ec2.describeInstance('us-east-1', id)).concat(ec2.describeInstance('eu-west-1', 'i-3')));

    expect(found.map((instance) => instance?.instanceId)).toEqual(['i-1', 'i-2', undefined, 'i-1', 'i-3']);
    // The repeated i-1 joins the first read; the other region gets its own call.
    expect(calls).toEqual([
      ['us-east-1', 'i-1', 'i-2', 'i-gone'],
      ['eu-west-1', 'i-3'],
    ]);
  });
});
