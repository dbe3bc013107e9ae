import { protectInstance, protectInstanceRelease } from '../../../../shared/playbooks/actions/protect-instance';
import { BEFORE_SHUTDOWN_BEHAVIOR_TAG, BEFORE_TERMINATION_PROTECTION_TAG, INCIDENT_TAG } from '../../../../shared/markers';
import type { NodeTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { NODES } from '../../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const nodeA: NodeTarget = { name: NODES.a.name, instanceId: NODES.a.instanceId, pods: ['argocd/privileged-pod'], why: 'hosts-affected-pod' };

describe('protect-instance', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  async function protect(target: NodeTarget) {
    const context = actionContext(sandbox, { nodes: [target] });
    const plan = await protectInstance.plan(context, target);
    if ('skip' in plan) return plan;
    return { plan, result: await protectInstance.apply(context, target, plan.change) };
  }

  it('plans with reads only', async () => {
    const plan = await protectInstance.plan(actionContext(sandbox), nodeA);

    expect(plan).toMatchObject({
      summary: `protect instance ${NODES.a.instanceId}: enable termination protection; set instance-initiated shutdown to stop (was terminate); tag ${INCIDENT_TAG}=${INCIDENT}; Auto Scaling scale-in and health replacement ignore termination protection`,
      before: { disableApiTermination: false, shutdownBehavior: 'terminate' },
    });
    expect(sandbox.aws.mutations()).toEqual([]);
  });

  it('protects the instance, records the settings it replaced in tags, and is done once', async () => {
    expect(await protect(nodeA)).toMatchObject({ result: { status: 'done', detail: `${NODES.a.instanceId}: termination protection on, shutdown behaviour stop, tagged` } });

    const instance = sandbox.aws.instance(NODES.a.instanceId)!;
    expect(instance).toMatchObject({ disableApiTermination: true, shutdownBehavior: 'stop' });
    expect(Object.fromEntries(instance.tags)).toMatchObject({ [INCIDENT_TAG]: INCIDENT, [BEFORE_TERMINATION_PROTECTION_TAG]: 'false', [BEFORE_SHUTDOWN_BEHAVIOR_TAG]: 'terminate' });
    expect(await protect(nodeA)).toEqual({ skip: `already protected (incident ${INCIDENT})` });
  });

  it('only tags a Spot instance, saying why', async () => {
    sandbox.aws.addInstance({ instanceId: 'i-0spot0000000000001', lifecycle: 'spot', shutdownBehavior: 'terminate' });
    const spot: NodeTarget = { name: 'spot-node', instanceId: 'i-0spot0000000000001', pods: [], why: 'hosts-affected-pod' };

    const protection = await protect(spot);

    expect(protection).toMatchObject({ plan: { summary: expect.stringContaining('Spot instance: termination protection is not available, tagged only') }, result: { status: 'done' } });
    expect(sandbox.aws.instance('i-0spot0000000000001')).toMatchObject({ disableApiTermination: false, shutdownBehavior: 'terminate' });
    expect(sandbox.aws.callsTo('ec2', 'ModifyInstanceAttribute')).toEqual([]);
    expect(await protect(spot)).toEqual({ skip: `already tagged (incident ${INCIDENT}); Spot instances cannot be termination-protected` });
  });

  it('says why there is nothing to protect on Fargate', async () => {
    sandbox.kube.seed({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'fargate-ip-10-0-1-2.ec2.internal', labels: { 'eks.amazonaws.com/compute-type': 'fargate' } },
      spec: { providerID: 'aws:///us-east-1a/0123456789abcdef/fargate-ip-10-0-1-2.ec2.internal' },
    });

    expect(await protect({ name: 'fargate-ip-10-0-1-2.ec2.internal', pods: [], why: 'hosts-affected-pod' })).toEqual({
      skip: 'Fargate node: AWS runs it outside the account, so there is no EC2 instance or EBS volume to act on',
    });
  });

  it('skips an instance that no longer exists', async () => {
    expect(await protect({ ...nodeA, instanceId: 'i-0gone00000000000000' })).toEqual({ skip: 'instance i-0gone00000000000000 not found in us-east-1' });
  });

  it('fails with EC2’s answer when the change is refused, and the next run completes it with the original settings on record', async () => {
    const context = actionContext(sandbox);
    const plan = await protectInstance.plan(context, nodeA);
    if ('skip' in plan) throw new Error(plan.skip);
    sandbox.aws.failNext({ service: 'ec2', operation: 'ModifyInstanceAttribute' }, { status: 403, code: 'UnauthorizedOperation' }, 2);

    await expect(protectInstance.apply(context, nodeA, plan.change)).rejects.toThrow(/UnauthorizedOperation/);
    // The tags went out beside the refused settings; the settings are still to be made.
    expect(sandbox.aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: false, shutdownBehavior: 'terminate' });

    expect(await protect(nodeA)).toMatchObject({ result: { status: 'done', detail: `${NODES.a.instanceId}: termination protection on, shutdown behaviour stop, tagged` } });
    const instance = sandbox.aws.instance(NODES.a.instanceId)!;
    expect(instance).toMatchObject({ disableApiTermination: true, shutdownBehavior: 'stop' });
    expect(Object.fromEntries(instance.tags)).toMatchObject({ [INCIDENT_TAG]: INCIDENT, [BEFORE_TERMINATION_PROTECTION_TAG]: 'false', [BEFORE_SHUTDOWN_BEHAVIOR_TAG]: 'terminate' });
  });


  it('is released by restoring the recorded settings and removing its tags', async () => {
    await protect(nodeA);

    expect(await protectInstanceRelease.release(actionContext(sandbox), nodeA)).toEqual({
      status: 'done',
      detail: `${NODES.a.instanceId}: termination protection false, shutdown behaviour terminate, tags removed`,
    });
    const instance = sandbox.aws.instance(NODES.a.instanceId)!;
    expect(instance).toMatchObject({ disableApiTermination: false, shutdownBehavior: 'terminate' });
    expect([...instance.tags.keys()].filter((key) => key.startsWith('eks-responder:'))).toEqual([]);
  });
});
