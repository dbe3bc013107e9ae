import { snapshotVolumes, snapshotVolumesRelease } from '../../../../shared/playbooks/actions/snapshot-volumes';
import { INCIDENT_TAG } from '../../../../shared/markers';
import type { NodeTarget } from '../../../../shared/model';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { NODES } from '../../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../../support/sandbox';

const node = (instanceId: string, name = NODES.a.name): NodeTarget => ({ name, instanceId, pods: [], why: 'hosts-affected-pod' });

describe('snapshot-volumes', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.aws.addInstance({
      instanceId: 'i-0data000000000001',
      volumes: [
        { deviceName: '/dev/xvda', volumeId: 'vol-0root' },
        { deviceName: '/dev/xvdba', volumeId: 'vol-0pv' },
      ],
    });
  });
  afterEach(() => sandbox.stop());

  async function snapshot(target: NodeTarget) {
    const context = actionContext(sandbox, { nodes: [target] });
    const plan = await snapshotVolumes.plan(context, target);
    if ('skip' in plan) return plan;
    return { plan, result: await snapshotVolumes.apply(context, target, plan.change) };
  }

  it('snapshots every EBS volume of the node’s instance, tagged with the incident, once', async () => {
    const target = node('i-0data000000000001');

    const first = await snapshot(target);

    expect(first).toMatchObject({ plan: { summary: `snapshot vol-0root (/dev/xvda), vol-0pv (/dev/xvdba) of i-0data000000000001, tagged ${INCIDENT_TAG}=${INCIDENT}` }, result: { status: 'done' } });
    const snapshots = sandbox.aws.snapshots();
    expect(snapshots.map((item) => item.volumeId)).toEqual(['vol-0root', 'vol-0pv']);
    expect(Object.fromEntries(snapshots[0].tags)).toEqual({
      Name: `eks-responder ${INCIDENT} ${NODES.a.name} /dev/xvda`,
      [INCIDENT_TAG]: INCIDENT,
      'eks-responder:cluster': 'guardduty-blueprint',
      'eks-responder:node': NODES.a.name,
      'eks-responder:instance': 'i-0data000000000001',
      'eks-responder:device': '/dev/xvda',
    });
    expect(await snapshot(target)).toEqual({ skip: `already snapshotted (${snapshots.map((item) => item.snapshotId).join(', ')})` });
    expect(sandbox.aws.snapshots()).toHaveLength(2);
  });

  it('plans with reads only', async () => {
    await snapshotVolumes.plan(actionContext(sandbox), node('i-0data000000000001'));

    expect(sandbox.aws.mutations()).toEqual([]);
  });

  it('leaves Spot nodes out, saying so', async () => {
    sandbox.aws.addInstance({ instanceId: 'i-0spot0000000000001', lifecycle: 'spot' });

    expect(await snapshot(node('i-0spot0000000000001'))).toEqual({ skip: 'Spot instance: left out by design, snapshot its volumes by hand if the case needs them' });
  });

  it('says why Fargate nodes have nothing to snapshot', async () => {
    sandbox.kube.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'fargate-ip-10-0-1-2.ec2.internal', labels: { 'eks.amazonaws.com/compute-type': 'fargate' } } });

    expect(await snapshot({ name: 'fargate-ip-10-0-1-2.ec2.internal', pods: [], why: 'hosts-affected-pod' })).toEqual({
      skip: 'Fargate node: AWS runs it outside the account, so there is no EC2 instance or EBS volume to act on',
    });
  });

  it('fails with EC2’s answer when a snapshot is refused', async () => {
    const target = node('i-0data000000000001');
    const context = actionContext(sandbox);
    const plan = await snapshotVolumes.plan(context, target);
    if ('skip' in plan) throw new Error(plan.skip);
    sandbox.aws.failNext({ service: 'ec2', operation: 'CreateSnapshot' }, { status: 400, code: 'SnapshotCreationPerVolumeRateExceeded' });

    await expect(snapshotVolumes.apply(context, target, plan.change)).rejects.toThrow(/SnapshotCreationPerVolumeRateExceeded/);
  });

  it('keeps the snapshots on release: they are evidence', async () => {
    await snapshot(node('i-0data000000000001'));

    expect(await snapshotVolumesRelease.release(actionContext(sandbox), node('i-0data000000000001'))).toEqual({ status: 'skipped', detail: 'snapshots are evidence and are kept' });
    expect(sandbox.aws.snapshots()).toHaveLength(2);
  });
});
