import type { Finding, Targets } from '../../../shared/model';
import { decide, reviewWithTargets } from '../../../shared/policy/default-policy';

const finding = (overrides: Partial<Finding>): Finding => ({
  source: 'guardduty',
  findingId: 'f1',
  incidentKey: 'guardduty:f1',
  type: 'Execution:Kubernetes/ExecInKubeSystemPod',
  title: 't',
  severity: 8,
  account: '111122223333',
  region: 'us-east-1',
  sample: false,
  cluster: { name: 'prod' },
  images: [],
  ...overrides,
});

const pod = { namespace: 'web', pod: 'p', labels: {}, serviceAccount: 'default', owners: [] };

describe('default policy', () => {
  it.each([
    [9.5, 'respond'],
    [7, 'respond'],
    [6.9, 'notify'],
    [4, 'notify'],
    [3.9, 'ignore'],
    [1, 'ignore'],
  ])('severity %s → %s', (severity, decision) => {
    expect(decide(finding({ severity })).decision).toBe(decision);
  });

  it('ignores non-EKS findings with the reason', () => {
    const verdict = decide(finding({ notEksReason: 'resource type Instance is not an EKS cluster' }));

    expect(verdict).toMatchObject({ decision: 'ignore', reason: 'not an EKS finding: resource type Instance is not an EKS cluster' });
  });

  it('responds to a manual invocation whatever the severity', () => {
    expect(decide(finding({ severity: 2 }), 'cordon-node')).toMatchObject({ decision: 'respond', playbook: 'cordon-node' });
  });

  it('downgrades a response with nothing to contain to a notification', () => {
    const targets: Targets = { pods: [], nodes: [], roles: [], notes: ['pod web/p not found'] };

    expect(reviewWithTargets(decide(finding({})), targets)).toMatchObject({ decision: 'notify', reason: 'nothing to contain: pod web/p not found' });
  });

  it('downgrades a response whose targets are all protected', () => {
    const targets: Targets = { pods: [{ ...pod, protectedReason: 'namespace kube-system is protected' }], nodes: [], roles: [], notes: [] };

    expect(reviewWithTargets(decide(finding({})), targets).decision).toBe('notify');
  });

  it('keeps the response when one target may be acted on', () => {
    const targets: Targets = { pods: [pod], nodes: [], roles: [], notes: [] };

    expect(reviewWithTargets(decide(finding({})), targets).decision).toBe('respond');
  });

  it('ignores a closed finding with the reason', () => {
    expect(decide(finding({ inactiveReason: 'workflow status is SUPPRESSED' }))).toMatchObject({ decision: 'ignore', reason: 'the finding is closed: workflow status is SUPPRESSED' });
  });

  it('quarantines whatever the severity when a person chose the Security Hub custom action', () => {
    expect(decide(finding({ severity: 2, customAction: { name: 'Quarantine workload' } }))).toEqual({
      decision: 'respond',
      reason: 'Security Hub custom action "Quarantine workload" chosen by a person',
      playbook: 'quarantine',
    });
  });

  it('answers an anonymous-access grant by removing the binding, by severity band', () => {
    const type = 'Policy:Kubernetes/AnonymousAccessGranted';

    expect(decide(finding({ type, severity: 8 }))).toMatchObject({ decision: 'respond', playbook: 'remove-anonymous-binding' });
    expect(decide(finding({ type, severity: 5 }))).toMatchObject({ decision: 'notify', playbook: 'remove-anonymous-binding' });
  });
});
