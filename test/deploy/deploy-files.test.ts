// The package-time scripts serverless.yml reads, and the Kubernetes RBAC manifest.
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { CONTAINED_STATUSES, REMEDIATIONS } from '../../shared/config';
import { ACTIONS } from '../../shared/playbooks/registry';
import { allowedBy, grantedPermissions, loadRbacManifest } from '../helpers/rbac';

type Json = any;
type Context = { resolveVariable: (name: string) => Promise<unknown>; resolveConfigurationProperty: (path: string[]) => Promise<unknown> };
type Generator = (context: Context) => Promise<Json>;

/**
 * What osls gives the package-time scripts: parameters, and the resolved configuration. Each
 * function is named with its grants (custom.iam.functions); its statements are the grants'.
 */
function serviceContext(params: Record<string, string>, functionGrants: Record<string, string[]>): Context {
  const grants: Record<string, Json[]> = {
    kubernetes: [{ Sid: 'ReachClusters', Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:ListNodegroups'], Resource: 'x' }],
    controlPlane: [{ Sid: 'ChangeClusterSettings', Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:UpdateClusterConfig'], Resource: 'x' }],
    notify: [{ Sid: 'Notify', Effect: 'Allow', Action: 'sns:Publish', Resource: 'x' }],
  };
  const config: Record<string, unknown> = {
    'custom.iam.grants': grants,
    'custom.iam.functions': functionGrants,
    functions: Object.fromEntries(Object.entries(functionGrants).map(([name, list]) => [name, { iamRoleStatements: list.flatMap((grant) => grants[grant] ?? []) }])),
  };
  return {
    resolveVariable: async (name: string) => params[name.replace(/^param:/, '')] ?? '',
    resolveConfigurationProperty: async (path: string[]) => config[path.join('.')],
  };
}

describe('deploy/eks-arns.js', () => {
  type ArnList = (context: { resolveVariable: (name: string) => Promise<string> }) => Promise<{ 'Fn::Sub': string }[]>;
  // Plain CommonJS read by osls at package time, so the test loads it the same way.
  const eksArns = require('../../deploy/eks-arns.js') as Record<'clusters' | 'podIdentityAssociations' | 'nodegroups', ArnList>;
  const withClusterNames = (value: string) => ({
    resolveVariable: async (name: string) => {
      expect(name).toBe('param:clusterNames');
      return value;
    },
  });
  const prefix = 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}';

  it('gives one ARN per named cluster for each EKS resource type', async () => {
    const context = withClusterNames('prod, staging,prod');
    await expect(eksArns.clusters(context)).resolves.toEqual([{ 'Fn::Sub': `${prefix}:cluster/prod` }, { 'Fn::Sub': `${prefix}:cluster/staging` }]);
    await expect(eksArns.podIdentityAssociations(context)).resolves.toEqual([
      { 'Fn::Sub': `${prefix}:podidentityassociation/prod/*` },
      { 'Fn::Sub': `${prefix}:podidentityassociation/staging/*` },
    ]);
    await expect(eksArns.nodegroups(context)).resolves.toEqual([{ 'Fn::Sub': `${prefix}:nodegroup/prod/*/*` }, { 'Fn::Sub': `${prefix}:nodegroup/staging/*/*` }]);
  });

  it("keeps '*' as every cluster of the account and region", async () => {
    await expect(eksArns.clusters(withClusterNames('*'))).resolves.toEqual([{ 'Fn::Sub': `${prefix}:cluster/*` }]);
  });

  it.each(['', 'prod,*', 'bad name', 'prod/x', '-lead'])('refuses clusterNames %j', async (value) => {
    await expect(eksArns.clusters(withClusterNames(value))).rejects.toThrow(/clusterNames must be/);
  });
});

describe('deploy/rbac.yaml', () => {
  let role: Json;
  let binding: Json;
  let documents: Json[];
  let granted: Set<string>;

  beforeAll(() => {
    ({ documents, role, binding } = loadRbacManifest());
    granted = grantedPermissions(role);
  });

  it('holds a valid ClusterRole and ClusterRoleBinding', () => {
    expect(documents).toHaveLength(2);
    expect(() => new ClusterRole(role).validate()).not.toThrow();
    expect(() => new ClusterRoleBinding(binding).validate()).not.toThrow();
  });

  it('grants exactly the reads and writes the responder makes, without wildcards', () => {
    const expected = [
      ...['get', 'list', 'patch'].map((verb) => `/pods:${verb}`),
      ...['get', 'list', 'patch'].map((verb) => `/nodes:${verb}`),
      '/pods/log:get',
      '/events:list',
      '/namespaces:get',
      ...['list', 'create', 'patch', 'delete'].map((verb) => `networking.k8s.io/networkpolicies:${verb}`),
      ...['cilium.io/ciliumnetworkpolicies', 'projectcalico.org/networkpolicies', 'crd.projectcalico.org/networkpolicies', 'security.istio.io/authorizationpolicies', 'kyverno.io/clusterpolicies']
        .concat('constraints.gatekeeper.sh/eksresponderblockedimage')
        .flatMap((resource) => ['get', 'create', 'delete'].map((verb) => `${resource}:${verb}`)),
      ...['get', 'create'].map((verb) => `templates.gatekeeper.sh/constrainttemplates:${verb}`),
      ...['get', 'list'].map((verb) => `/serviceaccounts:${verb}`),
      ...['deployments', 'daemonsets', 'statefulsets', 'replicasets'].map((resource) => `apps/${resource}:get`),
      'apps/replicasets:list',
      ...['jobs', 'cronjobs'].map((resource) => `batch/${resource}:get`),
      ...['clusterrolebindings', 'rolebindings'].flatMap((resource) => ['get', 'delete'].map((verb) => `rbac.authorization.k8s.io/${resource}:${verb}`)),
    ];
    expect([...granted].sort()).toEqual(expected.sort());
    expect([...granted].filter((rule) => rule.includes('*'))).toEqual([]);
  });

  it('covers every Kubernetes permission a playbook action declares', () => {
    const declared = ACTIONS.flatMap((action) => action.permissions.kubernetes.flatMap(({ group, resource, verbs }) => verbs.map((verb) => `${group}/${resource}:${verb}`)));
    expect([...new Set(declared.filter((permission) => !granted.has(permission)))]).toEqual([]);
  });

  it('limits by name only what the responder reads under a fixed name', () => {
    const named = role.rules.filter((rule: Json) => rule.resourceNames);
    expect(named).toEqual([{ apiGroups: ['templates.gatekeeper.sh'], resources: ['constrainttemplates'], resourceNames: ['eksresponderblockedimage'], verbs: ['get'] }]);
    expect(allowedBy(role, 'templates.gatekeeper.sh/constrainttemplates:get', 'eksresponderblockedimage')).toBe(true);
    expect(allowedBy(role, 'templates.gatekeeper.sh/constrainttemplates:get', 'k8srequiredlabels')).toBe(false);
  });

  it('binds the role to the group the EKS access entries use, and to nothing else', () => {
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'eks-responder' }]);
  });
});

