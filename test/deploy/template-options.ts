// Checks the template packaged with every deployment option set (named clusters, private-endpoint
// subnets, Slack, a workload role path): EKS access entries, VPC placement and the
// network-interface permissions it needs. template.test.ts packages it next to the default one.
import { loadRbacManifest } from '../helpers/rbac';
import { ACCOUNT, FUNCTION_NAMES, FUNCTIONS, REGION, UNSCOPABLE_ACTIONS, grantsOf, ofType, resolve, roleOf, statementsOf, wildcardViolations, type FunctionName, type Json, type Template } from './cloudformation';

import { loadConfig } from '../../shared/config';

// Plain CommonJS read by osls at package time, so the test loads it the same way.
const { KUBERNETES_GROUP } = require('../../deploy/cluster-access.js') as { KUBERNETES_GROUP: string };

const CLUSTERS = ['prod-a', 'staging_eu'];
const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'];
const SECURITY_GROUPS = ['sg-0123456789abcdef0'];
export const MEMBER_ACCOUNT = '444455556666';
const SLACK_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:eks-responder/slack-AbCdEf`;
export const OPTION_PARAMS = {
  clusterNames: CLUSTERS.join(','),
  subnetIds: SUBNETS.join(','),
  securityGroupIds: SECURITY_GROUPS.join(','),
  slackSecretArn: SLACK_SECRET,
  workloadRolePath: '/workloads/',
  responseMode: 'enforce',
  allowedAccounts: `${ACCOUNT},${MEMBER_ACCOUNT}`,
  memberRoleName: 'eks-responder-member',
  memberRoleExternalId: 'eks-responder-7f3c',
};

const EKS = `arn:aws:eks:${REGION}:${ACCOUNT}`;
const EC2 = `arn:aws:ec2:${REGION}:${ACCOUNT}`;

function expectedGrants(name: FunctionName): Record<string, string[]> {
  const logGroup = [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/eks-responder-dev-${name}:*:*`];
  const each = (resource: (cluster: string) => string) => CLUSTERS.map(resource).sort();
  const networkInterfaces = [`${EC2}:network-interface/*`];
  return {
    'eks:DescribeCluster': each((cluster) => `${EKS}:cluster/${cluster}`),
    'eks:ListPodIdentityAssociations': each((cluster) => `${EKS}:cluster/${cluster}`),
    'eks:ListNodegroups': each((cluster) => `${EKS}:cluster/${cluster}`),
    'eks:DescribePodIdentityAssociation': each((cluster) => `${EKS}:podidentityassociation/${cluster}/*`),
    'eks:DescribeNodegroup': each((cluster) => `${EKS}:nodegroup/${cluster}/*/*`),
    'iam:GetRolePolicy': [`arn:aws:iam::${ACCOUNT}:role/workloads/*`],
    'iam:PutRolePolicy': [`arn:aws:iam::${ACCOUNT}:role/workloads/*`],
    'sns:Publish': ['ref:NotifyTopic'],
    'kms:GenerateDataKey': ['getatt:NotifyTopicKey.Arn'],
    'kms:Decrypt': ['getatt:NotifyTopicKey.Arn'],
    'secretsmanager:GetSecretValue': [SLACK_SECRET],
    'sqs:SendMessage': ['getatt:FailureQueue.Arn'],
    'logs:CreateLogGroup': logGroup,
    'logs:CreateLogStream': logGroup,
    'logs:PutLogEvents': logGroup,
    'ec2:CreateNetworkInterface': [...SUBNETS.map((id) => `${EC2}:subnet/${id}`), ...SECURITY_GROUPS.map((id) => `${EC2}:security-group/${id}`), ...networkInterfaces].sort(),
    'ec2:DeleteNetworkInterface': networkInterfaces,
    'ec2:AssignPrivateIpAddresses': networkInterfaces,
    'ec2:UnassignPrivateIpAddresses': networkInterfaces,
    'ec2:DescribeNetworkInterfaces': ['*'],
    'ec2:DescribeSubnets': ['*'],
    'sts:AssumeRole': [ACCOUNT, MEMBER_ACCOUNT].map((account) => `arn:aws:iam::${account}:role/eks-responder/eks-responder-member`),
  };
}

