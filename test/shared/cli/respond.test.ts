import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {
  CORDONED_BY_ANNOTATION,
  INCIDENT_TAG,
  ORIGINAL_LABELS_ANNOTATION,
  QUARANTINE_LABEL,
  REVOKE_POLICY_NAME,
  SCALE_DOWN_DISABLED_ANNOTATION,
  quarantinePolicyName,
} from '../../../shared/markers';
import { NOTIFICATION_ACTIONS } from '../../../shared/playbooks/registry';
import { CLUSTER, NODES, ROLES } from '../../support/cluster-scenario';
import { startSandbox, TOPIC_ARN, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR, eventFiles } from '../../helpers/events';
import { argocdFinding } from '../../helpers/findings';
import { admittingPolicies, podsSelectedBy } from '../../helpers/network-policies';
import { join } from 'node:path';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);
const NOTIFICATIONS = NOTIFICATION_ACTIONS.map((action) => action.name);

describe('eks-responder respond / playbook (GuardDuty)', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const run = (args: string[], stdin?: string) => runCommand(args, sandbox.env, stdin);

  it('plans the real argocd finding without changing or sending anything', async () => {
    const result = await run(['respond', '--event', argocdFile, '--json']);

    expect(result.code).toBe(0);
    const [report] = result.reports;
    expect(report).toMatchObject({
      source: 'guardduty',
      findingId: 'f2c3859c6ca25b3057d13470a992bbd7',
      cluster: CLUSTER,
      mode: 'plan',
      decision: 'notify',
      targets: [{ namespace: 'argocd', pod: 'privileged-pod', node: NODES.a.name, serviceAccount: 'privileged-app', roleArn: ROLES.privilegedApp, instanceId: NODES.a.instanceId }],
    });
    expect(report.actions.map((action) => [action.action, action.status])).toEqual([
      ['collect-evidence', 'planned'],
      ['isolate-pod', 'planned'],
      ['cordon-node', 'planned'],
      ['revoke-role-sessions', 'planned'],
      ['cilium-deny', 'skipped'],
      ['calico-deny', 'skipped'],
      ['mesh-deny', 'skipped'],
      ['protect-instance', 'planned'],
      ['protect-from-disruption', 'skipped'],
      ['protect-from-disruption', 'planned'],
      ['notify', 'planned'],
      ['notify', 'planned'],
      ['update-securityhub-finding', 'planned'],
    ]);
    expect(report.notes).toContain('cluster APIs: none of the add-ons checked; not served: Cilium, Calico, Istio, Karpenter, Kyverno, Gatekeeper');
    expect(sandbox.kube.mutations()).toEqual([]);
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(sandbox.aws.notifications()).toEqual([]);
  });

  it('quarantines the argocd pod in enforce mode and leaves the cluster in the contained state', async () => {
    const result = await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json', '--reason', 'privileged container']);

    expect(result.code).toBe(0);
    const [report] = result.reports;
    expect(report.decision).toBe('respond');
    // A plain cluster: the layered actions say why they have nothing to do, and nothing else is left undone.
    expect(report.actions.filter((action) => action.status !== 'done').map((action) => [action.action, action.target, action.detail])).toEqual([
      ['cilium-deny', 'namespace argocd', 'Cilium not served (no cilium.io/v2)'],
      ['calico-deny', 'namespace argocd', 'Calico not served (no projectcalico.org/v3 or crd.projectcalico.org/v1)'],
      ['mesh-deny', 'namespace argocd', 'Istio not served (no security.istio.io/v1 or security.istio.io/v1beta1)'],
      ['protect-from-disruption', 'pod argocd/privileged-pod', 'Karpenter not served (no karpenter.sh/v1): no pod annotation needed'],
    ]);
    const { kube, aws } = sandbox;

    // The pod is kept, carries only the quarantine label, and remembers its labels.
    const pod = kube.getObject('pods', 'argocd', 'privileged-pod');
    expect(pod).toBeDefined();
    expect(pod?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
    expect(JSON.parse(pod?.metadata.annotations[ORIGINAL_LABELS_ANNOTATION])).toEqual({ app: 'privileged-pod', team: 'danger' });

    // The deny-all policy is valid, selects exactly that pod, and nothing else admits traffic to it.
    const policy = kube.getObject('networkpolicies', 'argocd', quarantinePolicyName(report.incidentId));
    expect(() => new NetworkPolicy(policy as never).validate()).not.toThrow();
    expect(policy?.spec).toEqual({ podSelector: { matchLabels: { [QUARANTINE_LABEL]: report.incidentId } }, policyTypes: ['Ingress', 'Egress'] });
    expect(podsSelectedBy(kube, policy!)).toEqual(['privileged-pod']);
    expect(admittingPolicies(kube, 'argocd', 'privileged-pod')).toEqual([]);
    // The namespace-wide policy still serves the healthy pod.
    expect(admittingPolicies(kube, 'argocd', 'argocd-server-86867c9dd8-p6qk7')).toEqual(['allow-same-namespace']);

    // The node is cordoned, not drained.
    const node = kube.getObject('nodes', undefined, NODES.a.name);
    expect(node?.spec.unschedulable).toBe(true);
    expect(node?.metadata.annotations[CORDONED_BY_ANNOTATION]).toBe(report.incidentId);
    expect(kube.listObjects('pods', 'argocd')).toHaveLength(2);
    // ...and neither the cluster autoscaler nor an API call can take the instance away.
    expect(node?.metadata.annotations[SCALE_DOWN_DISABLED_ANNOTATION]).toBe('true');
    expect(aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: true, shutdownBehavior: 'stop' });
    expect(aws.instance(NODES.a.instanceId)?.tags.get(INCIDENT_TAG)).toBe(report.incidentId);

    // The role denies sessions issued before the response.
    const document = JSON.parse(aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME) ?? '{}');
    expect(document.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': expect.any(String) } } }),
    ]);

    // SNS and Slack received the report.
    const [published] = aws.callsTo('sns', 'Publish');
    expect(published.params).toMatchObject({ TopicArn: TOPIC_ARN, Subject: expect.stringContaining('PrivilegeEscalation:Kubernetes/PrivilegedContainer') });
    expect(String(published.params.Message)).toContain(`"incidentId": "${report.incidentId}"`);
    expect(published.params.MessageAttributes).toMatchObject({ severity: { DataType: 'Number', StringValue: '5' }, cluster: { DataType: 'String', StringValue: CLUSTER } });
    const [slack] = aws.slackMessages();
    expect(JSON.stringify(slack)).toContain('privileged-pod');
    expect((slack.blocks as unknown[]).length).toBeGreaterThan(3);
  });

  it('acts automatically on a high-severity finding in enforce mode', async () => {
    const result = await run(['respond', '--event', '-', '--mode', 'enforce', '--json'], argocdFinding({ severity: 8 }));

    expect(result.code).toBe(0);
    expect(result.reports[0].decision).toBe('respond');
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toHaveProperty([QUARANTINE_LABEL]);
  });

  it('changes nothing on a second run of the same finding', async () => {
    const args = ['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json'];
    await run(args);
    sandbox.kube.resetRequests();
    sandbox.aws.resetCalls();

    const again = await run(args);

    expect(again.code).toBe(0);
    const incidentId = again.reports[0].incidentId;
    expect(again.reports[0].actions.filter((action) => !NOTIFICATIONS.includes(action.action))).toEqual([
      expect.objectContaining({ action: 'collect-evidence', status: 'skipped', detail: expect.stringMatching(/^already collected: s3:\/\/.*\/manifest\.json$/) }),
      expect.objectContaining({ action: 'isolate-pod', status: 'skipped', detail: `already isolated (incident ${incidentId})` }),
      expect.objectContaining({ action: 'cordon-node', status: 'skipped', detail: `already cordoned (incident ${incidentId})` }),
      expect.objectContaining({ action: 'revoke-role-sessions', status: 'skipped', detail: expect.stringMatching(/^already revoked/) }),
      ...['cilium-deny', 'calico-deny', 'mesh-deny'].map((action) => expect.objectContaining({ action, status: 'skipped', detail: expect.stringMatching(/not served/) })),
      expect.objectContaining({ action: 'protect-instance', status: 'skipped', detail: `already protected (incident ${incidentId})` }),
      expect.objectContaining({ action: 'protect-from-disruption', status: 'skipped', detail: expect.stringMatching(/^Karpenter not served/) }),
      expect.objectContaining({ action: 'protect-from-disruption', status: 'skipped', detail: `already protected (incident ${incidentId})` }),
    ]);
    expect(sandbox.kube.mutations()).toEqual([]);
    // Only the Security Hub copy of the finding gets a fresh note.
    expect(sandbox.aws.mutations().map((call) => call.operation)).toEqual(['BatchUpdateFindings']);
  });

  it('contains every current pod of a Deployment, cordons no more than half the nodes, and revokes its role once', async () => {
    const event = argocdFinding({ severity: 8, workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } });

    const result = await run(['respond', '--event', '-', '--mode', 'enforce', '--json'], event);

    expect(result.code).toBe(0);
    const [report] = result.reports;
    expect(report.targets.map((target) => target.pod).sort()).toEqual(['frontend-7d4b9c8f6-m5t7z', 'frontend-7d4b9c8f6-q8n3v', 'frontend-7d4b9c8f6-x2k4p']);
    for (const target of report.targets) {
      expect(sandbox.kube.getObject('pods', 'web', target.pod!)?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
      expect(admittingPolicies(sandbox.kube, 'web', target.pod!)).toEqual([]);
    }
    // The look-alike pod the Deployment does not own is untouched.
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-debug')?.metadata.labels).toEqual({ app: 'frontend' });
    // The pods run on two of the three nodes; the default policy's circuit breaker lets the
    // responder hold at most half the nodes (here one) cordoned: the other is held back, urgently.
    const cordons = report.actions.filter((action) => action.action === 'cordon-node');
    expect(cordons.map((action) => action.status).sort()).toEqual(['done', 'skipped']);
    expect(cordons.find((action) => action.status === 'skipped')?.detail).toMatch(/^circuit-open: cordoning node \S+ would leave 2 of the cluster's 3 nodes cordoned by the responder \(limit 50%, 1 nodes\)$/);
    const unschedulable = [NODES.a.name, NODES.b.name].filter((name) => sandbox.kube.getObject('nodes', undefined, name)?.spec.unschedulable);
    expect(unschedulable).toHaveLength(1);
    expect(report.urgent).toMatch(/^circuit breaker open: 1 containment action held back \(cordon-node node /);
    expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toHaveLength(1);
    expect(report.actions.find((action) => action.action === 'revoke-role-sessions')?.target).toBe(`role ${ROLES.frontend}`);
  });

  it('contains a DaemonSet on every node, cordons no more than half the nodes, and warns that its Pod Identity role is shared', async () => {
    const event = argocdFinding({ severity: 8, workload: { Name: 'node-agent', Type: 'daemonsets', Namespace: 'monitoring' } });

    const result = await run(['respond', '--event', '-', '--mode', 'enforce', '--json'], event);

    const [report] = result.reports;
    expect(report.targets.map((target) => [target.pod, target.node, target.roleArn])).toEqual([
      ['node-agent-7fk2d', NODES.a.name, ROLES.nodeAgent],
      ['node-agent-p9xw4', NODES.b.name, ROLES.nodeAgent],
    ]);
    // One of the two nodes: the circuit breaker keeps at most half the cluster's nodes cordoned.
    expect(report.actions.filter((action) => action.action === 'cordon-node').map((action) => action.status).sort()).toEqual(['done', 'skipped']);
    expect(report.actions.find((action) => action.action === 'revoke-role-sessions')?.detail).toContain('also used by monitoring/node-agent');
  });

  it('contains every pod running as the service account a finding names', async () => {
    const event = argocdFinding({ severity: 8, workload: null, username: 'system:serviceaccount:web:frontend' });

    const result = await run(['respond', '--event', '-', '--mode', 'plan', '--json'], event);

    expect(result.reports[0].targets.map((target) => target.pod).sort()).toEqual(['frontend-7d4b9c8f6-m5t7z', 'frontend-7d4b9c8f6-q8n3v', 'frontend-7d4b9c8f6-x2k4p']);
  });

  it('cordons the node whose identity made the call and lists its pods', async () => {
    const event = argocdFinding({ severity: 8, workload: null, username: `system:node:${NODES.b.name}` });

    const result = await run(['respond', '--event', '-', '--mode', 'enforce', '--json'], event);

    const [report] = result.reports;
    expect(report.targets).toEqual([{ node: NODES.b.name, instanceId: NODES.b.instanceId }]);
    const cordon = report.actions.find((action) => action.action === 'cordon-node');
    expect(cordon).toMatchObject({ status: 'done', target: `node ${NODES.b.name}` });
    expect(sandbox.kube.getObject('nodes', undefined, NODES.b.name)?.spec.unschedulable).toBe(true);
    // Cordoned, then annotated against scale-down; its instance protected.
    expect(sandbox.kube.mutations().map((request) => request.resource)).toEqual(['nodes', 'nodes']);
    expect(report.actions.find((action) => action.action === 'protect-instance')).toMatchObject({ status: 'done', target: `node ${NODES.b.name} (${NODES.b.instanceId})` });
  });

  it('isolates a pod without an IAM role and says why nothing was revoked', async () => {
    const result = await run(['playbook', 'quarantine', '--cluster', CLUSTER, '--namespace', 'argocd', '--pod', 'argocd-server-86867c9dd8-p6qk7', '--mode', 'enforce', '--json']);

    expect(result.code).toBe(0);
    expect(result.reports[0].actions.find((action) => action.action === 'revoke-role-sessions')).toMatchObject({
      status: 'skipped',
      detail: 'no IAM role (IRSA or EKS Pod Identity) behind the affected service accounts',
    });
    expect(sandbox.aws.callsTo('iam')).toEqual([]);
  });

  it('never touches a protected namespace unless asked explicitly', async () => {
    const args = ['playbook', 'quarantine', '--cluster', CLUSTER, '--namespace', 'kube-system', '--pod', 'aws-node-4lhp7', '--mode', 'enforce', '--json'];

    const refused = await run(args);

    expect(refused.reports[0].decision).toBe('notify');
    expect(refused.reports[0].actions.find((action) => action.action === 'isolate-pod')).toMatchObject({ status: 'skipped', detail: 'protected: namespace kube-system is protected' });
    expect(sandbox.kube.mutations()).toEqual([]);

    const allowed = await run([...args, '--allow-protected']);

    expect(allowed.reports[0].actions.find((action) => action.action === 'isolate-pod')?.status).toBe('done');
    expect(sandbox.kube.getObject('nodes', undefined, NODES.system.name)?.spec.unschedulable).toBe(true);
  });

  it('ignores a non-EKS finding with exit 0 and no calls', async () => {
    const result = await run(['respond', '--event', join(EVENTS_DIR, 'guardduty/neg-ec2-tor-relay.json'), '--mode', 'enforce', '--json']);

    expect(result.code).toBe(0);
    expect(result.reports[0]).toMatchObject({ decision: 'ignore', reason: 'not an EKS finding: resource type Instance is not an EKS cluster', actions: [] });
    expect(sandbox.kube.requests).toEqual([]);
    expect(sandbox.aws.calls).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"source": "aws.guardduty",, }', /^eks-responder: standard input is not valid JSON/],
    ['truncated JSON', argocdFinding().slice(0, 200), /^eks-responder: standard input is not valid JSON/],
    ['an unknown event', '{"source":"aws.s3","detail-type":"Object Created","detail":{}}', /^eks-responder: unsupported event: source "aws.s3"/],
    ['a finding without a type', '{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"id":"x"}}', /^eks-responder: GuardDuty finding: type: /],
  ])('rejects %s with exit 2, one line on stderr and no calls', async (_name, stdin, message) => {
    const result = await run(['respond', '--event', '-', '--mode', 'enforce'], stdin);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(sandbox.kube.requests).toEqual([]);
    expect(sandbox.aws.calls).toEqual([]);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await run(['playbook', 'quarantine', '--cluster', CLUSTER])).code).toBe(2);
    expect((await run(['playbook', 'explode', '--event', argocdFile])).stderr).toMatch(/unknown playbook "explode"/);
    expect((await run(['respond', '--event', argocdFile, '--mode', 'yolo'])).code).toBe(2);
    expect((await run(['respond', '--event', '/nonexistent/event.json'])).stderr).toBe('eks-responder: cannot read /nonexistent/event.json: ENOENT\n');
  });

  it('carries on when one action fails: the others are done, the failure is reported, exit 1', async () => {
    sandbox.aws.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 403, code: 'AccessDenied', message: 'not authorized to perform iam:PutRolePolicy' });

    const result = await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json']);

    expect(result.code).toBe(1);
    const statuses = Object.fromEntries(result.reports[0].actions.map((action) => [`${action.action} ${action.target}`, action.status]));
    expect(statuses).toMatchObject({
      'isolate-pod pod argocd/privileged-pod': 'done',
      [`cordon-node node ${NODES.a.name}`]: 'done',
      [`revoke-role-sessions role ${ROLES.privilegedApp}`]: 'failed',
      [`notify sns ${TOPIC_ARN}`]: 'done',
    });
    expect(result.reports[0].actions.find((action) => action.status === 'failed')?.detail).toContain('not authorized to perform iam:PutRolePolicy');
    expect(String(sandbox.aws.callsTo('sns', 'Publish')[0].params.Message)).toContain('[FAIL] revoke-role-sessions');
  });

  it("revokes the pod's IRSA role and says so when the Pod Identity associations cannot be described", async () => {
    sandbox.aws.failNext({ service: 'eks', operation: 'DescribePodIdentityAssociation' }, { status: 403, code: 'AccessDeniedException', message: 'not authorized to perform eks:DescribePodIdentityAssociation' }, Infinity);

    const result = await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json']);

    const [report] = result.reports;
    expect(report.notes).toContain('EKS Pod Identity associations not checked: not authorized to perform eks:DescribePodIdentityAssociation');
    expect(report.actions.find((action) => action.action === 'revoke-role-sessions')).toMatchObject({ target: `role ${ROLES.privilegedApp}`, status: 'done' });
    expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toHaveLength(1);
  });

  it('retries throttled and failing Kubernetes and AWS calls before giving up', async () => {
    sandbox.kube.failNext({ verb: 'patch', resource: 'pods' }, 429, 2);
    sandbox.kube.failNext({ verb: 'get', resource: 'nodes' }, 503, 1);
    sandbox.aws.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 2);

    const result = await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json']);

    expect(result.code).toBe(0);
    // The evidence marker is the first pod patch (retried twice), the isolation the second.
    expect(sandbox.kube.requests.filter((request) => request.verb === 'patch' && request.resource === 'pods').map((request) => request.status)).toEqual([429, 429, 200, 200]);
    expect(sandbox.aws.callsTo('iam', 'PutRolePolicy').map((call) => call.status)).toEqual([400, 400, 200]);
  });

  it('reports an unreachable cluster as a failure to retry, and still notifies', async () => {
    sandbox.aws.failNext({ service: 'eks', operation: 'DescribeCluster' }, { status: 500, code: 'ServerException' }, Infinity);

    const result = await run(['respond', '--event', '-', '--mode', 'enforce', '--json'], argocdFinding({ severity: 8 }));

    expect(result.code).toBe(1);
    expect(result.reports[0].actions[0]).toMatchObject({ action: 'correlate', status: 'failed' });
    expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('works against any cluster through a kubeconfig', async () => {
    const result = await run(['playbook', 'isolate-pod', '--event', argocdFile, '--mode', 'enforce', '--kubeconfig', sandbox.kubeconfigPath, '--json']);

    expect(result.code).toBe(0);
    expect(sandbox.aws.callsTo('eks', 'DescribeCluster')).toEqual([]);
    expect(result.reports[0].actions.map((action) => action.action)).toEqual(['isolate-pod', 'notify', 'notify', 'update-securityhub-finding']);
    expect(sandbox.kube.getObject('nodes', undefined, NODES.a.name)?.spec.unschedulable).toBeUndefined();
  });

  it('reaches EKS with a presigned token bound to the cluster', async () => {
    await run(['respond', '--event', argocdFile, '--json']);

    const tokens = new Set(sandbox.kube.requests.map((request) => request.bearerToken));
    expect(tokens.size).toBe(1);
    const [token] = [...tokens];
    const url = new URL(Buffer.from(String(token).replace('k8s-aws-v1.', ''), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(sandbox.aws.callsTo('eks', 'DescribeCluster')).toHaveLength(1);
  });

  describe.each(eventFiles('guardduty'))('sample %s', (file) => {
    it('plans without a single change and exits 0', async () => {
      const result = await run(['respond', '--event', join(EVENTS_DIR, file), '--json']);

      expect(result.code).toBe(0);
      expect(sandbox.kube.mutations()).toEqual([]);
      expect(sandbox.aws.mutations()).toEqual([]);
      expect(sandbox.aws.notifications()).toEqual([]);
    });

    it('enforces, changing only what it resolved, and exits 0', async () => {
      const result = await run(['respond', '--event', join(EVENTS_DIR, file), '--mode', 'enforce', '--json']);

      expect(result.code).toBe(0);
      const [report] = result.reports;
      const done = report.actions.filter((action) => action.status === 'done' && !NOTIFICATIONS.includes(action.action));
      // Without a respond decision nothing changes; sample findings name no real workload.
      expect(sandbox.kube.mutations().length > 0).toBe(done.length > 0);
      if (report.decision !== 'ignore') {
        expect(sandbox.aws.notifications().length).toBe(2);
        // Every sample has a GuardDuty ARN, so its Security Hub copy is noted too.
        expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(1);
      } else {
        expect(sandbox.aws.notifications()).toEqual([]);
        expect(sandbox.aws.mutations()).toEqual([]);
      }
    });
  });
});