describe('deploy/cluster-access.js', () => {
  const clusterAccess = require('../../deploy/cluster-access.js') as Record<'resources' | 'vpc', Generator>;
  // control-plane calls eks:DescribeCluster too, but never connects to a cluster.
  const context = (params: Record<string, string>) => serviceContext(params, { guardduty: ['kubernetes', 'notify'], 'control-plane': ['controlPlane', 'notify'], 'report-only': ['notify'] });

  it('gives access entries only to functions that connect to clusters, and none for every cluster', async () => {
    const named = await clusterAccess.resources(context({ clusterNames: 'prod-a,prod_b' }));
    expect(Object.keys(named.Resources).sort()).toEqual(['GuarddutyAccessEntryProdDasha', 'GuarddutyAccessEntryProdUnderscoreb']);
    expect(named.Resources.GuarddutyAccessEntryProdDasha.Properties).toEqual({
      ClusterName: 'prod-a',
      PrincipalArn: { 'Fn::GetAtt': ['GuarddutyIamRoleLambdaExecution', 'Arn'] },
      Type: 'STANDARD',
      KubernetesGroups: ['eks-responder'],
    });
    await expect(clusterAccess.resources(context({ clusterNames: '*' }))).resolves.toEqual({ Resources: {} });
  });

  it('puts the functions in a VPC only when subnets and security groups are both given', async () => {
    await expect(clusterAccess.vpc(context({}))).resolves.toBeNull();
    await expect(clusterAccess.vpc(context({ subnetIds: 'subnet-0a1b2c3d', securityGroupIds: 'sg-0a1b2c3d' }))).resolves.toEqual({ subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'] });
    await expect(clusterAccess.vpc(context({ subnetIds: 'subnet-0a1b2c3d' }))).rejects.toThrow('subnetIds and securityGroupIds go together');
  });

  it('puts every function role, not only those reaching clusters, under the network-interface policy', async () => {
    const fragment = await clusterAccess.resources(context({ clusterNames: '*', subnetIds: 'subnet-0a1b2c3d', securityGroupIds: 'sg-0a1b2c3d' }));
    expect(fragment.Resources.LambdaNetworkInterfacesPolicy.Properties.Roles).toEqual([
      { Ref: 'GuarddutyIamRoleLambdaExecution' },
      { Ref: 'ControlDashplaneIamRoleLambdaExecution' },
      { Ref: 'ReportDashonlyIamRoleLambdaExecution' },
    ]);
    expect(fragment.extensions).toEqual({
      GuarddutyLambdaFunction: { DependsOn: ['LambdaNetworkInterfacesPolicy'] },
      GuarddutyIamRoleLambdaExecution: { Properties: { ManagedPolicyArns: [] } },
      ControlDashplaneLambdaFunction: { DependsOn: ['LambdaNetworkInterfacesPolicy'] },
      ControlDashplaneIamRoleLambdaExecution: { Properties: { ManagedPolicyArns: [] } },
      ReportDashonlyLambdaFunction: { DependsOn: ['LambdaNetworkInterfacesPolicy'] },
      ReportDashonlyIamRoleLambdaExecution: { Properties: { ManagedPolicyArns: [] } },
    });
  });

  it.each([
    [{ subnetIds: 'subnet-xyz', securityGroupIds: 'sg-0a1b2c3d' }, /subnetIds must be comma-separated IDs/],
    [{ subnetIds: 'subnet-0a1b2c3d', securityGroupIds: 'default' }, /securityGroupIds must be comma-separated IDs/],
  ])('refuses %j', async (params, message) => {
    await expect(clusterAccess.vpc(context(params))).rejects.toThrow(message);
  });
});

describe('deploy/member-accounts.js', () => {
  const memberAccounts = require('../../deploy/member-accounts.js') as Record<'allowedAccounts' | 'resources', Generator>;
  const context = (params: Record<string, string>) => serviceContext(params, { guardduty: ['kubernetes', 'notify'], reporter: ['notify'] });

  it("allows the stack's own account only when no account is listed", async () => {
    await expect(memberAccounts.allowedAccounts(context({}))).resolves.toEqual({ Ref: 'AWS::AccountId' });
    await expect(memberAccounts.allowedAccounts(context({ allowedAccounts: '111122223333, 444455556666,111122223333' }))).resolves.toBe('111122223333,444455556666');
    await expect(memberAccounts.resources(context({ allowedAccounts: '111122223333' }))).resolves.toEqual({});
  });

  it('lets the functions that reach clusters assume the member role in each allowed account', async () => {
    const fragment = await memberAccounts.resources(context({ allowedAccounts: '111122223333,444455556666', memberRoleName: 'responder', memberRoleExternalId: 'ext-1' }));
    const policy = fragment.Resources.MemberAccountsPolicy.Properties;
    expect(policy.Roles).toEqual([{ Ref: 'GuarddutyIamRoleLambdaExecution' }]);
    expect(policy.PolicyDocument.Statement[0].Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:role/eks-responder/responder' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::444455556666:role/eks-responder/responder' },
    ]);
    expect(fragment.extensions).toEqual({ GuarddutyLambdaFunction: { DependsOn: ['MemberAccountsPolicy'] } });
  });

  it.each([
    [{ allowedAccounts: '1111' }, /allowedAccounts must be comma-separated 12-digit account IDs/],
    [{ allowedAccounts: '111122223333', memberRoleName: 'responder' }, /memberRoleName needs memberRoleExternalId/],
    [{ memberRoleName: 'responder', memberRoleExternalId: 'ext-1' }, /memberRoleName needs allowedAccounts/],
    [{ allowedAccounts: '111122223333', memberRoleName: 'a role', memberRoleExternalId: 'ext-1' }, /memberRoleName must be an IAM role name/],
    [{ memberRoleExternalId: 'ext-1' }, /memberRoleExternalId is set but memberRoleName is not/],
  ])('refuses %j', async (params, message) => {
    await expect(memberAccounts.resources(context(params))).rejects.toThrow(message);
  });
});

