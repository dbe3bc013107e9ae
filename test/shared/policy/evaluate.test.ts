import type { Finding } from '../../../shared/model';
import { decide } from '../../../shared/policy/default-policy';
import { capMode, evaluatePolicy, factsOf, type PolicyFacts } from '../../../shared/policy/evaluate';
import { parsePolicy } from '../../../shared/policy/load';

const policy = parsePolicy(
  `
version: 1
rules:
  - name: runtime-in-prod
    match:
      findingType: "Execution:Runtime/*"
      cluster: {name: "prod-*"}
    decision: respond
  - name: payments
    match:
      namespace: "payments-*"
      severity: {min: 5}
    decision: respond
    playbook: isolate-pod
    skipActions: [cordon-node]
  - name: sandbox-accounts
    match:
      account: ["999988887777"]
    decision: ignore
  - name: tagged-critical
    match:
      source: [guardduty]
      cluster: {tags: {tier: critical}}
    decision: respond
    mode: notify
  - name: canaries
    match:
      workloadLabels: {track: canary}
    decision: notify
  - name: kubernetes-high
    match:
      findingType: "*:Kubernetes/*"
      severity: {min: 7, max: 8.9}
    decision: respond
default:
  decision: ignore
`,
  'test-policy.yaml',
);

const facts = (overrides: Partial<PolicyFacts>): PolicyFacts => ({
  source: 'guardduty',
  findingType: 'Discovery:Kubernetes/MaliciousIPCaller',
  severity: 5,
  account: '111122223333',
  cluster: 'dev-1',
  namespace: 'web',
  clusterTags: {},
  workloadLabels: [{ app: 'web' }],
  ...overrides,
});

