import { join } from 'node:path';
import { CLUSTER } from '../../support/cluster-scenario';
import { startSandbox, TOPIC_ARN, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { CLUSTER_ADMIN_POLICY, eksCall, PEER_ROLE } from '../../helpers/cloudtrail';
import { EVENTS_DIR, eventFiles } from '../../helpers/events';

const VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
const openEndpoint = () => eksCall('UpdateClusterConfig', { name: CLUSTER, resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] } });
const loggingOff = () => eksCall('UpdateClusterConfig', { name: CLUSTER, logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: false }] } });
const adminGrant = () => eksCall('AssociateAccessPolicy', { clusterName: CLUSTER, principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } });
const entryCreated = () => eksCall('CreateAccessEntry', { clusterName: CLUSTER, principalArn: PEER_ROLE, type: 'STANDARD' });

describe('eks-responder respond (CloudTrail)', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const respondTo = (event: unknown, mode: string, env: Record<string, string> = {}) =>
    runCommand(['respond', '--event', '-', '--mode', mode, '--json'], { ...sandbox.env, ...env }, JSON.stringify(event));
  const eksWrites = () => sandbox.aws.mutations().filter((call) => call.service === 'eks');

  it.each(eventFiles('cloudtrail'))('ignores the real sample %s in enforce mode without changing or sending anything', async (file) => {
    const result = await runCommand(['respond', '--event', join(EVENTS_DIR, file), '--mode', 'enforce', '--json'], sandbox.env);

    expect(result.code).toBe(0);
    expect(result.reports[0]).toMatchObject({ source: 'cloudtrail', decision: 'ignore', actions: [] });
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(sandbox.aws.notifications()).toEqual([]);
    expect(sandbox.kube.requests).toEqual([]);
  });

  describe('a public endpoint opened to 0.0.0.0/0', () => {
    it('plans the restriction, showing who opened it, and changes nothing', async () => {
      const result = await respondTo(openEndpoint(), 'plan');

      expect(result.code).toBe(0);
      const [report] = result.reports;
      expect(report).toMatchObject({
        source: 'cloudtrail',
        severity: 7,
        decision: 'notify',
        controlPlane: { eventName: 'UpdateClusterConfig', actor: { arn: 'arn:aws:sts::123456789012:assumed-role/ci-deployer/deploy-42', roleArn: PEER_ROLE, sourceIp: '198.51.100.23' } },
      });
      expect(report.actions[0]).toMatchObject({
        action: 'restrict-public-endpoint',
        status: 'planned',
        before: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] },
      });
      expect(sandbox.aws.mutations()).toEqual([]);
      expect(sandbox.kube.requests).toEqual([]);
    });

    it('only notifies in enforce mode while the remediation is not enabled, naming the actor', async () => {
      const result = await respondTo(openEndpoint(), 'enforce');

      expect(result.reports[0].actions[0]).toMatchObject({ status: 'planned', detail: expect.stringContaining('decision is notify') });
      expect(eksWrites()).toEqual([]);
      const [published] = sandbox.aws.callsTo('sns', 'Publish');
      expect(published.params).toMatchObject({ TopicArn: TOPIC_ARN, MessageAttributes: { source: { StringValue: 'cloudtrail' }, decision: { StringValue: 'notify' } } });
      expect(String(published.params.Message)).toContain('Call      UpdateClusterConfig by arn:aws:sts::123456789012:assumed-role/ci-deployer/deploy-42 from 198.51.100.23');
      expect(JSON.stringify(sandbox.aws.slackMessages()[0])).toContain('assumed-role/ci-deployer/deploy-42');
      // A CloudTrail incident has no Security Hub finding to note.
      expect(result.reports[0].actions.at(-1)).toMatchObject({ action: 'update-securityhub-finding', status: 'skipped', detail: 'the incident has no Security Hub finding' });
    });

    it('limits public access to the allowed CIDRs when the remediation is enabled', async () => {
      const env = { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint', ALLOWED_PUBLIC_CIDRS: '203.0.113.0/24' };

      const result = await respondTo(openEndpoint(), 'enforce', env);

      expect(result.code).toBe(0);
      expect(result.reports[0].decision).toBe('respond');
      expect(result.reports[0].actions[0]).toMatchObject({ action: 'restrict-public-endpoint', status: 'done' });
      expect(eksWrites().map((call) => [call.operation, call.params])).toEqual([
        ['UpdateClusterConfig', { name: CLUSTER, resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['203.0.113.0/24'] }, clientRequestToken: expect.any(String) }],
      ]);
      expect(sandbox.aws.cluster(CLUSTER)?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] });

      sandbox.aws.resetCalls();
      const again = await respondTo(openEndpoint(), 'enforce', env);

      expect(again.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'already restricted to 203.0.113.0/24' });
      expect(eksWrites()).toEqual([]);
    });

    it('makes the endpoint private when no public CIDR is allowed', async () => {
      await respondTo(openEndpoint(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint' });

      expect(eksWrites().map((call) => call.params.resourcesVpcConfig)).toEqual([{ endpointPublicAccess: false, endpointPrivateAccess: true }]);
      expect(sandbox.aws.cluster(CLUSTER)?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });
    });

    it('fails, to be retried, while another cluster update is in progress', async () => {
      sandbox.aws.failNext({ service: 'eks', operation: 'UpdateClusterConfig' }, { status: 409, code: 'ResourceInUseException', message: 'Cannot update because an update is in progress' });

      const result = await respondTo(openEndpoint(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint' });

      expect(result.code).toBe(1);
      expect(result.reports[0].actions[0]).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^cluster guardduty-blueprint has an update in progress; try again once it completes/) });
      expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
    });
  });

  it('turns back on the control-plane log types a call turned off', async () => {
    sandbox.aws.cluster(CLUSTER)!.enabledLogTypes = new Set(['scheduler']);

    const planned = await respondTo(loggingOff(), 'plan');
    const result = await respondTo(loggingOff(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'restore-control-plane-logging' });

    expect(planned.reports[0].actions[0]).toMatchObject({ action: 'restore-control-plane-logging', status: 'planned', before: { enabledLogTypes: ['scheduler'] } });
    expect(result.reports[0].actions[0]).toMatchObject({ status: 'done' });
    expect(eksWrites().map((call) => [call.operation, call.params])).toEqual([
      ['UpdateClusterConfig', { name: CLUSTER, logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] }, clientRequestToken: expect.any(String) }],
    ]);
    expect([...sandbox.aws.cluster(CLUSTER)!.enabledLogTypes].sort()).toEqual(['api', 'audit', 'authenticator', 'scheduler']);

    sandbox.aws.resetCalls();
    const again = await respondTo(loggingOff(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'restore-control-plane-logging' });
    expect(again.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'already enabled: api, audit, authenticator' });
    expect(eksWrites()).toEqual([]);
  });

  describe('cluster-admin access for a principal outside the allow list', () => {
    it('disassociates the admin policy granted by AssociateAccessPolicy and keeps the entry', async () => {
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [VIEW_POLICY, CLUSTER_ADMIN_POLICY] });

      const result = await respondTo(adminGrant(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });

      expect(result.reports[0].actions[0]).toMatchObject({
        action: 'revoke-access-entry',
        status: 'done',
        before: { principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster', namespaces: [] } },
      });
      expect(eksWrites().map((call) => [call.operation, call.params])).toEqual([['DisassociateAccessPolicy', { clusterName: CLUSTER, principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY }]]);
      expect([...sandbox.aws.cluster(CLUSTER)!.accessEntries.get(PEER_ROLE)!.policies]).toEqual([VIEW_POLICY]);

      sandbox.aws.resetCalls();
      const again = await respondTo(adminGrant(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });
      expect(again.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: `already revoked: AmazonEKSClusterAdminPolicy is not associated with ${PEER_ROLE}` });
      expect(eksWrites()).toEqual([]);
    });

    it('reports a refused revocation as a failure, and still notifies', async () => {
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [CLUSTER_ADMIN_POLICY] });
      sandbox.aws.failNext({ service: 'eks', operation: 'DisassociateAccessPolicy' }, { status: 403, code: 'AccessDeniedException', message: 'not authorized to perform eks:DisassociateAccessPolicy' });

      const result = await respondTo(adminGrant(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });

      expect(result.code).toBe(1);
      expect(result.reports[0].actions[0]).toMatchObject({ status: 'failed', detail: 'not authorized to perform eks:DisassociateAccessPolicy' });
      expect(sandbox.aws.cluster(CLUSTER)!.accessEntries.get(PEER_ROLE)!.policies.has(CLUSTER_ADMIN_POLICY)).toBe(true);
      expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
    });

    it('deletes the access entry CreateAccessEntry created once it holds an admin policy, saving it in the report', async () => {
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { kubernetesGroups: ['ops'], policies: [CLUSTER_ADMIN_POLICY] });

      const result = await respondTo(entryCreated(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });

      expect(result.reports[0].actions[0]).toMatchObject({
        status: 'done',
        before: { principalArn: PEER_ROLE, kubernetesGroups: ['ops'], type: 'STANDARD', policies: [{ policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster', namespaces: [] } }] },
      });
      expect(eksWrites().map((call) => [call.operation, call.params])).toEqual([['DeleteAccessEntry', { clusterName: CLUSTER, principalArn: PEER_ROLE }]]);
      expect(sandbox.aws.cluster(CLUSTER)!.accessEntries.has(PEER_ROLE)).toBe(false);

      const again = await respondTo(entryCreated(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });
      expect(again.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: `no access entry for ${PEER_ROLE} any more` });
    });

    it('leaves a new access entry without admin policy in place', async () => {
      sandbox.aws.addAccessEntry(CLUSTER, PEER_ROLE, { policies: [VIEW_POLICY] });

      const result = await respondTo(entryCreated(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry' });

      expect(result.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: `the access entry of ${PEER_ROLE} holds no admin access policy; left in place` });
      expect(eksWrites()).toEqual([]);
    });

    it('ignores a grant to a principal on the allow list', async () => {
      const result = await respondTo(adminGrant(), 'enforce', { CONTROL_PLANE_REMEDIATION: 'revoke-access-entry', ADMIN_PRINCIPAL_ALLOW_LIST: PEER_ROLE });

      expect(result.reports[0]).toMatchObject({ decision: 'ignore', actions: [] });
      expect(sandbox.aws.mutations()).toEqual([]);
    });
  });

  it('notifies about a deleted cluster and changes nothing', async () => {
    const result = await respondTo(eksCall('DeleteCluster', { name: CLUSTER }), 'enforce', { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint,restore-control-plane-logging,revoke-access-entry' });

    expect(result.reports[0]).toMatchObject({ decision: 'notify', severity: 8, reason: 'cluster deleted: no automatic remediation, a person decides' });
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(sandbox.aws.callsTo('sns', 'Publish')[0].params.Subject).toBe('[notify] High AwsApiCall:eks/DeleteCluster on guardduty-blueprint');
  });

  it.each([
    ['its caller identity', {}],
    ['RESPONDER_ROLE_ARNS', { RESPONDER_ROLE_ARNS: 'arn:aws:iam::123456789012:role/security/eks-responder' }],
  ])("ignores a call made by the responder's own role, recognised by %s", async (_name, env) => {
    // The local AWS endpoint's caller identity is arn:aws:sts::123456789012:assumed-role/eks-responder/eks-responder-test.
    const event = eksCall('UpdateClusterConfig', { name: CLUSTER, resourcesVpcConfig: { endpointPublicAccess: true } }, { actor: 'arn:aws:iam::123456789012:role/security/eks-responder', sessionName: 'eks-responder-test' });

    const result = await respondTo(event, 'enforce', { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint', ...env });

    expect(result.code).toBe(0);
    expect(result.reports[0]).toMatchObject({ decision: 'ignore', reason: expect.stringMatching(/^made by the responder's own identity/) });
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(sandbox.aws.notifications()).toEqual([]);
  });

  it.each([
    ['a record without userIdentity', (event: any) => delete event.detail.userIdentity, /^eks-responder: CloudTrail record: userIdentity: /],
    ['a record without eventID', (event: any) => delete event.detail.eventID, /^eks-responder: CloudTrail record: eventID: /],
    ['an envelope of another detail-type', (event: any) => (event['detail-type'] = 'AWS Console Sign In via CloudTrail'), /^eks-responder: unsupported event: source "aws.eks"/],
  ])('rejects %s with exit 2 and no calls', async (_name, breakIt, message) => {
    const event = openEndpoint();
    breakIt(event);

    const result = await respondTo(event, 'enforce', { CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint' });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(sandbox.aws.calls).toEqual([]);
    expect(sandbox.kube.requests).toEqual([]);
  });

  it('runs a control-plane playbook by hand on the event, whatever the remediation setting', async () => {
    const result = await runCommand(['playbook', 'restrict-public-endpoint', '--event', '-', '--mode', 'enforce', '--json'], sandbox.env, JSON.stringify(openEndpoint()));

    expect(result.reports[0].decision).toBe('respond');
    expect(result.reports[0].actions[0]).toMatchObject({ action: 'restrict-public-endpoint', status: 'done' });
    expect(sandbox.aws.cluster(CLUSTER)?.resourcesVpcConfig.endpointPublicAccess).toBe(false);
  });
});