describe('deploy/resources.js', () => {
  const { merge } = require('../../deploy/resources.js') as { merge: (fragments: Json[]) => Json };

  it("keeps every fragment's DependsOn on a function and every output, and refuses two resources or outputs of one name", () => {
    const merged = merge([
      { Resources: { A: { Type: 'x' } }, extensions: { Fn: { DependsOn: ['A'] }, Role: { Properties: { ManagedPolicyArns: [] } } } },
      { Resources: {} },
      { Resources: { B: { Type: 'y' } }, extensions: { Fn: { DependsOn: ['B'] } } },
    ]);
    expect(merged).toEqual({ Resources: { A: { Type: 'x' }, B: { Type: 'y' } }, extensions: { Fn: { DependsOn: ['A', 'B'] }, Role: { Properties: { ManagedPolicyArns: [] } } } });
    expect(merge([{ Resources: {} }])).toEqual({ Resources: {} });
    expect(merge([{ Resources: {}, Outputs: { O: { Value: 1 } } }, { Resources: {} }])).toEqual({ Resources: {}, Outputs: { O: { Value: 1 } } });
    expect(() => merge([{ Outputs: { O: {} } }, { Outputs: { O: {} } }])).toThrow('two generated outputs are named O');
    expect(() => merge([{ Resources: { A: {} } }, { Resources: { A: {} } }])).toThrow('two generated resources are named A');
  });
});