describe('policy evaluation', () => {
  it.each<[string, Partial<PolicyFacts>, string]>([
    ['a type glob and a cluster name glob', { findingType: 'Execution:Runtime/ReverseShell', cluster: 'prod-eu' }, 'runtime-in-prod'],
    ['a type glob that stays within its part', { findingType: 'Execution:Runtime/ReverseShell', cluster: 'dev-1' }, 'default'],
    ['a namespace glob and a severity floor', { namespace: 'payments-api', severity: 5 }, 'payments'],
    ['a namespace glob below the floor', { namespace: 'payments-api', severity: 4.9 }, 'default'],
    ['an account list', { account: '999988887777', findingType: 'Execution:Runtime/ReverseShell', cluster: 'prod-eu' }, 'runtime-in-prod'],
    ['an account list, when no earlier rule matches', { account: '999988887777', severity: 8 }, 'sandbox-accounts'],
    ['cluster tags', { clusterTags: { tier: 'critical' } }, 'tagged-critical'],
    ['cluster tags on another source', { clusterTags: { tier: 'critical' }, source: 'cloudtrail' }, 'default'],
    ['workload labels of any affected pod', { workloadLabels: [{ app: 'web' }, { app: 'web', track: 'canary' }] }, 'canaries'],
    ['a severity range with an inclusive max', { severity: 8.9 }, 'kubernetes-high'],
    ['a severity above the max', { severity: 9 }, 'default'],
  ])('matches %s', (_case, overrides, rule) => {
    const evaluation = evaluatePolicy(policy, facts(overrides));

    expect(evaluation).toMatchObject({ kind: 'matched', rule });
  });

  it('takes the first matching rule and records why each earlier rule did not match', () => {
    const evaluation = evaluatePolicy(policy, facts({ severity: 8, namespace: 'web', findingType: 'PrivilegeEscalation:Kubernetes/PrivilegedContainer' }));

    expect(evaluation.kind === 'matched' && evaluation.reason).toBe(
      'type PrivilegeEscalation:Kubernetes/PrivilegedContainer matches "*:Kubernetes/*", severity 8 (High) is at least 7 and at most 8.9 (rule kubernetes-high)',
    );
    expect(evaluation.trace).toEqual([
      { rule: 'runtime-in-prod', outcome: 'not matched', why: 'type PrivilegeEscalation:Kubernetes/PrivilegedContainer matches none of "Execution:Runtime/*"' },
      { rule: 'payments', outcome: 'not matched', why: 'namespace web matches none of "payments-*"' },
      { rule: 'sandbox-accounts', outcome: 'not matched', why: 'account 111122223333 is not 999988887777' },
      { rule: 'tagged-critical', outcome: 'not matched', why: 'cluster dev-1 is not tagged tier=critical' },
      { rule: 'canaries', outcome: 'not matched', why: 'no affected pod is labelled track=canary' },
      { rule: 'kubernetes-high', outcome: 'matched', why: expect.any(String) },
    ]);
  });

  it('stops at a rule that needs an unknown fact, and never for a rule that already failed', () => {
    expect(evaluatePolicy(policy, facts({ clusterTags: undefined }))).toMatchObject({ kind: 'needs', needs: 'clusterTags', rule: 'tagged-critical' });
    expect(evaluatePolicy(policy, facts({ clusterTags: undefined, source: 'cloudtrail', workloadLabels: undefined }))).toMatchObject({ kind: 'needs', needs: 'workloadLabels', rule: 'canaries' });
    expect(evaluatePolicy(policy, facts({ clusterTags: undefined, namespace: 'payments-x' }))).toMatchObject({ kind: 'matched', rule: 'payments' });
  });

  it('carries the rule playbook, mode and opt-outs', () => {
    expect(evaluatePolicy(policy, facts({ namespace: 'payments-x' }))).toMatchObject({ outcome: { decision: 'respond', playbook: 'isolate-pod', skipActions: ['cordon-node'] } });
  });

  it('fetches a costly fact only when a rule needs it', async () => {
    const calls: string[] = [];
    const source = {
      clusterTags: async () => (calls.push('tags'), { tier: 'critical' }),
      workloadLabels: async () => (calls.push('labels'), []),
    };
    const finding: Finding = { source: 'guardduty', findingId: 'f', incidentKey: 'guardduty:f', type: 'Execution:Runtime/ReverseShell', title: 't', severity: 8, account: '111122223333', region: 'us-east-1', sample: false, cluster: { name: 'prod-1' }, workload: { kind: 'pods', name: 'p', namespace: 'web' }, images: [] };

    expect(await decide(finding, { policy, facts: source })).toMatchObject({ rule: 'runtime-in-prod' });
    expect(calls).toEqual([]);

    expect(await decide({ ...finding, cluster: { name: 'dev' } }, { policy, facts: source })).toMatchObject({ rule: 'tagged-critical', mode: 'notify' });
    expect(calls).toEqual(['tags']);
  });

  it('reads the namespace from the workload or from a service account user', () => {
    const base: Finding = { source: 'guardduty', findingId: 'f', incidentKey: 'k', type: 't', title: 't', severity: 1, account: 'a', region: 'r', sample: false, images: [] };

    expect(factsOf({ ...base, workload: { kind: 'pods', name: 'p', namespace: 'web' } }).namespace).toBe('web');
    expect(factsOf({ ...base, kubernetesUser: { username: 'system:serviceaccount:payments:api', groups: [] } }).namespace).toBe('payments');
    expect(factsOf({ ...base, kubernetesUser: { username: 'system:node:ip-10-0-0-1', groups: [] } }).namespace).toBeUndefined();
  });

  it.each([
    ['enforce', undefined, 'enforce'],
    ['enforce', 'notify', 'notify'],
    ['enforce', 'plan', 'plan'],
    ['notify', 'enforce', 'notify'],
    ['plan', 'enforce', 'plan'],
  ] as const)('caps deployment mode %s with rule mode %s to %s', (deployment, rule, effective) => {
    expect(capMode(deployment, rule)).toBe(effective);
  });
});
