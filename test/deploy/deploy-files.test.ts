// The package-time scripts serverless.yml reads, and the Kubernetes RBAC manifest.
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ACTIONS } from '../../shared/playbooks/registry';
import { grantedPermissions, loadRbacManifest } from '../helpers/rbac';

type Json = any;

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
      ...['get', 'patch'].map((verb) => `/nodes:${verb}`),
      ...['list', 'create', 'patch'].map((verb) => `networking.k8s.io/networkpolicies:${verb}`),
      ...['get', 'list'].map((verb) => `/serviceaccounts:${verb}`),
      ...['deployments', 'daemonsets', 'statefulsets', 'replicasets'].map((resource) => `apps/${resource}:get`),
      ...['jobs', 'cronjobs'].map((resource) => `batch/${resource}:get`),
      ...['clusterrolebindings', 'rolebindings'].flatMap((resource) => ['get', 'delete'].map((verb) => `rbac.authorization.k8s.io/${resource}:${verb}`)),
    ];
    expect([...granted].sort()).toEqual(expected.sort());
    expect([...granted].filter((rule) => rule.includes('*'))).toEqual([]);
  });

  it('covers every Kubernetes permission a playbook action declares', () => {
    const declared = ACTIONS.flatMap((action) => action.permissions.kubernetes.flatMap(({ group, resource, verbs }) => verbs.map((verb) => `${group}/${resource}:${verb}`)));
    expect(declared.filter((permission) => !granted.has(permission))).toEqual([]);
  });

  it('binds the role to the group the EKS access entries use, and to nothing else', () => {
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'eks-responder' }]);
  });
});

describe('deploy/cluster-access.js', () => {
  type Generator = (context: { resolveVariable: (name: string) => Promise<string>; resolveConfigurationProperty: (path: string[]) => Promise<unknown> }) => Promise<Json>;
  const clusterAccess = require('../../deploy/cluster-access.js') as Record<'resources' | 'vpc', Generator>;
  const functions = {
    guardduty: { iamRoleStatements: [{ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: 'x' }] },
    'report-only': { iamRoleStatements: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: 'x' }] },
  };
  const context = (params: Record<string, string>) => ({
    resolveVariable: async (name: string) => params[name.replace(/^param:/, '')] ?? '',
    resolveConfigurationProperty: async (path: string[]) => (path.join('.') === 'functions' ? functions : undefined),
  });

  it('gives access entries only to functions that reach clusters, and none for every cluster', async () => {
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
    expect(fragment.Resources.LambdaNetworkInterfacesPolicy.Properties.Roles).toEqual([{ Ref: 'GuarddutyIamRoleLambdaExecution' }, { Ref: 'ReportDashonlyIamRoleLambdaExecution' }]);
    expect(fragment.extensions).toEqual({
      GuarddutyLambdaFunction: { DependsOn: ['LambdaNetworkInterfacesPolicy'] },
      GuarddutyIamRoleLambdaExecution: { Properties: { ManagedPolicyArns: [] } },
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
  type Generator = (context: { resolveVariable: (name: string) => Promise<string>; resolveConfigurationProperty: (path: string[]) => Promise<unknown> }) => Promise<Json>;
  const memberAccounts = require('../../deploy/member-accounts.js') as Record<'allowedAccounts' | 'resources', Generator>;
  const functions = { guardduty: { iamRoleStatements: [{ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: 'x' }] }, reporter: { iamRoleStatements: [] } };
  const context = (params: Record<string, string>) => ({
    resolveVariable: async (name: string) => params[name.replace(/^param:/, '')] ?? '',
    resolveConfigurationProperty: async () => functions,
  });

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

  it("keeps every fragment's DependsOn on a function, and refuses two resources of one name", () => {
    const merged = merge([
      { Resources: { A: { Type: 'x' } }, extensions: { Fn: { DependsOn: ['A'] }, Role: { Properties: { ManagedPolicyArns: [] } } } },
      { Resources: {} },
      { Resources: { B: { Type: 'y' } }, extensions: { Fn: { DependsOn: ['B'] } } },
    ]);
    expect(merged).toEqual({ Resources: { A: { Type: 'x' }, B: { Type: 'y' } }, extensions: { Fn: { DependsOn: ['A', 'B'] }, Role: { Properties: { ManagedPolicyArns: [] } } } });
    expect(merge([{ Resources: {} }])).toEqual({ Resources: {} });
    expect(() => merge([{ Resources: { A: {} } }, { Resources: { A: {} } }])).toThrow('two generated resources are named A');
  });
});
