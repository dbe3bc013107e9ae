import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../shared/errors';
import { loadPolicyFile, parsePolicy } from '../../../shared/policy/load';

/** A valid policy around one rule body, so each case changes one thing. */
const withRule = (rule: string) => `version: 1\nrules:\n  - name: a\n${rule}\ndefault:\n  decision: ignore\n`;

describe('policy loading', () => {
  it('accepts a minimal policy and fills in the documented defaults', () => {
    const policy = parsePolicy('version: 1\ndefault:\n  decision: ignore\n', 'p.yaml');

    expect(policy).toEqual({
      version: 1,
      protected: { namespaces: [], workloadLabels: {}, nodeLabels: {} },
      limits: { window: 3_600_000, podsIsolated: 20, nodesCordoned: 3, nodesCordonedFraction: 0.5, minSchedulableNodes: 1, roleRevocations: 3 },
      rules: [],
      default: { decision: 'ignore', playbook: 'quarantine', skipActions: [] },
    });
  });

  it('accepts one value or a list wherever a list is allowed', () => {
    const policy = parsePolicy(withRule('    decision: respond\n    match:\n      source: guardduty\n      findingType: ["Execution:Runtime/*", "*:Kubernetes/*"]\n      workloadLabels: {tier: [payments, ledger], canary: "*"}'), 'p.yaml');

    expect(policy.rules[0].match).toEqual({ source: ['guardduty'], findingType: ['Execution:Runtime/*', '*:Kubernetes/*'], workloadLabels: { tier: ['payments', 'ledger'], canary: ['*'] } });
  });

  it.each([
    ['a misspelt key', withRule('    decision: respond\n    match:\n      severty: {min: 7}'), 'p.yaml:6: rules[0].match.severty: unknown key (expected one of the documented keys; see shared/policy/default-policy.yaml)'],
    ['a wrong type', withRule('    decision: respond\n    match:\n      severity: {min: high}'), 'p.yaml:6: rules[0].match.severity.min: expected number, received string'],
    ['a missing decision', withRule('    match: {}'), 'p.yaml:3: rules[0].decision: missing (expected one of "respond"|"notify"|"ignore")'],
    ['a missing default rule', 'version: 1\nrules: []\n', 'p.yaml:1: default: missing (expected object)'],
    ['an unknown mode', 'version: 1\ndefault:\n  decision: ignore\n  mode: yolo\n', 'p.yaml:4: default.mode: expected one of "plan"|"notify"|"enforce"'],
    ['an unknown playbook', withRule('    decision: respond\n    playbook: nuke'), 'p.yaml:5: rules[0].playbook: unknown playbook "nuke" (expected one of quarantine, isolate-pod, cordon-node, revoke-role-sessions, remove-anonymous-binding, restrict-public-endpoint, restore-control-plane-logging, revoke-access-entry, collect-evidence, block-image, snapshot-volumes, notify)'],
    ['an opt-out of a non-containment action', withRule('    decision: respond\n    skipActions: [notify]'), 'p.yaml:5: rules[0].skipActions[0]: unknown action "notify" (expected one of collect-evidence, isolate-pod, cordon-node, revoke-role-sessions, cilium-deny, calico-deny, mesh-deny, protect-instance, protect-from-disruption, remove-anonymous-binding, restrict-public-endpoint, restore-control-plane-logging, revoke-access-entry, block-image, snapshot-volumes)'],
    ['two rules with one name', 'version: 1\nrules:\n  - name: a\n    decision: respond\n  - name: a\n    decision: notify\ndefault:\n  decision: ignore\n', 'p.yaml:5: rules[1].name: duplicate rule name "a"'],
    ['a repeated key', 'version: 1\ndefault:\n  decision: ignore\n  decision: respond\n', 'p.yaml:4: decision: Map keys must be unique'],
    ['broken YAML', 'version: 1\nrules: [\n', 'p.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['tab indentation', 'version: 1\nrules:\n\t- name: a\n', 'p.yaml:3: Tabs are not allowed as indentation'],
    ['an empty file', '# nothing here\n', 'p.yaml: the policy is empty'],
    ['another version', 'version: 2\ndefault:\n  decision: ignore\n', 'p.yaml:1: version: expected 1'],
    ['an empty severity range', withRule('    decision: respond\n    match:\n      severity: {min: 8, below: 7}'), 'p.yaml:6: rules[0].match.severity: min is above the upper bound'],
    ['max and below together', withRule('    decision: respond\n    match:\n      severity: {max: 8, below: 7}'), 'p.yaml:6: rules[0].match.severity: give max or below, not both'],
    ['a severity outside 0-10', withRule('    decision: respond\n    match:\n      severity: {min: 70}'), 'p.yaml:6: rules[0].match.severity.min: Too big: expected number to be <=10'],
    ['an account that is not an id', withRule('    decision: respond\n    match:\n      account: 1234'), 'p.yaml:6: rules[0].match.account: expected string, received number (or a list of them)'],
    ['a rule name with spaces', 'version: 1\nrules:\n  - name: Big Rule\n    decision: respond\ndefault:\n  decision: ignore\n', 'p.yaml:3: rules[0].name: a kebab-case name (lower-case letters, digits, -)'],
    ['a namespace list written as one string', 'version: 1\nprotected:\n  namespaces: kube-system\ndefault:\n  decision: ignore\n', 'p.yaml:3: protected.namespaces: expected array, received string'],
    ['a window that is not a duration', 'version: 1\nlimits:\n  window: 1w\ndefault:\n  decision: ignore\n', 'p.yaml:3: limits.window: a duration such as 30m, 1h or 1d'],
    ['a fraction above one', 'version: 1\nlimits:\n  nodesCordonedFraction: 1.5\ndefault:\n  decision: ignore\n', 'p.yaml:3: limits.nodesCordonedFraction: Too big: expected number to be <=1'],
    ['a document that is not a map', 'hello\n', 'p.yaml:1: (top level): expected object, received string'],
  ])('rejects %s naming the line and the key', (_case, text, message) => {
    let error: unknown;
    try {
      parsePolicy(text, 'p.yaml');
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(message);
  });

  it('names the file it could not read', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.yaml')).toThrow('cannot read policy /nonexistent/policy.yaml: ENOENT');
  });

  it('reads a file and names it in errors', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
    writeFileSync(path, 'version: 1\ndefault:\n  decision: maybe\n');

    expect(() => loadPolicyFile(path)).toThrow(`${path}:3: default.decision: expected one of "respond"|"notify"|"ignore"`);
  });
});
