// Checks the EventBridge rules of a packaged template: which events reach which function, checked
// against the samples in events/ (and variants derived from them in test/helpers) with the
// normalizers' verdicts; the Security Hub custom action; retries, dead letters and permissions.
// template.test.ts packages the template.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_ADMIN_POLICY, PEER_ROLE, eksCall } from '../helpers/cloudtrail';
import { eventFiles, loadEvent } from '../helpers/events';
import { asffFinding, CUSTOM_ACTION, importedEvent } from '../helpers/securityhub';
import { normalizeEvent } from '../../shared/sources';
import { ACCOUNT, FUNCTIONS, REGION, ROOT, asList, covers, ofType, resolve, type FunctionName, type Json, type Template } from './cloudformation';

// ---- EventBridge pattern matching (the operators the rules use) ------------------------------

const isObject = (value: Json): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

function matchesLeaf(rule: Json, leaves: Json[]): boolean {
  if (!isObject(rule)) return leaves.includes(rule);
  const [operator] = Object.keys(rule);
  if (operator === 'exists') return leaves.length > 0 === rule.exists;
  if (operator === 'anything-but') return leaves.some((leaf) => !asList(rule['anything-but']).includes(leaf));
  if (operator === 'wildcard') return leaves.some((leaf) => typeof leaf === 'string' && covers(rule.wildcard, leaf));
  throw new Error(`unsupported pattern operator ${JSON.stringify(rule)}`);
}

/** As EventBridge matches: arrays in the event, of values or of objects, are flattened field by field. */
function matchesAt(pattern: Json, nodes: Json[]): boolean {
  return Object.entries(pattern).every(([key, expected]: [string, Json]) => {
    if (key === '$or') return expected.some((branch: Json) => matchesAt(branch, nodes));
    const children = nodes.flatMap((node) => (isObject(node) && key in node ? asList(node[key]) : []));
    if (!Array.isArray(expected)) return matchesAt(expected, children.filter(isObject));
    const leaves = children.filter((child) => !isObject(child));
    return expected.some((rule: Json) => matchesLeaf(rule, leaves));
  });
}

export const matchesPattern = (pattern: Json, event: Json): boolean => matchesAt(pattern, [event]);

