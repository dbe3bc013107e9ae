import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { quarantinePolicy, isolatePod } from '../../../../shared/playbooks/actions/isolate-pod';
import { QUARANTINE_LABEL, quarantinePolicyName } from '../../../../shared/markers';
import type { PodTarget } from '../../../../shared/model';
import { startSandbox, type Sandbox } from '../../../support/sandbox';
import { actionContext, INCIDENT } from '../../../helpers/action-context';
import { admittingPolicies } from '../../../helpers/network-policies';

const target = (namespace: string, pod: string): PodTarget => ({ namespace, pod, labels: {}, serviceAccount: 'default', owners: [] });

describe('isolate-pod', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  it('builds a deny-all policy that passes the Kubernetes schema', () => {
    const policy = quarantinePolicy('web', INCIDENT, new Date('2026-11-24T10:00:00Z'));

    expect(() => new NetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...policy } as never).validate()).not.toThrow();
    expect(policy.spec).toEqual({ podSelector: { matchLabels: { [QUARANTINE_LABEL]: INCIDENT } }, policyTypes: ['Ingress', 'Egress'] });
  });

  it('plans with reads only and names the policies the pod leaves', async () => {
    const context = actionContext(sandbox);

    const plan = await isolatePod.plan(context, target('web', 'frontend-7d4b9c8f6-x2k4p'));

    expect(plan).toMatchObject({ summary: expect.stringContaining('which takes it out of admitting policies allow-frontend-http') });
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('appends to a policy selector that already has expressions instead of replacing them', async () => {
    sandbox.kube.seed({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'web', name: 'allow-unlabelled' },
      spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, policyTypes: ['Egress'], egress: [{}] },
    });
    const context = actionContext(sandbox);
    const pod = target('web', 'frontend-debug');

    const plan = await isolatePod.plan(context, pod);
    if ('skip' in plan) throw new Error(plan.skip);
    await isolatePod.apply(context, pod, plan.change);

    expect(sandbox.kube.getObject('networkpolicies', 'web', 'allow-unlabelled')?.spec.podSelector.matchExpressions).toEqual([
      { key: 'tier', operator: 'DoesNotExist' },
      { key: QUARANTINE_LABEL, operator: 'DoesNotExist' },
    ]);
    expect(admittingPolicies(sandbox.kube, 'web', 'frontend-debug')).toEqual([]);
  });

  it('skips a pod that is already isolated for this incident', async () => {
    const context = actionContext(sandbox);
    const pod = target('web', 'frontend-debug');
    const plan = await isolatePod.plan(context, pod);
    if ('skip' in plan) throw new Error(plan.skip);
    await isolatePod.apply(context, pod, plan.change);

    expect(await isolatePod.plan(actionContext(sandbox), pod)).toEqual({ skip: `already isolated (incident ${INCIDENT})` });
  });

  it('leaves a pod quarantined by another incident alone', async () => {
    sandbox.kube.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name: 'held', labels: { [QUARANTINE_LABEL]: 'inc-ffffffffffffffff' } }, spec: { containers: [] } });

    expect(await isolatePod.plan(actionContext(sandbox), target('web', 'held'))).toEqual({ skip: 'already quarantined by incident inc-ffffffffffffffff' });
  });

  it('skips a pod that no longer exists', async () => {
    expect(await isolatePod.plan(actionContext(sandbox), target('web', 'gone'))).toEqual({ skip: 'pod no longer exists' });
  });

  it('fails on a pod relabelled since it was read (the patch tests the labels), creating only the policy', async () => {
    const context = actionContext(sandbox);
    const pod = target('web', 'frontend-debug');
    const plan = await isolatePod.plan(context, pod);
    if ('skip' in plan) throw new Error(plan.skip);
    const stored = sandbox.kube.getObject('pods', 'web', 'frontend-debug')!;
    sandbox.kube.seed({ ...stored, metadata: { ...stored.metadata, labels: { app: 'frontend', extra: 'x' } } });

    await expect(isolatePod.apply(context, pod, plan.change)).rejects.toThrow(/HTTP 422/);
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-debug')?.metadata.labels).toEqual({ app: 'frontend', extra: 'x' });
    expect(sandbox.kube.getObject('networkpolicies', 'web', quarantinePolicyName(INCIDENT))).toBeDefined();
  });

  it('is not put off by status changes made since the pod was read', async () => {
    const context = actionContext(sandbox);
    const pod = target('web', 'frontend-debug');
    const plan = await isolatePod.plan(context, pod);
    if ('skip' in plan) throw new Error(plan.skip);
    const stored = sandbox.kube.getObject('pods', 'web', 'frontend-debug')!;
    sandbox.kube.seed({ ...stored, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });

    await expect(isolatePod.apply(context, pod, plan.change)).resolves.toMatchObject({ status: 'done' });
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-debug')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: INCIDENT });
  });
});
