// Packages the service with osls (no AWS credentials) three times, side by side: with the default
// parameters, checked here (least-privilege roles per function, self-protection, failure queues,
// environment, a deployable dependency graph) and by template-rules.ts and template-alarms.ts, and
// with every option set, checked by template-options.ts and member-role.ts, and with the evidence
// bucket created by the stack, checked by template-evidence.ts.
import { loadConfig } from '../../shared/config';
import { BEFORE_SHUTDOWN_BEHAVIOR_TAG, BEFORE_TERMINATION_PROTECTION_TAG, INCIDENT_TAG } from '../../shared/markers';
import {
  ACCOUNT,
  FUNCTION_NAMES,
  FUNCTIONS,
  REGION,
  VPC_UNSCOPABLE_ACTIONS,
  asList,
  condition,
  covers,
  danglingReferences,
  dependencyCycle,
  grantsOf,
  loadTemplate,
  ofType,
  resolve,
  roleArnIn,
  roleOf as roleOfIn,
  statementsOf,
  wildcardViolations,
  type FunctionName,
  type Json,
  type Template,
} from './cloudformation';
import { expectedActions, expectedGrants } from './expected-grants';
import { describeMemberRole } from './member-role';
import { describeAlarms } from './template-alarms';
import { describeCreatedEvidenceBucket, EVIDENCE_PARAMS } from './template-evidence';
import { describeTemplateWithOptions, OPTION_PARAMS } from './template-options';
import { describeRules } from './template-rules';
import { describeTables } from './template-tables';

/** The key a created evidence bucket would get: named by the EncryptEvidence statement, which these parameters do not deploy. */
const KEY_OF_CREATED_BUCKET = 'getatt:EvidenceKey.Arn';

// ---- tests -----------------------------------------------------------------------------------

let defaults: Template;
let withOptions: Template;
let withEvidenceBucket: Template;

beforeAll(async () => {
  [defaults, withOptions, withEvidenceBucket] = await Promise.all([loadTemplate(), loadTemplate(OPTION_PARAMS), loadTemplate(EVIDENCE_PARAMS)]);
}, 120_000);

describe('packaged CloudFormation template with createEvidenceBucket', () => {
  describeCreatedEvidenceBucket(() => withEvidenceBucket);
});

describe('packaged CloudFormation template with every option set', () => {
  describeTemplateWithOptions(() => withOptions);
});

describe('alarms of the packaged CloudFormation template', () => {
  describeAlarms(() => defaults);
});

describe('deploy/member-role.yml', () => {
  describeMemberRole(() => withOptions);
});

describe('DynamoDB tables of the packaged CloudFormation template', () => {
  describeTables(() => defaults);
});

describe('EventBridge rules of the packaged CloudFormation template', () => {
  describeRules(() => defaults);
});