export function describeTemplateWithOptions(template: () => Template): void {
  let t: Template;
  beforeAll(() => {
    t = template();
  });

  it('creates an EKS access entry per function role and named cluster, in the group deploy/rbac.yaml binds', () => {
    const { binding } = loadRbacManifest();
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'Group', name: KUBERNETES_GROUP })]);
    // Every function that reaches clusters (eks:DescribeCluster) gets one per cluster.
    const reaching = FUNCTION_NAMES.filter((name) => grantsOf(t, roleOf(t, name)).has('eks:DescribeCluster'));
    expect(reaching).toEqual(FUNCTION_NAMES);
    const entries = ofType(t, 'AWS::EKS::AccessEntry').map(([, entry]) => resolve(t, entry.Properties));
    const expected = reaching.flatMap((name) =>
      CLUSTERS.map((cluster) => ({ ClusterName: cluster, PrincipalArn: `getatt:${roleOf(t, name)}.Arn`, Type: 'STANDARD', KubernetesGroups: [KUBERNETES_GROUP] })),
    );
    expect(entries).toHaveLength(expected.length);
    expect(entries).toEqual(expect.arrayContaining(expected));
  });

  it('runs every function in the cluster subnets with the given security groups', () => {
    for (const [id, fn] of ofType(t, 'AWS::Lambda::Function')) {
      expect({ id, vpc: fn.Properties.VpcConfig }).toEqual({ id, vpc: { SubnetIds: SUBNETS, SecurityGroupIds: SECURITY_GROUPS } });
      // Lambda checks the network-interface permissions when it creates the function; the first
      // findings after a deployment may need the member role.
      expect(fn.DependsOn).toEqual(expect.arrayContaining(['LambdaNetworkInterfacesPolicy', 'MemberAccountsPolicy']));
    }
  });

  it('replaces the managed VPC policy with network-interface permissions scoped to the subnets, security groups and account', () => {
    for (const name of FUNCTION_NAMES) {
      const role = t.Resources[roleOf(t, name)];
      expect(role.Properties.ManagedPolicyArns).toEqual([]);
      const unscoped = statementsOf(t, roleOf(t, name)).filter(({ statement }) => asArray(resolve(t, statement.Resource)).includes('*'));
      expect(unscoped.map(({ statement }) => statement.Action)).toEqual([[...UNSCOPABLE_ACTIONS.keys()]]);
    }
    expect(wildcardViolations(t)).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grants %s exactly the actions the responder calls, scoped to the named clusters and the workload role path', (name) => {
    const grants = grantsOf(t, roleOf(t, name));
    const expected = expectedGrants(name);
    expect([...grants.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [action, resources] of Object.entries(expected)) expect({ action, resources: grants.get(action) }).toEqual({ action, resources: [...resources].sort() });
  });

  it('passes the mode, the Slack secret, the allowed accounts and the member role to every function', () => {
    for (const name of FUNCTION_NAMES) {
      const variables = resolve(t, t.Resources[FUNCTIONS[name]].Properties.Environment.Variables);
      expect(variables).toMatchObject({
        RESPONSE_MODE: 'enforce',
        SLACK_WEBHOOK_SECRET_ID: SLACK_SECRET,
        ALLOWED_ACCOUNTS: `${ACCOUNT},${MEMBER_ACCOUNT}`,
        MEMBER_ROLE_NAME: 'eks-responder-member',
        MEMBER_ROLE_EXTERNAL_ID: 'eks-responder-7f3c',
      });
      const env = { ...variables, NOTIFY_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:eks-responder-NotifyTopic` };
      expect(loadConfig(env, 'lambda')).toMatchObject({ allowedAccounts: [ACCOUNT, MEMBER_ACCOUNT], memberRole: { name: 'eks-responder-member', externalId: 'eks-responder-7f3c' } });
    }
  });
}

const asArray = (value: Json): Json[] => (Array.isArray(value) ? value.flat() : [value]);
