import { join } from 'node:path';
import { QUARANTINE_LABEL } from '../../../shared/markers';
import { ACCOUNT, CLUSTER, REGION } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { asEventBridgeEvent } from '../../helpers/eventbridge';
import { EVENTS_DIR, loadEvent } from '../../helpers/events';
import { argocdFinding } from '../../helpers/findings';
import { asffFinding, CUSTOM_ACTION, customActionEvent, EKS_1, importedEvent } from '../../helpers/securityhub';

const GUARDDUTY_PRODUCT = `arn:aws:securityhub:${REGION}::product/aws/guardduty`;
const ARGOCD_ARN = `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/94c3858788bc1444ceedab472bab5d7e/finding/f2c3859c6ca25b3057d13470a992bbd7`;
const SANDBOX_CLUSTER = { name: CLUSTER, account: ACCOUNT, region: REGION };

/** The Security Hub copy of the real argocd GuardDuty finding, at High severity (derived, see asffFinding). */
const argocdCopy = () =>
  asffFinding({
    cluster: SANDBOX_CLUSTER,
    workload: { name: 'privileged-pod', type: 'pods', namespace: 'argocd' },
    severity: { Label: 'HIGH', Normalized: 80 },
    guardDutyArn: ARGOCD_ARN,
    types: ['TTPs/Privilege Escalation/PrivilegeEscalation:Kubernetes-PrivilegedContainer'],
  });