describe('deploy/iam.js', () => {
  const iam = require('../../deploy/iam.js') as { statements: Generator };

  it('gives each function the statements of its grants, in their order', async () => {
    const statements = await iam.statements(serviceContext({}, { cloudtrail: ['controlPlane', 'notify'], reporter: ['notify'] }));
    expect(Object.keys(statements)).toEqual(['cloudtrail', 'reporter']);
    expect(statements.cloudtrail.map((statement: Json) => statement.Sid)).toEqual(['ChangeClusterSettings', 'Notify']);
    expect(statements.reporter.map((statement: Json) => statement.Sid)).toEqual(['Notify']);
  });

  it("adds a grant of custom.iam.optIn to its functions only when its parameter is 'true'", async () => {
    const context = (value: string) => {
      const base = serviceContext({ snapshotVolumes: value }, { guardduty: ['kubernetes', 'notify'], cloudtrail: ['controlPlane', 'notify'] });
      const optIn = { snapshotVolumes: { grant: 'controlPlane', functions: ['guardduty'] } };
      return { ...base, resolveConfigurationProperty: async (path: string[]) => (path.join('.') === 'custom.iam.optIn' ? optIn : base.resolveConfigurationProperty(path)) };
    };
    const sids = async (value: string) => (await iam.statements(context(value))).guardduty.map((statement: Json) => statement.Sid);
    await expect(sids('false')).resolves.toEqual(['ReachClusters', 'Notify']);
    await expect(sids('true')).resolves.toEqual(['ReachClusters', 'Notify', 'ChangeClusterSettings']);
    await expect(sids('yes')).rejects.toThrow('snapshotVolumes must be true or false, got "yes"');
  });

  it('refuses a grant serverless.yml does not define', async () => {
    await expect(iam.statements(serviceContext({}, { guardduty: ['kubernetes', 'kubernetse'] }))).rejects.toThrow('custom.iam.functions.guardduty: no grant named kubernetse in custom.iam.grants (kubernetes, controlPlane, notify)');
  });
});