function samples(folder: string): { file: string; event: Json }[] {
  const dir = join(ROOT, 'events', folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, event: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

// ---- tests -----------------------------------------------------------------------------------

export function describeRules(template: () => Template): void {
  let t: Template;
  beforeAll(() => {
    t = template();
  });
  /** The ActionTargetArn of an AWS::SecurityHub::ActionTarget: action/custom/<Id>. */
  const actionArn = (id: string) => `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/${t.Resources[id].Properties.Id}`;
  const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;
  const rulesOf = (name: FunctionName) =>
    ofType(t, 'AWS::Events::Rule')
      .filter(([, rule]) => rule.Properties.Targets.some((target: Json) => resolve(t, target.Arn) === `getatt:${FUNCTIONS[name]}.Arn`))
      .map(([id, rule]) => ({ id, ...resolve(t, rule.Properties) }));
  const ruleNamed = (suffix: string) => {
    const [rule] = ofType(t, 'AWS::Events::Rule').filter(([, r]) => r.Properties.Name === `eks-responder-dev-${suffix}`);
    expect(rule).toBeDefined();
    return { id: rule[0], ...resolve(t, rule[1].Properties) };
  };
  /** The pattern as EventBridge gets it, with the custom action's ARN filled in. */
  const patternOf = (suffix: string) =>
    JSON.parse(JSON.stringify(ruleNamed(suffix).EventPattern).replace(/"getatt:(\w+)\.ActionTargetArn"/g, (_, id: string) => JSON.stringify(actionArn(id))));

  it('routes GuardDuty findings, Security Hub findings and EKS CloudTrail calls to their functions, and nothing to manualPlaybook', () => {
    const names = (name: FunctionName) => rulesOf(name).map((rule) => rule.Name).sort();
    expect(names('guardduty')).toEqual(['eks-responder-dev-guardduty-eks']);
    expect(names('securityhub')).toEqual(['eks-responder-dev-securityhub-custom-action', 'eks-responder-dev-securityhub-imported']);
    expect(names('cloudtrail')).toEqual(['eks-responder-dev-cloudtrail-eks']);
    expect(names('manualPlaybook')).toEqual([]);
    expect(ofType(t, 'AWS::Events::Rule')).toHaveLength(4);
    for (const [, rule] of ofType(t, 'AWS::Events::Rule')) expect(rule.Properties).toMatchObject({ State: 'ENABLED', Targets: [expect.anything()] });
  });

  describe('GuardDuty rule', () => {
    it('takes GuardDuty Finding events about EKS clusters or EKS workloads', () => {
      expect(patternOf('guardduty-eks')).toEqual({
        source: ['aws.guardduty'],
        'detail-type': ['GuardDuty Finding'],
        $or: [{ detail: { resource: { resourceType: ['EKSCluster'] } } }, { detail: { resource: { eksClusterDetails: { name: [{ exists: true }] } } } }],
      });
    });

    it('matches exactly the sample findings the normalizer finds an EKS cluster in', () => {
      const pattern = patternOf('guardduty-eks');
      const verdicts = samples('guardduty').map(({ file, event }) => ({ file, matched: matchesPattern(pattern, event), eks: normalizeEvent(event)[0].cluster !== undefined }));
      expect(verdicts.length).toBeGreaterThan(5);
      expect(verdicts.filter((verdict) => verdict.matched !== verdict.eks)).toEqual([]);
      expect(verdicts.some((verdict) => verdict.matched)).toBe(true);
      expect(verdicts.some((verdict) => !verdict.matched)).toBe(true);
    });

    it('matches runtime findings that carry eksClusterDetails and nothing from other sources', () => {
      const pattern = patternOf('guardduty-eks');
      const eks = loadEvent('guardduty/eks-privileged-container.json');
      const runtime = { ...eks, detail: { ...eks.detail, resource: { ...eks.detail.resource, resourceType: 'Container' } } };
      const noCluster = { ...runtime, detail: { ...runtime.detail, resource: { resourceType: 'Container' } } };
      expect(matchesPattern(pattern, runtime)).toBe(true);
      expect(matchesPattern(pattern, noCluster)).toBe(false);
      expect(matchesPattern(pattern, { ...eks, source: 'aws.securityhub' })).toBe(false);
      expect(matchesPattern(pattern, { ...eks, 'detail-type': 'GuardDuty Runtime Protection Health' })).toBe(false);
    });
  });

  describe('Security Hub rules', () => {
    const cluster = { name: 'prod-a', account: ACCOUNT, region: REGION };

    it('takes imported findings that are active, not suppressed or resolved, about an EKS cluster', () => {
      expect(patternOf('securityhub-imported')).toEqual({
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            RecordState: ['ACTIVE'],
            Workflow: { Status: [{ 'anything-but': ['SUPPRESSED', 'RESOLVED'] }] },
            $or: [{ Resources: { Type: ['AwsEksCluster'] } }, { Resources: { Id: [{ wildcard: 'arn:*:eks:*:*:cluster/*' }] } }],
          },
        },
      });
    });

    it('matches exactly the imported samples the normalizer finds an active EKS finding in', () => {
      const pattern = patternOf('securityhub-imported');
      const imported = samples('securityhub').filter(({ event }) => event['detail-type'] === 'Security Hub Findings - Imported');
      const verdicts = imported.map(({ file, event }) => {
        const [finding] = normalizeEvent(event);
        return { file, matched: matchesPattern(pattern, event), wanted: finding.cluster !== undefined && finding.inactiveReason === undefined };
      });
      expect(verdicts.filter((verdict) => verdict.matched !== verdict.wanted)).toEqual([]);
      expect(verdicts.filter((verdict) => verdict.matched).map((verdict) => verdict.file)).toEqual(['imported-eks-1-cluster-endpoint-public.json']);
    });

    it("matches GuardDuty's EKS findings as Security Hub imports them, unless archived, suppressed or resolved", () => {
      const pattern = patternOf('securityhub-imported');
      const finding = () => asffFinding({ cluster, workload: { name: 'web', type: 'deployments', namespace: 'shop' } });
      expect(matchesPattern(pattern, importedEvent(finding()))).toBe(true);
      // Derived: only the resource type changes; the cluster ARN alone still says EKS.
      const untyped = finding();
      untyped.Resources[0].Type = 'Other';
      expect(matchesPattern(pattern, importedEvent(untyped))).toBe(true);
      expect(matchesPattern(pattern, importedEvent({ ...finding(), RecordState: 'ARCHIVED' }))).toBe(false);
      for (const Status of ['SUPPRESSED', 'RESOLVED']) expect(matchesPattern(pattern, importedEvent({ ...finding(), Workflow: { Status } }))).toBe(false);
      expect(matchesPattern(pattern, { ...importedEvent(finding()), 'detail-type': 'Security Hub Findings - Custom Action' })).toBe(false);
    });

    it('creates the Quarantine workload custom action when securityHubCustomAction is true (the default)', () => {
      const actions = ofType(t, 'AWS::SecurityHub::ActionTarget');
      expect(actions).toHaveLength(1);
      const [id, action] = actions[0];
      expect(action.Properties).toEqual({ Name: 'Quarantine workload', Id: 'EksQuarantine', Description: 'Run the eks-responder quarantine playbook on the selected EKS findings' });
      // Console limits: a name of 20 characters, an Id of 20 alphanumerics.
      expect(action.Properties.Name.length).toBeLessThanOrEqual(20);
      expect(action.Properties.Id).toMatch(/^[A-Za-z0-9]{1,20}$/);
      expect(ruleNamed('securityhub-custom-action').EventPattern.resources).toEqual([`getatt:${id}.ActionTargetArn`]);
    });

    it('takes the findings a person sends with that custom action, and no other action', () => {
      const pattern = patternOf('securityhub-custom-action');
      expect(pattern).toEqual({ source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Custom Action'], resources: [actionArn('QuarantineWorkloadAction')] });
      const sample = loadEvent(CUSTOM_ACTION);
      expect(matchesPattern(pattern, { ...sample, resources: [actionArn('QuarantineWorkloadAction')] })).toBe(true);
      // The sample was sent with another account's ForensicTriageAction.
      expect(matchesPattern(pattern, sample)).toBe(false);
      expect(matchesPattern(pattern, { ...importedEvent(asffFinding({ cluster })), resources: [actionArn('QuarantineWorkloadAction')] })).toBe(false);
    });
  });

  describe('CloudTrail rule', () => {
    /** One call of each kind the playbooks watch, as it weakens a cluster. */
    const WEAKENING: Record<string, Record<string, unknown>> = {
      UpdateClusterConfig: { name: 'prod-a', resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] } },
      CreateAccessEntry: { clusterName: 'prod-a', principalArn: PEER_ROLE, type: 'STANDARD' },
      AssociateAccessPolicy: { clusterName: 'prod-a', principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } },
      DeleteCluster: { name: 'prod-a' },
      DeleteNodegroup: { clusterName: 'prod-a', nodegroupName: 'general' },
    };

    it('takes the EKS control-plane calls the playbooks watch', () => {
      expect(patternOf('cloudtrail-eks')).toEqual({
        source: ['aws.eks'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['eks.amazonaws.com'], eventName: Object.keys(WEAKENING) },
      });
    });

    it('matches each call the normalizer finds weakening, failed ones too (the function reports they changed nothing), and no sample of another call', () => {
      const pattern = patternOf('cloudtrail-eks');
      for (const [name, request] of Object.entries(WEAKENING)) {
        const call = eksCall(name, request);
        expect({ name, matched: matchesPattern(pattern, call), risks: normalizeEvent(call)[0].controlPlane!.risks.length }).toEqual({ name, matched: true, risks: 1 });
        expect(matchesPattern(pattern, eksCall(name, request, { errorCode: 'AccessDeniedException' }))).toBe(true);
      }
      const others = eventFiles('cloudtrail').map((file) => ({ file, matched: matchesPattern(pattern, loadEvent(file)) }));
      expect(others.length).toBeGreaterThan(3);
      expect(others.filter((other) => other.matched)).toEqual([]);
    });
  });

  it('retries delivery of every rule, dead-letters what EventBridge cannot deliver, and lets only these rules invoke their functions', () => {
    const rules = ofType(t, 'AWS::Events::Rule').map(([id, rule]) => ({ id, ...resolve(t, rule.Properties) }));
    const arns = new Map(rules.map((rule) => [rule.id, ruleArn(rule.Name)]));
    for (const rule of rules) {
      const [target] = rule.Targets;
      expect({ rule: rule.Name, retry: target.RetryPolicy, deadLetters: target.DeadLetterConfig }).toEqual({
        rule: rule.Name,
        retry: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
        deadLetters: { Arn: 'getatt:RuleDeadLetterQueue.Arn' },
      });
    }
    const asArn = (value: string) => arns.get(/^getatt:(\w+)\.Arn$/.exec(value)?.[1] ?? '') ?? value;
    const statements = ofType(t, 'AWS::SQS::QueuePolicy')
      .filter(([, policy]) => policy.Properties.Queues.some((queue: Json) => queue.Ref === 'RuleDeadLetterQueue'))
      .flatMap(([, policy]) => resolve(t, policy.Properties.PolicyDocument.Statement));
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: 'getatt:RuleDeadLetterQueue.Arn' })]);
    expect(asList(statements[0].Condition.ArnEquals['aws:SourceArn']).map(asArn).sort()).toEqual([...arns.values()].sort());
    const permissions = ofType(t, 'AWS::Lambda::Permission').map(([, permission]) => resolve(t, permission.Properties));
    expect(permissions.map((permission) => ({ ...permission, SourceArn: asArn(permission.SourceArn) }))).toEqual(
      expect.arrayContaining(rules.map((rule) => ({ Action: 'lambda:InvokeFunction', FunctionName: rule.Targets[0].Arn, Principal: 'events.amazonaws.com', SourceArn: arns.get(rule.id) }))),
    );
    expect(permissions).toHaveLength(rules.length);
  });
}
