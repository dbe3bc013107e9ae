import { readFileSync } from 'node:fs';
import type { Finding, Targets } from '../../../shared/model';
import { DEFAULT_POLICY_YAML } from '../../../shared/policy/default-policy-text';
import { builtInPolicy, decide, reviewWithTargets } from '../../../shared/policy/default-policy';
import { loadPolicyFile } from '../../../shared/policy/load';
import { embeddedModule, MODULE_PATH, YAML_PATH } from '../../support/embed-default-policy';

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
  it('ships a file that loads, validates, and is the one embedded in the bundles', () => {
    const shipped = loadPolicyFile(YAML_PATH);

    expect(shipped).toEqual(builtInPolicy());
    expect(DEFAULT_POLICY_YAML).toBe(readFileSync(YAML_PATH, 'utf8'));
    // When this fails, run `npx tsx test/support/embed-default-policy.ts`.
    expect(readFileSync(MODULE_PATH, 'utf8')).toBe(embeddedModule(readFileSync(YAML_PATH, 'utf8')));
    expect(shipped.protected.namespaces).toEqual(['kube-system', 'amazon-guardduty', 'amazon-cloudwatch', 'karpenter']);
  });

  it.each([
    [10, 'respond', 'contain-high-and-critical'],
    [9.5, 'respond', 'contain-high-and-critical'],
    [7, 'respond', 'contain-high-and-critical'],
    [6.9, 'notify', 'plan-medium'],
    [6.95, 'notify', 'plan-medium'],
    [4, 'notify', 'plan-medium'],
    [3.9, 'ignore', 'default'],
    [1, 'ignore', 'default'],
    [0, 'ignore', 'default'],
  ])('severity %s → %s (rule %s), as the built-in thresholds always did', async (severity, decision, rule) => {
    expect(await decide(finding({ severity }))).toMatchObject({ decision, rule, playbook: decision === 'ignore' ? 'notify' : 'quarantine' });
  });

  it('explains the decision with the rule and the severity band', async () => {
    expect((await decide(finding({ severity: 8 }))).reason).toBe('severity 8 (High) is at least 7 (rule contain-high-and-critical)');
    expect((await decide(finding({ severity: 5 }))).reason).toBe('severity 5 (Medium) is at least 4 and below 7 (rule plan-medium): containment is planned for a person to run');
    expect((await decide(finding({ severity: 2 }))).reason).toBe('no rule matched (default): logged only');
  });

  it('ignores non-EKS findings with the reason, before any rule', async () => {
    const verdict = await decide(finding({ notEksReason: 'resource type Instance is not an EKS cluster' }));

    expect(verdict).toMatchObject({ decision: 'ignore', reason: 'not an EKS finding: resource type Instance is not an EKS cluster' });
  });

  it('responds to a manual invocation whatever the severity', async () => {
    expect(await decide(finding({ severity: 2 }), { manualPlaybook: 'cordon-node' })).toMatchObject({ decision: 'respond', playbook: 'cordon-node' });
  });

  it('downgrades a response with nothing to contain to a notification', async () => {
    const targets: Targets = { pods: [], nodes: [], roles: [], notes: ['pod web/p not found'] };

    expect(reviewWithTargets(await decide(finding({})), targets)).toMatchObject({ decision: 'notify', reason: 'nothing to contain: pod web/p not found' });
  });

  it('downgrades a response whose targets are all protected', async () => {
    const targets: Targets = { pods: [{ ...pod, protectedReason: 'namespace kube-system is protected' }], nodes: [], roles: [], notes: [] };

    expect(reviewWithTargets(await decide(finding({})), targets).decision).toBe('notify');
  });

  it('keeps the response when one target may be acted on', async () => {
    const targets: Targets = { pods: [pod], nodes: [], roles: [], notes: [] };

    expect(reviewWithTargets(await decide(finding({})), targets).decision).toBe('respond');
  });

  it('ignores a closed finding with the reason', async () => {
    expect(await decide(finding({ inactiveReason: 'workflow status is SUPPRESSED' }))).toMatchObject({ decision: 'ignore', reason: 'the finding is closed: workflow status is SUPPRESSED' });
  });

  it('quarantines whatever the severity when a person chose the Security Hub custom action', async () => {
    expect(await decide(finding({ severity: 2, customAction: { name: 'Quarantine workload' } }))).toEqual({
      decision: 'respond',
      reason: 'Security Hub custom action "Quarantine workload" chosen by a person',
      playbook: 'quarantine',
      skipActions: [],
      trace: [],
    });
  });

  it('answers an anonymous-access grant by removing the binding, by severity band', async () => {
    const type = 'Policy:Kubernetes/AnonymousAccessGranted';

    expect(await decide(finding({ type, severity: 8 }))).toMatchObject({ decision: 'respond', playbook: 'remove-anonymous-binding', rule: 'remove-anonymous-access' });
    expect(await decide(finding({ type, severity: 5 }))).toMatchObject({ decision: 'notify', playbook: 'remove-anonymous-binding', rule: 'plan-anonymous-access' });
    expect(await decide(finding({ type, severity: 2 }))).toMatchObject({ decision: 'ignore', rule: 'default' });
  });
});