describe('packaged CloudFormation template', () => {
  let t: Template;
  const fn = (name: FunctionName) => t.Resources[FUNCTIONS[name]];
  const roleOf = (name: FunctionName): string => roleOfIn(t, name);
  const withRoleArns = (value: string) => value.replace(/getatt:(\w+)\.Arn/g, (_, id: string) => roleArnIn(t, id));
  const slackSecret = () => resolve(t, t.Resources.SlackSecretPolicy.Properties.PolicyDocument.Statement[0].Resource);

  beforeAll(() => {
    t = defaults;
  });

  it('declares exactly the four functions, each on nodejs22.x arm64 with a full vCPU (1,769 MB) and its limits', () => {
    const functions = ofType(t, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(Object.values(FUNCTIONS).sort());
    for (const [, resource] of functions) {
      expect(resource.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 1769, Timeout: 60 });
      expect(resource.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
    }
    expect(FUNCTION_NAMES.map((name) => fn(name).Properties.Handler)).toEqual([
      'functions/guardduty.handler',
      'functions/securityhub.handler',
      'functions/cloudtrail.handler',
      'functions/manual-playbook.handler',
    ]);
  });

  it('has no dependency cycle and no reference to a resource its conditions leave out', () => {
    expect(dependencyCycle(t)).toBeUndefined();
    expect(danglingReferences(t)).toEqual([]);
    // Every function names every role (RESPONDER_ROLE_ARNS): a role naming a function would close a loop.
    const looped: Template = JSON.parse(JSON.stringify(t));
    looped.Resources[roleOf('guardduty')].Properties.Description = { 'Fn::GetAtt': [FUNCTIONS.securityhub, 'Arn'] };
    expect(dependencyCycle(looped)).toEqual(expect.arrayContaining([roleOf('guardduty'), FUNCTIONS.securityhub]));
  });

  it('gives each function its own role and deploys no other role', () => {
    const roles = FUNCTION_NAMES.map((name) => roleOf(name));
    expect(new Set(roles).size).toBe(roles.length);
    expect(ofType(t, 'AWS::IAM::Role').map(([id]) => id).sort()).toEqual([...roles].sort());
    for (const role of roles) {
      const { Properties } = t.Resources[role];
      expect(Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }]);
      expect(Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
  });

  it('grants no wildcard action and no Resource "*" in any policy but the EC2 Describe calls that take none', () => {
    expect(wildcardViolations(t)).toEqual([]);
    expect(FUNCTION_NAMES.flatMap((name) => [...grantsOf(t, roleOf(name)).keys()]).filter((action) => VPC_UNSCOPABLE_ACTIONS.has(action))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grants %s exactly the actions of the playbooks it can run, scoped', (name) => {
    const grants = grantsOf(t, roleOf(name));
    const expected = expectedGrants(name, { clusters: ['*'], workloadRolePath: '/', slackSecret: slackSecret(), evidenceBucket: '', evidenceKmsKey: KEY_OF_CREATED_BUCKET, policyParameter: '', policyKmsKey: '' });
    expect([...grants.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [action, resources] of Object.entries(expected)) expect({ action, resources: grants.get(action) }).toEqual({ action, resources });
  });

  it('keeps each function to its own playbooks: no role writes, Kubernetes reads or Security Hub for cloudtrail; no control-plane changes for the finding functions', () => {
    const actions = (name: FunctionName) => [...grantsOf(t, roleOf(name)).keys()];
    expect(actions('cloudtrail').filter((action) => /^(iam|securityhub):|^eks:(ListPodIdentity|DescribePodIdentity|ListNodegroups|DescribeNodegroup)/.test(action))).toEqual([]);
    for (const name of ['guardduty', 'securityhub'] as const) expect(actions(name).filter((action) => /^eks:(UpdateClusterConfig|.*AccessEntry|.*AccessPolic)/.test(action))).toEqual([]);
    // manualPlaybook runs any playbook: every action any other function holds.
    const others = new Set(FUNCTION_NAMES.filter((name) => name !== 'manualPlaybook').flatMap((name) => [...expectedActions(name)]));
    expect([...others].filter((action) => !expectedActions('manualPlaybook').has(action))).toEqual([]);
    expect(grantsOf(t, roleOf('guardduty')).get('securityhub:BatchUpdateFindings')).toEqual([`arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`]);
    expect(grantsOf(t, roleOf('securityhub')).get('securityhub:BatchUpdateFindings')).toEqual([`arn:aws:securityhub:*:${ACCOUNT}:hub/default`]);
  });

  it("lets only the manual function remove instance tags, and only protect-instance's own", () => {
    const removing = (name: FunctionName) => statementsOf(t, roleOf(name)).filter(({ statement }) => asList(statement.Action ?? []).includes('ec2:DeleteTags'));
    expect(FUNCTION_NAMES.filter((name) => removing(name).length > 0)).toEqual(['manualPlaybook']);
    const [{ statement }] = removing('manualPlaybook');
    expect(statement.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': [INCIDENT_TAG, BEFORE_TERMINATION_PROTECTION_TAG, BEFORE_SHUTDOWN_BEHAVIOR_TAG] } });
  });

  it('grants the evidence bucket and its key only through a policy that exists with a bucket, and creates none', () => {
    expect(t.Resources.EvidenceBucketPolicy.Condition).toBe('StoresEvidence');
    expect(['StoresEvidence', 'HasEvidenceKmsKey', 'CreatesEvidenceBucket', 'CreatesEvidenceKey'].map((name) => condition(t, name))).toEqual([false, false, false, false]);
    expect(ofType(t, 'AWS::S3::Bucket').map(([id]) => id)).toEqual(['ServerlessDeploymentBucket']);
    const variables = resolve(t, fn('guardduty').Properties.Environment.Variables);
    expect([variables.EVIDENCE_BUCKET, variables.EVIDENCE_KMS_KEY_ID]).toEqual([undefined, undefined]);
  });

  it('grants the Slack secret only through a policy that exists when slackSecretArn is set', () => {
    const policy = t.Resources.SlackSecretPolicy;
    expect(policy.Condition).toBe('HasSlackSecret');
    expect(condition(t, 'HasSlackSecret')).toBe(slackSecret() !== '');
    expect(policy.Properties.Roles.map((ref: Json) => ref.Ref).sort()).toEqual(FUNCTION_NAMES.map(roleOf).sort());
    expect(resolve(t, fn('guardduty').Properties.Environment.Variables).SLACK_WEBHOOK_SECRET_ID).toBe(slackSecret() || undefined);
  });

  it('denies each function any change to the responder itself', () => {
    const arn = (service: string, resource: string) => `arn:aws:${service}:${service === 'iam' ? '' : REGION}:${ACCOUNT}:${resource}`;
    const expected = [
      {
        resource: arn('iam', 'role/eks-responder/*'),
        actions: ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'],
      },
      { resource: 'ref:NotifyTopic', actions: ['sns:DeleteTopic', 'sns:SetTopicAttributes'] },
      { resource: 'getatt:NotifyTopicKey.Arn', actions: ['kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:CreateGrant'] },
      { resource: arn('events', 'rule/eks-responder-dev-*'), actions: ['events:DeleteRule', 'events:DisableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets'] },
      { resource: ['getatt:RuleDeadLetterQueue.Arn', 'getatt:FailureQueue.Arn'], actions: ['sqs:DeleteMessage', 'sqs:PurgeQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes'] },
      {
        resource: arn('lambda', 'function:eks-responder-dev-*'),
        actions: [
          'lambda:DeleteFunction',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
          'lambda:PutFunctionEventInvokeConfig',
          'lambda:UpdateFunctionEventInvokeConfig',
          'lambda:DeleteFunctionEventInvokeConfig',
          'lambda:RemovePermission',
        ],
      },
      { resource: arn('cloudwatch', 'alarm:eks-responder-dev-*'), actions: ['cloudwatch:DeleteAlarms', 'cloudwatch:DisableAlarmActions', 'cloudwatch:PutMetricAlarm', 'cloudwatch:SetAlarmState'] },
      {
        resource: ['getatt:IncidentTable.Arn', 'getatt:IdempotencyTable.Arn'],
        actions: ['dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContinuousBackups', 'dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'],
      },
      { resource: arn('logs', 'log-group:/aws/lambda/eks-responder-dev-*'), actions: ['logs:DeleteLogGroup', 'logs:DeleteLogStream', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy'] },
    ];
    for (const name of FUNCTION_NAMES) {
      const all = statementsOf(t, roleOf(name)).filter(({ statement }) => statement.Effect === 'Deny');
      // The created evidence bucket's denies come with it (template-evidence.ts).
      expect(all.filter(({ deployed: live }) => !live).map(({ statement }) => statement.Sid)).toEqual(['NeverWeakenOwnEvidence', 'NeverChangeOwnEvidenceKey']);
      const denies = all.filter(({ deployed: live }) => live);
      expect(denies.map(({ statement }) => ({ resource: resolve(t, statement.Resource), actions: asList(statement.Action) }))).toEqual(expected);
    }
  });

  it('aims the self-protection denies at the resources the stack really creates', () => {
    const denied = (action: string) =>
      statementsOf(t, roleOf('guardduty'))
        .filter(({ statement, deployed: live }) => live && statement.Effect === 'Deny' && asList(statement.Action).includes(action))
        .flatMap(({ statement }) => asList(resolve(t, statement.Resource)).flat() as string[]);
    for (const [id, role] of ofType(t, 'AWS::IAM::Role')) {
      expect({ id, covered: denied('iam:PutRolePolicy').some((pattern) => covers(pattern, `arn:aws:iam::${ACCOUNT}:role${role.Properties.Path}${resolve(t, role.Properties.RoleName)}`)) }).toEqual({ id, covered: true });
    }
    for (const [id, rule] of ofType(t, 'AWS::Events::Rule')) {
      expect({ id, covered: denied('events:DisableRule').some((pattern) => covers(pattern, `arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule.Properties.Name}`)) }).toEqual({ id, covered: true });
    }
    for (const [id, fn] of ofType(t, 'AWS::Lambda::Function')) {
      expect({ id, covered: denied('lambda:DeleteFunction').some((pattern) => covers(pattern, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.Properties.FunctionName}`)) }).toEqual({ id, covered: true });
    }
    expect(denied('sqs:PurgeQueue').sort()).toEqual(ofType(t, 'AWS::SQS::Queue').map(([id]) => `getatt:${id}.Arn`).sort());
    expect(denied('sns:DeleteTopic')).toEqual(ofType(t, 'AWS::SNS::Topic').map(([id]) => `ref:${id}`));
    expect(denied('kms:ScheduleKeyDeletion')).toEqual(ofType(t, 'AWS::KMS::Key').map(([id]) => `getatt:${id}.Arn`));
    expect(denied('dynamodb:DeleteTable')).toEqual(ofType(t, 'AWS::DynamoDB::Table').map(([id]) => `getatt:${id}.Arn`));
    for (const [id, alarm] of ofType(t, 'AWS::CloudWatch::Alarm')) {
      expect({ id, covered: denied('cloudwatch:DeleteAlarms').some((pattern) => covers(pattern, `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm.Properties.AlarmName}`)) }).toEqual({ id, covered: true });
    }
  });

  it.each(FUNCTION_NAMES)('sends failed async invocations of %s to an SQS queue', (name) => {
    const configs = ofType(t, 'AWS::Lambda::EventInvokeConfig').filter(([, config]) => config.Properties.FunctionName.Ref === FUNCTIONS[name]);
    expect(configs).toHaveLength(1);
    const [, { Properties: config }] = configs[0];
    expect(config.MaximumRetryAttempts).toBe(2);
    const destination = resolve(t, config.DestinationConfig.OnFailure.Destination) as string;
    expect(destination).toMatch(/^getatt:\w+\.Arn$/);
    expect(t.Resources[destination.slice('getatt:'.length, -'.Arn'.length)].Type).toBe('AWS::SQS::Queue');
  });

  it('encrypts every queue and keeps messages 14 days', () => {
    const queues = ofType(t, 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual(['FailureQueue', 'RuleDeadLetterQueue']);
    for (const [, queue] of queues) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('passes the KMS-encrypted topic as NOTIFY_TOPIC_ARN and an environment the Lambda config accepts', () => {
    expect(resolve(t, t.Resources.NotifyTopic.Properties.KmsMasterKeyId)).toBe('getatt:NotifyTopicKey.Arn');
    for (const name of FUNCTION_NAMES) {
      const variables = fn(name).Properties.Environment.Variables;
      expect(variables.NOTIFY_TOPIC_ARN).toEqual({ Ref: 'NotifyTopic' });
      expect(variables).not.toHaveProperty('SLACK_WEBHOOK_URL');
      // Names CloudFormation would give the topic and the tables.
      const env = {
        ...resolve(t, variables),
        NOTIFY_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:eks-responder-NotifyTopic`,
        RESPONDER_ROLE_ARNS: withRoleArns(resolve(t, variables.RESPONDER_ROLE_ARNS)),
        INCIDENT_TABLE: 'eks-responder-dev-IncidentTable-1A2B3C4D5E6F',
        ...(variables.IDEMPOTENCY_TABLE ? { IDEMPOTENCY_TABLE: 'eks-responder-dev-IdempotencyTable-6F5E4D3C2B1A' } : {}),
      };
      expect(env).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'eks-responder', POWERTOOLS_LOG_LEVEL: expect.any(String) });
      expect(loadConfig(env, 'lambda')).toMatchObject({
        mode: 'notify',
        protectedNamespaces: ['kube-system'],
        allowedAccounts: [ACCOUNT],
        memberRole: undefined,
        controlPlaneRemediation: [],
        allowedPublicCidrs: [],
        adminPrincipalAllowList: [],
        securityHubStatusWhenContained: 'NOTIFIED',
        incidentTable: 'eks-responder-dev-IncidentTable-1A2B3C4D5E6F',
        policySsmParameter: undefined,
        blockImage: false,
        snapshotVolumes: false,
        // Every function knows every function role, its own included: none answers another's calls.
        responderRoleArns: FUNCTION_NAMES.map((other) => roleArnIn(t, roleOf(other))),
      });
      // Without allowedAccounts the stack's own account only: never another account's findings.
      expect(resolve(t, variables.ALLOWED_ACCOUNTS)).toBe(ACCOUNT);
    }
  });

  it('outputs the topic, each function role (for EKS access entries) and all of them (for deploy/member-role.yml)', () => {
    expect(resolve(t, t.Outputs.NotifyTopicArn.Value)).toBe('ref:NotifyTopic');
    const outputs = { GuarddutyRoleArn: 'guardduty', SecurityhubRoleArn: 'securityhub', CloudtrailRoleArn: 'cloudtrail', ManualPlaybookRoleArn: 'manualPlaybook' } as const;
    for (const [output, name] of Object.entries(outputs)) expect(resolve(t, t.Outputs[output].Value)).toBe(`getatt:${roleOf(name)}.Arn`);
    expect(resolve(t, t.Outputs.FunctionRoleArns.Value)).toBe(FUNCTION_NAMES.map((name) => `getatt:${roleOf(name)}.Arn`).join(','));
  });
});