describe('eks-responder respond (Security Hub)', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const run = (args: string[], stdin?: string, env: Record<string, string> = {}) => runCommand(args, { ...sandbox.env, ...env }, stdin);
  const respondTo = (event: unknown, mode: string, env?: Record<string, string>) => run(['respond', '--event', '-', '--mode', mode, '--json'], JSON.stringify(event), env);

  describe('the real custom-action sample', () => {
    const file = join(EVENTS_DIR, CUSTOM_ACTION);

    it('plans: its cluster is not reachable, nothing is changed or sent', async () => {
      const result = await run(['respond', '--event', file, '--json']);

      expect(result.code).toBe(0);
      const [report] = result.reports;
      expect(report).toMatchObject({ source: 'securityhub', incidentKey: 'guardduty:1234', cluster: 'cleanroom-test-eks', decision: 'notify', reason: expect.stringMatching(/^cluster not reachable: cluster cleanroom-test-eks in us-east-1: not found/) });
      expect(report.actions.map((action) => [action.action, action.status])).toEqual([
        ['correlate', 'skipped'],
        ['notify', 'planned'],
        ['notify', 'planned'],
        ['update-securityhub-finding', 'planned'],
      ]);
      expect(sandbox.aws.mutations()).toEqual([]);
      expect(sandbox.aws.notifications()).toEqual([]);
    });

    it('enforces: notifies and records the outcome on the finding in Security Hub', async () => {
      const result = await run(['respond', '--event', file, '--mode', 'enforce', '--json']);

      expect(result.code).toBe(0);
      const [report] = result.reports;
      const finding = sandbox.aws.securityHubFinding(GUARDDUTY_PRODUCT, 'arn:aws:guardduty:us-east-1:0123456789101:detector/abcd/finding/1234');
      expect(finding).toMatchObject({ workflowStatus: 'NOTIFIED', note: { updatedBy: 'eks-responder', text: `eks-responder incident ${report.incidentId} (enforce mode, decision notify): correlate skipped` } });
      expect(sandbox.kube.mutations()).toEqual([]);
      expect(sandbox.aws.notifications()).toHaveLength(2);
    });
  });

  it('quarantines the workload a person chose through the custom action, whatever its severity', async () => {
    const event = customActionEvent(asffFinding({ cluster: SANDBOX_CLUSTER, workload: { name: 'privileged-pod', type: 'pods', namespace: 'argocd' } }));

    const result = await respondTo(event, 'enforce', { SECURITYHUB_STATUS_WHEN_CONTAINED: 'RESOLVED' });

    expect(result.code).toBe(0);
    const [report] = result.reports;
    expect(report).toMatchObject({ severity: 5, decision: 'respond', reason: 'Security Hub custom action "Quarantine workload" chosen by a person' });
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
    // The note is written with the notification: the preservation changes (termination
    // protection, the node's disruption mark) may then still be on their way, and say so.
    const finding = sandbox.aws.securityHubFinding(GUARDDUTY_PRODUCT, 'arn:aws:guardduty:us-east-1:0123456789101:detector/abcd/finding/1234');
    expect(finding).toMatchObject({ workflowStatus: 'RESOLVED' });
    const text = finding?.note?.text ?? '';
    expect(text).toMatch(
      new RegExp(
        `^eks-responder incident ${report.incidentId} \\(enforce mode, decision respond\\): collect-evidence done, isolate-pod done, cordon-node done, revoke-role-sessions done, cilium-deny skipped, calico-deny skipped, mesh-deny skipped, protect-instance (done|in-progress), protect-from-disruption 1 skipped 1 (done|in-progress)`,
      ),
    );
    expect(text.endsWith('; in-progress changes are noted again only if they fail')).toBe(text.includes(' in-progress,') || text.includes(' in-progress;'));
    // How they ended is on record.
    expect(report.actions.filter((action) => ['protect-instance', 'protect-from-disruption'].includes(action.action)).map((action) => action.status).sort()).toEqual(['done', 'done', 'skipped']);
  });

  it('still honours protected namespaces on a custom action', async () => {
    const event = customActionEvent(asffFinding({ cluster: SANDBOX_CLUSTER, workload: { name: 'aws-node-4lhp7', type: 'pods', namespace: 'kube-system' } }));

    const result = await respondTo(event, 'enforce');

    const [report] = result.reports;
    expect(report.decision).toBe('notify');
    expect(report.actions.find((action) => action.action === 'isolate-pod')).toMatchObject({ status: 'skipped', detail: 'protected: namespace kube-system is protected' });
    expect(sandbox.kube.mutations()).toEqual([]);
    expect(sandbox.aws.callsTo('securityhub', 'BatchUpdateFindings')[0].params).toMatchObject({ Workflow: { Status: 'NOTIFIED' } });
  });

  it('answers each finding of a custom action on several findings with its own report', async () => {
    const second = asffFinding({ cluster: SANDBOX_CLUSTER, workload: { name: 'frontend', type: 'deployments', namespace: 'web' }, guardDutyArn: `${ARGOCD_ARN.split('/finding/')[0]}/finding/0000second` });
    const event = customActionEvent(asffFinding({ cluster: SANDBOX_CLUSTER, workload: { name: 'privileged-pod', type: 'pods', namespace: 'argocd' } }), second);

    const result = await respondTo(event, 'plan');

    expect(result.reports.map((report) => [report.incidentKey, report.targets.length])).toEqual([
      ['guardduty:1234', 1],
      ['guardduty:0000second', 3],
    ]);
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('contains a GuardDuty finding once, whether it arrives directly or as its Security Hub copy', async () => {
    const direct = await respondTo(asEventBridgeEvent(argocdFinding({ severity: 8 })), 'enforce');
    sandbox.kube.resetRequests();

    const copy = await respondTo(importedEvent(argocdCopy()), 'enforce');

    expect(copy.reports[0].incidentId).toBe(direct.reports[0].incidentId);
    expect(copy.reports[0].actions.filter((action) => ['isolate-pod', 'cordon-node'].includes(action.action)).map((action) => action.detail)).toEqual([
      `already isolated (incident ${direct.reports[0].incidentId})`,
      `already cordoned (incident ${direct.reports[0].incidentId})`,
    ]);
    expect(sandbox.kube.mutations()).toEqual([]);
    // Both deliveries noted the same Security Hub finding.
    expect(sandbox.aws.securityHubFinding(GUARDDUTY_PRODUCT, ARGOCD_ARN)?.updates).toHaveLength(2);
  });

  describe('the real EKS.1 control finding', () => {
    beforeEach(() => {
      // Its cluster, answered by the sandbox's API server, so correlation runs for real.
      sandbox.aws.addCluster({ name: 'starter-blueprint', endpoint: sandbox.kube.url, caData: sandbox.aws.cluster(CLUSTER)!.caData });
    });

    it.each(['plan', 'enforce'])('finds nothing to contain in %s mode and changes nothing in the cluster', async (mode) => {
      const result = await run(['respond', '--event', join(EVENTS_DIR, EKS_1), '--mode', mode, '--json']);

      expect(result.code).toBe(0);
      const [report] = result.reports;
      expect(report).toMatchObject({ severity: 7, decision: 'notify', reason: expect.stringMatching(/^nothing to contain: the finding names no workload/) });
      expect(sandbox.kube.mutations()).toEqual([]);
      const finding = sandbox.aws.securityHubFinding('arn:aws:securityhub:us-east-1::product/aws/securityhub', loadEvent(EKS_1).detail.findings[0].Id);
      if (mode === 'plan') expect(finding).toBeUndefined();
      else expect(finding).toMatchObject({ workflowStatus: 'NOTIFIED', note: { text: expect.stringContaining('decision notify') } });
    });
  });

  it.each(['neg-imported-guardduty-ec2-ssh-bruteforce.json', 'neg-imported-iam-6-root-hardware-mfa.json', 'neg-imported-afsbp-ec2-7-ebs-default-encryption.json', 'neg-custom-action-cloudtrail-1.json'])(
    'ignores %s with exit 0 and no call at all',
    async (file) => {
      const result = await run(['respond', '--event', join(EVENTS_DIR, 'securityhub', file), '--mode', 'enforce', '--json']);

      expect(result.code).toBe(0);
      expect(result.reports[0]).toMatchObject({ source: 'securityhub', decision: 'ignore', reason: expect.stringMatching(/^not an EKS finding: /), actions: [] });
      expect(sandbox.kube.requests).toEqual([]);
      expect(sandbox.aws.calls).toEqual([]);
    },
  );

  it('ignores a suppressed finding without touching it', async () => {
    const finding = { ...argocdCopy(), Workflow: { Status: 'SUPPRESSED' } };

    const result = await respondTo(importedEvent(finding), 'enforce');

    expect(result.reports[0]).toMatchObject({ decision: 'ignore', reason: 'the finding is closed: workflow status is SUPPRESSED' });
    expect(sandbox.aws.calls).toEqual([]);
    expect(sandbox.kube.requests).toEqual([]);
  });

  it('fails the update of its own finding when Security Hub rejects it, and skips a GuardDuty copy Security Hub does not hold', async () => {
    const own = loadEvent(EKS_1).detail.findings[0].Id;
    sandbox.aws.rejectFinding(own);
    sandbox.aws.rejectFinding(ARGOCD_ARN);

    const imported = await run(['respond', '--event', join(EVENTS_DIR, EKS_1), '--mode', 'notify', '--json']);
    const guardDuty = await respondTo(asEventBridgeEvent(argocdFinding()), 'notify');

    expect(imported.code).toBe(1);
    expect(imported.reports[0].actions.at(-1)).toMatchObject({ action: 'update-securityhub-finding', status: 'failed', detail: 'Security Hub did not update the finding: FindingNotFound: The finding was not found.' });
    expect(guardDuty.code).toBe(0);
    expect(guardDuty.reports[0].actions.at(-1)).toMatchObject({ status: 'skipped', detail: 'no Security Hub copy updated (FindingNotFound: The finding was not found.)' });
  });

  it.each([
    ['an ASFF finding without resources', (event: any) => delete event.detail.findings[0].Resources, /^eks-responder: Security Hub finding: Resources: /],
    ['an ASFF finding without severity', (event: any) => (delete event.detail.findings[0].Severity, delete event.detail.findings[0].FindingProviderFields), /^eks-responder: Security Hub finding: Severity: /],
    ['a custom action whose second finding is malformed', (event: any) => event.detail.findings.push({ Id: 'x' }), /^eks-responder: Security Hub finding 2: /],
  ])('rejects %s with exit 2 and no calls', async (_name, breakIt, message) => {
    const event = customActionEvent(argocdCopy());
    breakIt(event);

    const result = await respondTo(event, 'enforce');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(sandbox.kube.requests).toEqual([]);
    expect(sandbox.aws.calls).toEqual([]);
  });
});
