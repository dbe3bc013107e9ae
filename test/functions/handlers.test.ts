import { SHARED_AWS_READ_MS } from '../../shared/adapters/shared-aws-reads';
import { QUARANTINE_LABEL, REVOKE_POLICY_NAME, quarantinePolicyName } from '../../shared/markers';
import { CLUSTER, NODES, ROLES } from '../support/cluster-scenario';
import { EVIDENCE_BUCKET, startSandbox, TOPIC_ARN, type Sandbox } from '../support/sandbox';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { CLUSTER_ADMIN_POLICY, eksCall, PEER_ROLE } from '../helpers/cloudtrail';
import { asffFinding, customActionEvent } from '../helpers/securityhub';

type Handler = (event: unknown) => Promise<any>;

/** A fresh module registry is a fresh Lambda execution environment (a cold start). */
async function coldStart(path: `../../functions/${'guardduty' | 'securityhub' | 'cloudtrail' | 'manual-playbook'}`): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import(path)).handler;
  });
  return handler as Handler;
}

describe('Lambda handlers', () => {
  let sandbox: Sandbox;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.aws.addSecret('eks-responder/slack', sandbox.aws.slackWebhookUrl);
    Object.assign(process.env, { NOTIFY_TOPIC_ARN: TOPIC_ARN, SLACK_WEBHOOK_SECRET_ID: 'eks-responder/slack', EVIDENCE_BUCKET });
  });
  afterEach(async () => {
    await sandbox.stop();
    process.env = { ...savedEnv };
  });

  const highSeverityEvent = () => asEventBridgeEvent(argocdFinding({ severity: 8 }));

  describe('guardduty', () => {
    it('defaults to notify mode: reports what it would do, sends it, changes nothing', async () => {
      const handler = await coldStart('../../functions/guardduty');

      const report = await handler(highSeverityEvent());

      expect(report).toMatchObject({ mode: 'notify', decision: 'respond', cluster: CLUSTER });
      const contained = report.actions.filter((action: { action: string }) => !['notify', 'update-securityhub-finding'].includes(action.action));
      expect(contained.slice(0, 3).map((action: { status: string }) => action.status)).toEqual(['planned', 'planned', 'planned']);
      expect(new Set(contained.map((action: { status: string }) => action.status))).toEqual(new Set(['planned', 'skipped']));
      expect(sandbox.kube.mutations()).toEqual([]);
      // Notify mode tells people, Security Hub included: the finding's copy is marked NOTIFIED.
      expect(sandbox.aws.mutations().map((call) => call.operation)).toEqual(['BatchUpdateFindings']);
      expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')[0].params).toMatchObject({ Workflow: { Status: 'NOTIFIED' } });
      expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
      expect(sandbox.aws.slackMessages()).toHaveLength(1);
      expect(sandbox.aws.callsTo('secretsmanager', 'GetSecretValue')).toHaveLength(1);
    });

    it('contains the workload in enforce mode', async () => {
      process.env.RESPONSE_MODE = 'enforce';
      const handler = await coldStart('../../functions/guardduty');

      const report = await handler(highSeverityEvent());

      // Done, or skipped with a reason where this plain cluster lacks the add-on.
      expect(report.actions.filter((action: { status: string }) => action.status !== 'done').map((action: { action: string }) => action.action)).toEqual([
        'cilium-deny',
        'calico-deny',
        'mesh-deny',
        'protect-from-disruption',
      ]);
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
    });

    it('reuses the cluster lookup, token and webhook secret on warm invocations', async () => {
      const handler = await coldStart('../../functions/guardduty');

      await handler(highSeverityEvent());
      await handler(asEventBridgeEvent(argocdFinding({ severity: 8, id: 'a-second-finding' })));

      expect(sandbox.aws.callsTo('eks', 'DescribeCluster')).toHaveLength(1);
      expect(sandbox.aws.callsTo('secretsmanager', 'GetSecretValue')).toHaveLength(1);
      expect(new Set(sandbox.kube.requests.map((request) => request.bearerToken)).size).toBe(1);
    });

    it("reads the affected pods' Pod Identity roles for every incident, the other associations' once per warm environment", async () => {
      const own = sandbox.aws.addPodIdentityAssociation({ cluster: CLUSTER, namespace: 'argocd', serviceAccount: 'privileged-app', roleArn: ROLES.privilegedApp });
      const handler = await coldStart('../../functions/guardduty');
      const described = () => sandbox.aws.callsTo('eks', 'DescribePodIdentityAssociation').map((call) => call.params.associationId);

      await handler(highSeverityEvent());
      const first = described();
      // The next incident, about the DaemonSet whose pods run as the scenario's other association
      // (monitoring/node-agent-pi), past the moment concurrent invocations share a read (only the clock is faked).
      jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
      jest.setSystemTime(Date.now() + SHARED_AWS_READ_MS);
      const daemonSet = argocdFinding({ severity: 8, id: 'a-second-finding', workload: { Name: 'node-agent', Type: 'daemonsets', Namespace: 'monitoring' } });
      const report = await handler(asEventBridgeEvent(daemonSet)).finally(() => jest.useRealTimers());

      expect(first).toHaveLength(2);
      const [other] = first.filter((id) => id !== own.associationId);
      expect(other).toBeDefined();
      expect(described().slice(first.length)).toEqual([other]);
      expect(report.targets.map((target: { roleArn?: string }) => target.roleArn)).toEqual([ROLES.nodeAgent, ROLES.nodeAgent]);
    });

    it('rejects a malformed event so it goes to the failure destination, without any call', async () => {
      const handler = await coldStart('../../functions/guardduty');
      const event = highSeverityEvent();
      delete event.detail.resource;

      await expect(handler(event)).rejects.toMatchObject({ name: 'BadInputError', message: 'GuardDuty finding: resource: Invalid input: expected object, received undefined' });
      expect(sandbox.kube.requests).toEqual([]);
      expect(sandbox.aws.calls).toEqual([]);
    });

    it('notifies, then raises a retryable error when an action failed', async () => {
      process.env.RESPONSE_MODE = 'enforce';
      sandbox.aws.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 403, code: 'AccessDenied' });
      const handler = await coldStart('../../functions/guardduty');

      await expect(handler(highSeverityEvent())).rejects.toMatchObject({ name: 'ActionFailedError', retryable: true, message: expect.stringContaining('revoke-role-sessions') });
      expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
      expect(sandbox.kube.getObject('nodes', undefined, NODES.a.name)?.spec.unschedulable).toBe(true);
    });

    describe("the notification does not wait for the node instance's termination protection", () => {
      const published = () => sandbox.aws.callsTo('sns', 'Publish');
      const modifyCalls = () => sandbox.aws.callsTo('ec2', 'ModifyInstanceAttribute');
      /** Lets the handler run until `condition` holds (a condition, not a time: the cap only stops a hang). */
      const until = async (condition: () => boolean): Promise<void> => {
        for (let waited = 0; !condition(); waited += 5) {
          if (waited > 10_000) throw new Error('condition not reached');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };

      it('notifies once contained, telling the protection as in progress, and records how it ended', async () => {
        process.env.RESPONSE_MODE = 'enforce';
        const releaseReads = sandbox.aws.hold({ service: 'ec2', operation: 'DescribeInstanceAttribute' });
        const handler = await coldStart('../../functions/guardduty');

        const handled = handler(highSeverityEvent());
        await until(() => published().length === 1);

        // The notification is out while the instance's settings are still being read, before they are changed.
        expect(modifyCalls()).toEqual([]);
        const message = String(published()[0].params.Message);
        expect(message).toContain(`[BUSY] protect-instance node ${NODES.a.name} (${NODES.a.instanceId}): reading what to change`);
        expect(message).toMatch(/\[DONE\] isolate-pod pod argocd\/privileged-pod/);
        expect(message).toMatch(/\[DONE\] cordon-node node /);
        expect(message).toMatch(/\[DONE\] revoke-role-sessions /);
        expect(JSON.stringify(sandbox.aws.slackMessages()[0])).toContain(':hourglass_flowing_sand: *protect-instance*');

        releaseReads();
        const report = await handled;
        expect(report.actions.find((action: { action: string }) => action.action === 'protect-instance')).toMatchObject({ status: 'done' });
        expect(report.actions.some((action: { status: string }) => action.status === 'in-progress')).toBe(false);
        expect(sandbox.aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: true });
        // Nothing failed: one notification, no follow-up.
        expect(published()).toHaveLength(1);
        expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(1);
      });

      it('sends a follow-up when the change told as in progress fails, then raises a retryable error', async () => {
        process.env.RESPONSE_MODE = 'enforce';
        const releaseReads = sandbox.aws.hold({ service: 'ec2', operation: 'DescribeInstanceAttribute' });
        sandbox.aws.failNext({ service: 'ec2', operation: 'ModifyInstanceAttribute' }, { status: 403, code: 'UnauthorizedOperation' });
        const handler = await coldStart('../../functions/guardduty');

        const handled = handler(highSeverityEvent());
        await until(() => published().length === 1);
        releaseReads();

        await expect(handled).rejects.toMatchObject({ name: 'ActionFailedError', retryable: true, message: expect.stringContaining('protect-instance') });
        expect(published()).toHaveLength(2);
        const [first, followUp] = published().map((call) => call.params);
        expect(String(first.Subject)).not.toContain('follow-up');
        expect(String(followUp.Subject)).toMatch(/^\[follow-up\] \[respond\]/);
        expect(String(followUp.Message)).toContain(`FOLLOW-UP: protect-instance node ${NODES.a.name} (${NODES.a.instanceId}) failed after the first notification`);
        expect(String(followUp.Message)).toMatch(/\[FAIL\] protect-instance .*UnauthorizedOperation/);
        expect(sandbox.aws.slackMessages()).toHaveLength(2);
        expect(JSON.stringify(sandbox.aws.slackMessages()[1])).toContain(`Follow-up: protect-instance node ${NODES.a.name}`);
        // Security Hub hears the outcome too.
        expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(2);
        const secondUpdate = sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')[1].params;
        expect(secondUpdate).toMatchObject({ Workflow: { Status: 'NOTIFIED' } });
        expect(JSON.stringify(secondUpdate.Note)).toContain('protect-instance failed');
      });
    });

    it('loads the response policy from SSM Parameter Store once per execution environment', async () => {
      const policy = 'version: 1\nrules:\n  - name: argocd-isolate-only\n    match: {namespace: argocd}\n    decision: respond\n    playbook: isolate-pod\ndefault:\n  decision: ignore\n';
      sandbox.aws.addParameter('/eks-responder/policy', policy, 'SecureString');
      Object.assign(process.env, { RESPONSE_MODE: 'enforce', POLICY_SSM_PARAMETER: '/eks-responder/policy' });
      const handler = await coldStart('../../functions/guardduty');

      const report = await handler(asEventBridgeEvent(argocdFinding({ severity: 2 })));
      await handler(asEventBridgeEvent(argocdFinding({ severity: 2, id: 'a-second-finding' })));

      expect(report).toMatchObject({ decision: 'respond', policyRule: 'argocd-isolate-only', mode: 'enforce' });
      expect(report.actions.map((action: { action: string }) => action.action)).toEqual(['isolate-pod', 'notify', 'notify', 'update-securityhub-finding']);
      expect(sandbox.aws.callsTo('ssm', 'GetParameter')).toHaveLength(1);
      expect(sandbox.aws.callsTo('ssm', 'GetParameter')[0].params).toMatchObject({ Name: '/eks-responder/policy', WithDecryption: true });
    });

    it('fails loudly, before any cluster call, when the SSM policy is missing or invalid', async () => {
      process.env.POLICY_SSM_PARAMETER = '/eks-responder/policy';
      const handler = await coldStart('../../functions/guardduty');

      await expect(handler(highSeverityEvent())).rejects.toMatchObject({ name: 'ConfigError', message: 'POLICY_SSM_PARAMETER /eks-responder/policy: parameter not found' });
      sandbox.aws.addParameter('/eks-responder/policy', 'version: 1\ndefault:\n  decision: respond\n  mode: yolo\n');
      await expect(handler(highSeverityEvent())).rejects.toMatchObject({ name: 'ConfigError', message: 'ssm:/eks-responder/policy:4: default.mode: expected one of "plan"|"notify"|"enforce"' });
      expect(sandbox.kube.requests).toEqual([]);
      expect(sandbox.aws.callsTo('eks')).toEqual([]);
    });

    it('refuses a Slack webhook URL in plain environment', async () => {
      process.env.SLACK_WEBHOOK_URL = sandbox.aws.slackWebhookUrl;
      const handler = await coldStart('../../functions/guardduty');

      await expect(handler(highSeverityEvent())).rejects.toMatchObject({ name: 'ConfigError' });
      expect(sandbox.aws.calls).toEqual([]);
    });
  });

  describe('securityhub', () => {
    const quarantineAction = () =>
      customActionEvent(
        asffFinding({ cluster: { name: CLUSTER, account: '123456789012', region: 'us-east-1' }, workload: { name: 'privileged-pod', type: 'pods', namespace: 'argocd' } }),
        asffFinding({ cluster: { name: CLUSTER, account: '123456789012', region: 'us-east-1' }, guardDutyArn: 'arn:aws:guardduty:us-east-1:123456789012:detector/abcd/finding/no-workload' }),
      );

    it('answers every finding of a custom action in notify mode by default, noting each in Security Hub', async () => {
      const handler = await coldStart('../../functions/securityhub');

      const reports = await handler(quarantineAction());

      expect(reports.map((report: { mode: string; decision: string }) => [report.mode, report.decision])).toEqual([
        ['notify', 'respond'],
        ['notify', 'notify'],
      ]);
      expect(sandbox.kube.mutations()).toEqual([]);
      expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings').map((call) => call.params.Workflow)).toEqual([{ Status: 'NOTIFIED' }, { Status: 'NOTIFIED' }]);
    });

    it('quarantines in enforce mode', async () => {
      process.env.RESPONSE_MODE = 'enforce';
      const handler = await coldStart('../../functions/securityhub');

      const [report] = await handler(quarantineAction());

      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
    });

    it('rejects a malformed ASFF finding without any call', async () => {
      const handler = await coldStart('../../functions/securityhub');
      const event = quarantineAction();
      delete event.detail.findings[1].AwsAccountId;

      await expect(handler(event)).rejects.toMatchObject({ name: 'BadInputError', message: expect.stringMatching(/^Security Hub finding 2: AwsAccountId: /) });
      expect(sandbox.kube.requests).toEqual([]);
      expect(sandbox.aws.calls).toEqual([]);
    });
  });

  describe('cloudtrail', () => {
    const adminGrant = () => eksCall('AssociateAccessPolicy', { clusterName: CLUSTER, principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } });

    it('notifies about an admin grant by default, naming who made it', async () => {
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [CLUSTER_ADMIN_POLICY] });
      const handler = await coldStart('../../functions/cloudtrail');

      const report = await handler(adminGrant());

      expect(report).toMatchObject({ source: 'cloudtrail', mode: 'notify', decision: 'notify', controlPlane: { actor: { roleArn: PEER_ROLE } } });
      expect(sandbox.aws.mutations()).toEqual([]);
      expect(String(sandbox.aws.callsTo('sns', 'Publish')[0].params.Message)).toContain('assumed-role/ci-deployer/deploy-42');
    });

    it('revokes the grant when enforcing with the remediation enabled', async () => {
      Object.assign(process.env, { RESPONSE_MODE: 'enforce', CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [CLUSTER_ADMIN_POLICY] });
      const handler = await coldStart('../../functions/cloudtrail');

      await handler(adminGrant());

      expect(sandbox.aws.cluster(CLUSTER)!.accessEntries.get(PEER_ROLE)!.policies.size).toBe(0);
    });

    it("ignores its own calls, asking STS who it is once per cold start", async () => {
      Object.assign(process.env, { RESPONSE_MODE: 'enforce', CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint' });
      const handler = await coldStart('../../functions/cloudtrail');
      // The local AWS endpoint answers GetCallerIdentity with assumed-role/eks-responder/eks-responder-test.
      const own = (cidr: string) =>
        eksCall('UpdateClusterConfig', { name: CLUSTER, resourcesVpcConfig: { publicAccessCidrs: [cidr] } }, { actor: 'arn:aws:iam::123456789012:role/eks-responder', sessionName: 'eks-responder-test' });

      const first = await handler(own('0.0.0.0/0'));
      const second = await handler(own('::/0'));

      expect([first.decision, second.decision]).toEqual(['ignore', 'ignore']);
      expect(sandbox.aws.callsTo('sts', 'GetCallerIdentity')).toHaveLength(1);
      expect(sandbox.aws.mutations()).toEqual([]);
      expect(sandbox.aws.notifications()).toEqual([]);
    });
  });

  describe('a burst of findings at one warm guardduty handler', () => {
    /** The most requests the test API server had in flight at once, from its own records. */
    const peakInFlight = () => {
      const edges = sandbox.kube.requests.flatMap((request) => [
        { at: request.startedAt, step: 1 },
        { at: request.endedAt, step: -1 },
      ]);
      edges.sort((a, b) => a.at - b.at || a.step - b.step);
      let now = 0;
      return Math.max(...edges.map((edge) => (now += edge.step)));
    };

    it('contains the pod once: the other incidents find it contained, none fails, calls in flight stay within MAX_CONCURRENT_CALLS', async () => {
      Object.assign(process.env, { RESPONSE_MODE: 'enforce', MAX_CONCURRENT_CALLS: '2' });
      // A little latency, so that calls overlap and the limit has something to hold back.
      sandbox.kube.latencyMs = 5;
      const handler = await coldStart('../../functions/guardduty');
      const events = ['burst-1', 'burst-2', 'burst-3'].map((id) => asEventBridgeEvent(argocdFinding({ severity: 8, id })));

      const reports = await Promise.all(events.map((event) => handler(event)));

      const isolations = reports.map((report) => report.actions.find((action: { action: string }) => action.action === 'isolate-pod'));
      const winner = reports[isolations.findIndex((action) => action.status === 'done')].incidentId;
      expect(isolations.map((action) => action.status).sort()).toEqual(['done', 'skipped', 'skipped']);
      expect(isolations.filter((action) => action.status === 'skipped').map((action) => action.detail)).toEqual([`already quarantined by incident ${winner}`, `already quarantined by incident ${winner}`]);
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: winner });
      const quarantinePolicies = sandbox.kube.listObjects('networkpolicies', 'argocd').filter((policy) => policy.metadata.name.startsWith(quarantinePolicyName('')));
      expect(quarantinePolicies.map((policy) => policy.metadata.name)).toEqual([quarantinePolicyName(winner)]);
      // One relabel of the pod and one cordon of its node, whatever other annotations the playbook adds.
      const relabels = sandbox.kube.mutations().filter((request) => request.resource === 'pods' && JSON.stringify(request.body).includes('"path":"/metadata/labels"'));
      const cordons = sandbox.kube.mutations().filter((request) => request.resource === 'nodes' && JSON.stringify(request.body).includes('"unschedulable":true'));
      expect([...relabels, ...cordons].map((request) => `${request.verb} ${request.resource} ${request.status}`)).toEqual(['patch pods 200', 'patch nodes 200']);
      expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toHaveLength(1);
      expect(sandbox.aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME)).toBeDefined();
      expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(3);
      expect(peakInFlight()).toBeLessThanOrEqual(2);
    });
  });

  describe('manual-playbook', () => {
    it('runs a playbook on one pod in the requested mode', async () => {
      const handler = await coldStart('../../functions/manual-playbook');

      const [report] = await handler({ playbook: 'cordon-node', target: { cluster: CLUSTER, namespace: 'web', pod: 'frontend-7d4b9c8f6-m5t7z' }, mode: 'enforce', reason: 'analyst request' });

      expect(report).toMatchObject({ source: 'manual', decision: 'respond', title: 'Manual playbook invocation: analyst request' });
      expect(sandbox.kube.getObject('nodes', undefined, NODES.b.name)?.spec.unschedulable).toBe(true);
      expect(sandbox.kube.getObject('pods', 'web', 'frontend-7d4b9c8f6-m5t7z')?.metadata.labels).toHaveProperty('app', 'frontend');
    });

    it('runs a playbook on the findings of an event, defaulting to the configured mode', async () => {
      const handler = await coldStart('../../functions/manual-playbook');

      const [report] = await handler({ playbook: 'quarantine', event: highSeverityEvent() });

      expect(report.mode).toBe('notify');
      expect(sandbox.kube.mutations()).toEqual([]);
    });

    it('releases a quarantine by incident id', async () => {
      const handler = await coldStart('../../functions/manual-playbook');
      const [quarantined] = await handler({ playbook: 'quarantine', event: highSeverityEvent(), mode: 'enforce' });

      const [released] = await handler({ playbook: 'release', incident: quarantined.incidentId, cluster: CLUSTER, mode: 'enforce' });

      expect(released).toMatchObject({ incidentId: quarantined.incidentId, source: 'manual', decision: 'respond' });
      expect(released.actions.map((action: { action: string; status: string }) => `${action.action}:${action.status}`)).toEqual([
        'release-pod:done',
        'restore-network-policies:done',
        'uncordon-node:done',
        'restore-role-sessions:skipped',
        // The layered and evidence releases: the sandbox serves no CNI policy or mesh API, and the opt-ins did not run.
        'release-collect-evidence:done',
        'release-cilium-deny:skipped',
        'release-calico-deny:skipped',
        'release-mesh-deny:skipped',
        'release-protect-instance:done',
        'release-snapshot-volumes:skipped',
        'release-block-image:skipped',
        'release-protect-from-disruption:skipped',
        'release-protect-from-disruption:done',
        'notify:done',
        'notify:done',
        // A release by incident id has no Security Hub finding of its own.
        'update-securityhub-finding:skipped',
      ]);
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ app: 'privileged-pod', team: 'danger' });
      expect(sandbox.kube.getObject('nodes', undefined, NODES.a.name)?.spec.unschedulable).toBeUndefined();
    });

    it.each([
      [{ playbook: 'quarantine' }, 'manual playbook request: give exactly one of "event", "target" or (release only) "incident"'],
      [{ playbook: 'quarantine', incident: 'inc-0123456789abcdef' }, 'manual playbook request: "incident" and "restoreRoleSessions" are for the release playbook'],
      [{ playbook: 'delete-cluster', target: { cluster: CLUSTER, namespace: 'web', pod: 'x' } }, /^manual playbook request: playbook: /],
      [{ playbook: 'quarantine', target: { cluster: CLUSTER, namespace: 'Web!', pod: 'x' } }, /^manual target: namespace: /],
    ])('rejects %j', async (payload, message) => {
      const handler = await coldStart('../../functions/manual-playbook');

      await expect(handler(payload)).rejects.toMatchObject({ name: 'BadInputError', message });
      expect(sandbox.kube.requests).toEqual([]);
    });
  });
});
