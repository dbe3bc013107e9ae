import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUARANTINE_LABEL } from '../../../shared/markers';
import { NODES } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR, eventFiles, loadEvent } from '../../helpers/events';
import { argocdFinding } from '../../helpers/findings';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);
const shippedPolicy = join(__dirname, '..', '..', '..', 'shared', 'policy', 'default-policy.yaml');

function policyFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
  writeFileSync(path, text);
  return path;
}

describe('eks-responder policy', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const run = (args: string[], stdin?: string) => runCommand(args, sandbox.env, stdin);

  describe('check', () => {
    it('accepts the shipped policy', async () => {
      const result = await run(['policy', 'check', shippedPolicy]);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('valid. Rules: remove-anonymous-access → respond, plan-anonymous-access → notify, contain-high-and-critical → respond, plan-medium → notify; default → ignore.');
    });

    it('rejects a bad policy with exit 2 and one line naming the file, line and key', async () => {
      const path = policyFile('version: 1\nrules:\n  - name: a\n    decision: respond\n    match:\n      namespaces: [web]\ndefault:\n  decision: ignore\n');

      const result = await run(['policy', 'check', path]);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`eks-responder: ${path}:6: rules[0].match.namespaces: unknown key (expected one of the documented keys; see shared/policy/default-policy.yaml)\n`);
    });
  });

  describe('explain', () => {
    it('shows each rule, why it did or did not match, and the result', async () => {
      const result = await run(['policy', 'explain', '--event', argocdFile]);

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/contain-high-and-critical\s+not matched\s+severity 5 \(Medium\) is below 7/);
      expect(result.stdout).toMatch(/plan-medium\s+matched\s+severity 5 \(Medium\) is at least 4 and below 7/);
      expect(result.stdout).toContain('Result  notify with playbook quarantine, enforce mode, by rule plan-medium');
      expect(sandbox.aws.calls).toEqual([]);
      expect(sandbox.kube.requests).toEqual([]);
    });

    it('uses the given policy, shows a rule mode cap, and marks rules that need the cluster', async () => {
      const path = policyFile(`version: 1
rules:
  - name: canaries
    match: {workloadLabels: {track: canary}}
    decision: ignore
  - name: argocd
    match: {namespace: argocd, findingType: "PrivilegeEscalation:*/*"}
    decision: respond
    mode: notify
default:
  decision: ignore
`);

      const result = await run(['policy', 'explain', '--event', argocdFile, '--policy', path, '--json']);

      const [outcome] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(outcome).toMatchObject({ decision: 'respond', playbook: 'quarantine', mode: 'notify', rule: 'argocd', namespace: 'argocd', policy: path });
      expect(outcome.note).toBe("unless rule canaries matches (needs the workload's labels)");
    });
  });

  describe('simulate', () => {
    it('reads every detector\'s recent findings in batches and prints what the policy would do', async () => {
      // The samples' own timestamps are years old; the test dates them within the window, and one outside it.
      // The LOWFIDELITY samples are hand-edited (events/PROVENANCE.md): one repeats another's id, the
      // other carries values the GuardDuty API never returns (the SDK refuses them), so they are left out.
      const recent = new Date(Date.now() - 3_600_000).toISOString();
      const samples = eventFiles('guardduty').filter((file) => !file.includes('LOWFIDELITY'));
      samples.forEach((file, index) => {
        const detail = { ...loadEvent(file).detail, updatedAt: recent };
        sandbox.aws.addGuardDutyFinding(detail, index % 2 ? 'd-even' : 'd-odd');
      });
      const old = { ...loadEvent('guardduty/eks-impact-tor-ip-caller.json').detail, id: 'an-old-finding', updatedAt: new Date(Date.now() - 30 * 86_400_000).toISOString() };
      sandbox.aws.addGuardDutyFinding(old, 'd-odd');

      const result = await run(['policy', 'simulate', '--since', '7d', '--json']);

      expect(result.code).toBe(0);
      const outcomes = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(outcomes).toHaveLength(samples.length);
      expect(outcomes.map((outcome) => outcome.findingId)).not.toContain('an-old-finding');
      const byType = Object.fromEntries(outcomes.map((outcome) => [outcome.findingType, [outcome.decision, outcome.rule]]));
      expect(byType['Impact:Kubernetes/TorIPCaller']).toEqual(['respond', 'contain-high-and-critical']);
      expect(byType['Policy:Kubernetes/ExposedDashboard']).toEqual(['notify', 'plan-medium']);
      expect(byType['UnauthorizedAccess:EC2/TorRelay']).toEqual(['ignore', '-']);
      expect(sandbox.aws.callsTo('guardduty', 'ListDetectors')).toHaveLength(1);
      expect(sandbox.aws.callsTo('guardduty', 'ListFindings').map((call) => call.params.DetectorId).sort()).toEqual(['d-even', 'd-odd']);
      expect(sandbox.aws.mutations()).toEqual([]);
    });

    it('prints a readable table with totals', async () => {
      sandbox.aws.addGuardDutyFinding({ ...loadEvent('guardduty/eks-impact-tor-ip-caller.json').detail, updatedAt: new Date().toISOString() });

      const result = await run(['policy', 'simulate', '--since', '24h']);

      expect(result.stdout).toContain('1 GuardDuty findings in us-east-1 updated since');
      expect(result.stdout).toMatch(/8\.0\s+Impact:Kubernetes\/TorIPCaller\s+\S+\s+→ respond quarantine \(rule contain-high-and-critical, enforce mode\)/);
      expect(result.stdout).toContain('Total: 1 respond, 0 notify, 0 ignore.');
    });

    it('rejects a bad duration with exit 2', async () => {
      const result = await run(['policy', 'simulate', '--since', 'a week']);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe('eks-responder: --since "a week": expected a duration such as 30m, 24h or 7d\n');
    });
  });

  describe('respond --policy', () => {
    it('decides on workload labels read from the cluster, and honours a rule\'s opt-outs', async () => {
      const path = policyFile(`version: 1
rules:
  - name: team-danger
    match: {workloadLabels: {team: danger}}
    decision: respond
    skipActions: [revoke-role-sessions]
default:
  decision: ignore
`);

      const result = await run(['respond', '--event', argocdFile, '--policy', path, '--mode', 'enforce', '--json']);

      const [report] = result.reports;
      expect(report).toMatchObject({ decision: 'respond', policyRule: 'team-danger', mode: 'enforce' });
      expect(report.actions.find((action) => action.action === 'revoke-role-sessions')).toMatchObject({ status: 'skipped', detail: 'opted out by policy rule team-danger' });
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
      expect(sandbox.aws.callsTo('iam', 'PutRolePolicy')).toEqual([]);
    });

    it('never acts beyond a rule\'s mode, whatever --mode says', async () => {
      const path = policyFile('version: 1\nrules:\n  - name: all\n    decision: respond\n    mode: notify\ndefault:\n  decision: ignore\n');

      const result = await run(['respond', '--event', argocdFile, '--policy', path, '--mode', 'enforce', '--json']);

      expect(result.reports[0]).toMatchObject({ mode: 'notify', decision: 'respond' });
      expect(sandbox.kube.mutations()).toEqual([]);
      expect(sandbox.aws.notifications()).toHaveLength(2);
    });

    it('spares protected workloads and node groups', async () => {
      const path = policyFile(`version: 1
protected:
  workloadLabels: {app: [privileged-pod]}
  nodeLabels: {eks.amazonaws.com/nodegroup: general}
default:
  decision: respond
`);
      const event = argocdFinding({ severity: 8, workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } });

      const protectedPod = await run(['respond', '--event', argocdFile, '--policy', path, '--mode', 'enforce', '--json']);
      const protectedNodes = await run(['respond', '--event', '-', '--policy', path, '--mode', 'enforce', '--json'], event);

      expect(protectedPod.reports[0]).toMatchObject({ decision: 'notify', reason: 'every target is protected (workload label app=privileged-pod is protected); notify only' });
      const actions = protectedNodes.reports[0].actions;
      expect(actions.filter((action) => action.action === 'cordon-node').map((action) => action.detail)).toEqual([
        'protected: node label eks.amazonaws.com/nodegroup=general is protected',
        'protected: node label eks.amazonaws.com/nodegroup=general is protected',
      ]);
      expect(actions.filter((action) => action.action === 'isolate-pod').map((action) => action.status)).toEqual(['done', 'done', 'done']);
      expect(sandbox.kube.getObject('nodes', undefined, NODES.a.name)?.spec.unschedulable).toBeUndefined();
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toHaveProperty('app', 'privileged-pod');
    });

    it('protects the default namespaces of the shipped policy', async () => {
      sandbox.kube.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'karpenter' } });
      sandbox.kube.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'karpenter', name: 'karpenter-0', labels: { app: 'karpenter' } }, spec: { nodeName: NODES.system.name, serviceAccountName: 'default', containers: [{ name: 'c' }] } });

      const result = await run(['playbook', 'isolate-pod', '--cluster', 'guardduty-blueprint', '--namespace', 'karpenter', '--pod', 'karpenter-0', '--mode', 'enforce', '--json']);

      expect(result.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'protected: namespace karpenter is protected' });
      expect(sandbox.kube.mutations()).toEqual([]);
    });

    it('holds containment back past a limit within one run, even without a table', async () => {
      const path = policyFile('version: 1\nlimits: {podsIsolated: 2}\ndefault:\n  decision: respond\n  playbook: isolate-pod\n');
      const event = argocdFinding({ severity: 8, workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } });

      const result = await run(['respond', '--event', '-', '--policy', path, '--mode', 'enforce', '--json'], event);

      const isolations = result.reports[0].actions.filter((action) => action.action === 'isolate-pod');
      expect(isolations.map((action) => action.status).sort()).toEqual(['done', 'done', 'skipped']);
      expect(isolations.find((action) => action.status === 'skipped')?.detail).toBe('circuit-open: 2 pods isolated in cluster guardduty-blueprint by this invocation (limit 2 per 1h)');
      expect(result.reports[0].urgent).toMatch(/^circuit breaker open: 1 containment action held back \(isolate-pod pod web\/frontend-/);
      expect(String(sandbox.aws.callsTo('sns', 'Publish')[0].params.Message)).toMatch(/^URGENT: circuit breaker open/);
      expect(String(sandbox.aws.callsTo('sns', 'Publish')[0].params.Subject)).toMatch(/^\[URGENT\] \[respond\]/);
      expect(JSON.stringify(sandbox.aws.slackMessages()[0])).toContain(':rotating_light: *circuit breaker open');
    });

    it('refuses to run with a bad policy, before any call', async () => {
      const path = policyFile('version: 1\ndefault:\n  decision: respond\n  skipActions: [delete-cluster]\n');

      const result = await run(['respond', '--event', argocdFile, '--policy', path, '--mode', 'enforce']);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`eks-responder: ${path}:4: default.skipActions[0]: unknown action "delete-cluster" (expected one of collect-evidence, isolate-pod, cordon-node, revoke-role-sessions, cilium-deny, calico-deny, mesh-deny, protect-instance, protect-from-disruption, remove-anonymous-binding, restrict-public-endpoint, restore-control-plane-logging, revoke-access-entry, block-image, snapshot-volumes)\n`);
      expect(sandbox.kube.requests).toEqual([]);
      expect(sandbox.aws.calls).toEqual([]);
    });
  });
});
