// What a full quarantine reads: every object once, and containment of pods and nodes that does
// not depend on the IAM roles, which correlation resolves a round trip later.
import { QUARANTINE_LABEL } from '../../../shared/markers';
import type { RecordedRequest } from '../../support/kube-api-server';
import { startSandbox, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { argocdFinding } from '../../helpers/findings';

/**
 * Kubernetes reads of an object the invocation had already read: a second GET of it, or a GET
 * of an object of a kind already listed where it lives (selectors not checked: errs on counting).
 */
function repeatedReads(requests: RecordedRequest[]): string[] {
  const what = (request: RecordedRequest) => `${request.verb} ${request.resource} ${request.namespace ?? '-'}/${request.name ?? '*'}`;
  const lists = requests.filter((request) => request.verb === 'list');
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const request of requests.filter((item) => item.verb === 'get' && !item.subresource)) {
    const listed = lists.find((list) => list.resource === request.resource && (list.namespace === undefined || list.namespace === request.namespace) && list.startedAt <= request.startedAt);
    if (seen.has(what(request)) || listed) repeated.push(what(request));
    seen.add(what(request));
  }
  return repeated;
}

describe('eks-responder respond: reads of a full quarantine', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    // Evidence, when collected, reads each object afresh on purpose: it must show it as it is when taken.
    sandbox = await startSandbox({ withoutEvidenceBucket: true });
  });
  afterEach(() => sandbox.stop());

  const respond = (event: string) => runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], sandbox.env, event);

  it.each([
    ['a pod', argocdFinding({ severity: 8 })],
    ['a Deployment', argocdFinding({ severity: 8, workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } })],
  ])('reads no pod, node or service account twice when containing %s', async (_what, event) => {
    const result = await respond(event);

    expect(result.code).toBe(0);
    expect(result.reports[0].actions.filter((action) => action.status === 'done').map((action) => action.action)).toEqual(
      expect.arrayContaining(['isolate-pod', 'cordon-node', 'revoke-role-sessions', 'protect-from-disruption']),
    );
    expect(repeatedReads(sandbox.kube.requests)).toEqual([]);
    expect(sandbox.kube.requests.filter((request) => request.verb === 'list' && request.resource === 'nodes')).toHaveLength(1);
    // The role's policy and the instances are read ahead, as soon as the pods are known, and the
    // actions use those answers: each is read once.
    const instances = new Set(result.reports[0].targets.map((target) => target.instanceId));
    expect(sandbox.aws.callsTo('iam', 'GetRolePolicy')).toHaveLength(1);
    // All the instances in one DescribeInstances.
    expect(sandbox.aws.callsTo('ec2', 'DescribeInstances').map((call) => [...(call.params.InstanceId as string[])].sort())).toEqual([[...instances].sort()]);
    expect(sandbox.aws.callsTo('ec2', 'DescribeInstanceAttribute')).toHaveLength(2 * instances.size);
  });

  it('isolates and cordons when the IAM roles cannot be resolved, and reports the revocation as failed', async () => {
    // A pod-level finding about a Deployment's pod: its owner is read with the roles.
    sandbox.kube.failNext({ verb: 'get', resource: 'replicasets' }, 403, Infinity);

    const result = await respond(argocdFinding({ severity: 8, workload: { Name: 'frontend-7d4b9c8f6-x2k4p', Type: 'pods', Namespace: 'web' } }));

    expect(result.code).toBe(1);
    const [report] = result.reports;
    const status = (name: string) => report.actions.find((action) => action.action === name);
    expect(status('isolate-pod')).toMatchObject({ status: 'done' });
    expect(status('cordon-node')).toMatchObject({ status: 'done' });
    expect(status('revoke-role-sessions')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^targets not resolved: /) });
    expect(report.notes).toContainEqual(expect.stringMatching(/^IAM roles and owners not resolved: /));
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-7d4b9c8f6-x2k4p')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
    expect(report.targets).toHaveLength(1);
    expect(sandbox.kube.getObject('nodes', undefined, report.targets[0].node!)?.spec.unschedulable).toBe(true);
    expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toEqual([]);
  });
});