describe('deploy/settings.js', () => {
  const settings = require('../../deploy/settings.js') as Record<
    'controlPlaneRemediation' | 'allowedPublicCidrs' | 'adminPrincipalAllowList' | 'securityHubStatusWhenContained' | 'securityHubCustomAction' | 'policySsmParameter' | 'policySsmParameterArn' | 'createEvidenceBucket' | 'evidenceRetentionDays',
    Generator
  > & {
    REMEDIATIONS: string[];
    CONTAINED_STATUSES: string[];
  };
  const context = (params: Record<string, string>) => serviceContext(params, {});

  it('knows the same remediations and statuses as the functions', () => {
    expect(settings.REMEDIATIONS).toEqual([...REMEDIATIONS]);
    expect(settings.CONTAINED_STATUSES).toEqual([...CONTAINED_STATUSES]);
  });

  it('passes checked lists on, and leaves empty ones unset', async () => {
    await expect(settings.controlPlaneRemediation(context({ controlPlaneRemediation: ' revoke-access-entry,restrict-public-endpoint,revoke-access-entry' }))).resolves.toBe('revoke-access-entry,restrict-public-endpoint');
    await expect(settings.allowedPublicCidrs(context({ allowedPublicCidrs: '203.0.113.0/24, 2001:db8::/32' }))).resolves.toBe('203.0.113.0/24,2001:db8::/32');
    await expect(settings.adminPrincipalAllowList(context({ adminPrincipalAllowList: 'arn:aws:iam::123456789012:user/alice' }))).resolves.toBe('arn:aws:iam::123456789012:user/alice');
    for (const key of ['controlPlaneRemediation', 'allowedPublicCidrs', 'adminPrincipalAllowList'] as const) await expect(settings[key](context({}))).resolves.toEqual({ Ref: 'AWS::NoValue' });
    await expect(settings.securityHubStatusWhenContained(context({ securityHubStatusWhenContained: 'RESOLVED' }))).resolves.toBe('RESOLVED');
    await expect(settings.securityHubCustomAction(context({ securityHubCustomAction: 'false' }))).resolves.toBe('false');
  });

  it('creates the evidence bucket only when no bucket is given, with a retention in whole days', async () => {
    await expect(settings.createEvidenceBucket(context({ createEvidenceBucket: 'true' }))).resolves.toBe('true');
    await expect(settings.createEvidenceBucket(context({ createEvidenceBucket: 'false', evidenceBucket: 'incident-evidence' }))).resolves.toBe('false');
    await expect(settings.createEvidenceBucket(context({ createEvidenceBucket: 'true', evidenceBucket: 'incident-evidence' }))).rejects.toThrow(/createEvidenceBucket=true creates the evidence bucket: leave evidenceBucket empty/);
    await expect(settings.createEvidenceBucket(context({ createEvidenceBucket: 'yes' }))).rejects.toThrow(/createEvidenceBucket must be true or false, got "yes"/);
    await expect(settings.evidenceRetentionDays(context({ evidenceRetentionDays: '90' }))).resolves.toBe(90);
    for (const days of ['0', '1.5', '36501', 'a year']) await expect(settings.evidenceRetentionDays(context({ evidenceRetentionDays: days }))).rejects.toThrow(/evidenceRetentionDays must be a whole number of days from 1 to 36500/);
  });

  it('passes the response policy parameter on, and scopes its read to that parameter', async () => {
    const prefix = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter';
    await expect(settings.policySsmParameter(context({ policySsmParameter: '/eks-responder/policy' }))).resolves.toBe('/eks-responder/policy');
    await expect(settings.policySsmParameterArn(context({ policySsmParameter: '/eks-responder/policy' }))).resolves.toEqual({ 'Fn::Sub': `${prefix}/eks-responder/policy` });
    await expect(settings.policySsmParameterArn(context({ policySsmParameter: 'responder-policy' }))).resolves.toEqual({ 'Fn::Sub': `${prefix}/responder-policy` });
    const arn = 'arn:aws:ssm:eu-west-1:111122223333:parameter/shared/policy';
    await expect(settings.policySsmParameterArn(context({ policySsmParameter: arn }))).resolves.toBe(arn);
    // Unset: the packaged policy, no variable, and a policy that is not deployed.
    await expect(settings.policySsmParameter(context({}))).resolves.toEqual({ Ref: 'AWS::NoValue' });
    await expect(settings.policySsmParameterArn(context({}))).resolves.toBe('');
  });

  it.each([
    [{ policySsmParameter: 'policy file.yaml' }, /policySsmParameter must be an SSM parameter name or ARN/],
    [{ policySsmKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, /policySsmKmsKeyArn is set but policySsmParameter is not/],
    [{ policySsmParameter: '/p', policySsmKmsKeyArn: 'alias/aws/ssm' }, /policySsmKmsKeyArn must be a KMS key ARN/],
  ])('refuses the policy parameter %j', async (params, message) => {
    await expect(settings.policySsmParameter(context(params))).rejects.toThrow(message);
  });

  it.each([
    ['controlPlaneRemediation', 'restrict-public-endpoint,fix-everything', /controlPlaneRemediation must be comma-separated names among restrict-public-endpoint, .* got "fix-everything"/],
    ['allowedPublicCidrs', '203.0.113.0/33', /allowedPublicCidrs must be comma-separated CIDRs/],
    ['allowedPublicCidrs', '203.0.113.0', /allowedPublicCidrs must be comma-separated CIDRs/],
    ['adminPrincipalAllowList', 'arn:aws:sts::123456789012:assumed-role/admin/x', /adminPrincipalAllowList must be comma-separated IAM role or user ARNs/],
    ['securityHubStatusWhenContained', 'SUPPRESSED', /securityHubStatusWhenContained must be NOTIFIED or RESOLVED, got "SUPPRESSED"/],
    ['securityHubCustomAction', 'yes', /securityHubCustomAction must be true or false, got "yes"/],
  ] as const)('refuses %s=%j', async (key, value, message) => {
    await expect(settings[key](context({ [key]: value }))).rejects.toThrow(message);
  });
});

describe('deploy/responder-roles.js', () => {
  const responderRoles = require('../../deploy/responder-roles.js') as Record<'roleArns' | 'resources', Generator>;
  const functions = { guardduty: ['kubernetes', 'notify'], cloudtrail: ['controlPlane', 'notify'] };

  it('names every function role, and the member role in each allowed account', async () => {
    const roles = [{ 'Fn::GetAtt': ['GuarddutyIamRoleLambdaExecution', 'Arn'] }, { 'Fn::GetAtt': ['CloudtrailIamRoleLambdaExecution', 'Arn'] }];
    await expect(responderRoles.roleArns(serviceContext({}, functions))).resolves.toEqual({ 'Fn::Join': [',', roles] });
    const members = serviceContext({ allowedAccounts: '111122223333', memberRoleName: 'responder', memberRoleExternalId: 'ext-1' }, functions);
    await expect(responderRoles.roleArns(members)).resolves.toEqual({ 'Fn::Join': [',', [...roles, { 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:role/eks-responder/responder' }]] });
  });

  it('outputs each function role, saying which need an access entry, and all of them', async () => {
    const { Outputs } = await responderRoles.resources(serviceContext({}, functions));
    expect(Object.keys(Outputs)).toEqual(['GuarddutyRoleArn', 'CloudtrailRoleArn', 'FunctionRoleArns']);
    expect(Outputs.GuarddutyRoleArn.Description).toMatch(/EKS access entry/);
    expect(Outputs.CloudtrailRoleArn.Description).not.toMatch(/access entry/);
  });
});
