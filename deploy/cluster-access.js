'use strict';

/**
 * How the functions reach their clusters, generated at package time from the parameters and read
 * by serverless.yml through `${file(./deploy/cluster-access.js):...}`:
 *
 * - `resources`: one `AWS::EKS::AccessEntry` per function that connects to clusters (it holds the
 *   `kubernetes` grant, deploy/iam.js) and per cluster in `clusterNames` (none for '*': the
 *   clusters are not known), mapping the function's role to the Kubernetes group deploy/rbac.yaml
 *   binds. A function that only calls the EKS API (cloudtrail) gets none. With `subnetIds`/`securityGroupIds`
 *   (private-endpoint clusters), the network-interface permissions Lambda needs to run the
 *   functions in those subnets, in place of the managed policy AWSLambdaVPCAccessExecutionRole
 *   (Resource '*') that serverless-iam-roles-per-function would attach.
 * - `vpc`: provider.vpc, or null (no VPC) when the subnet parameters are empty.
 */
const { parseClusterNames } = require('./eks-arns');
const { logicalName, reachesKubernetes, serviceFunctions } = require('./functions');

/** The group deploy/rbac.yaml binds the ClusterRole to. */
const KUBERNETES_GROUP = 'eks-responder';

const EC2 = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}';

function parseIds(value, key, pattern, example) {
  const ids = String(value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const bad = ids.filter((id) => !pattern.test(id));
  if (bad.length > 0) throw new Error(`${key} must be comma-separated IDs such as ${example}, got ${JSON.stringify(value)}`);
  return [...new Set(ids)];
}

/** Both subnet and security group IDs, or neither. */
async function privateNetwork({ resolveVariable }) {
  const subnetIds = parseIds(await resolveVariable('param:subnetIds'), 'subnetIds', /^subnet-[0-9a-f]{8,17}$/, 'subnet-0123456789abcdef0');
  const securityGroupIds = parseIds(await resolveVariable('param:securityGroupIds'), 'securityGroupIds', /^sg-[0-9a-f]{8,17}$/, 'sg-0123456789abcdef0');
  if ((subnetIds.length === 0) !== (securityGroupIds.length === 0)) {
    throw new Error('subnetIds and securityGroupIds go together: give both (private-endpoint clusters) or neither');
  }
  return subnetIds.length ? { subnetIds, securityGroupIds } : undefined;
}

function accessEntries(functions, clusters) {
  if (clusters.length === 1 && clusters[0] === '*') return {};
  const entries = {};
  for (const fn of functions.filter(reachesKubernetes)) {
    for (const cluster of clusters) {
      const id = `${logicalName(fn.name)}AccessEntry${logicalName(cluster)}`;
      if (entries[id]) throw new Error(`clusterNames: ${cluster} gives the same CloudFormation id (${id}) as another cluster`);
      entries[id] = {
        Type: 'AWS::EKS::AccessEntry',
        Properties: {
          ClusterName: cluster,
          PrincipalArn: { 'Fn::GetAtt': [fn.roleId, 'Arn'] },
          Type: 'STANDARD',
          KubernetesGroups: [KUBERNETES_GROUP],
        },
      };
    }
  }
  return entries;
}

/**
 * Lambda creates and deletes the functions' network interfaces with the functions' roles. The
 * EC2 Describe calls support no resource-level permissions, so they alone take Resource '*'.
 */
function networkInterfacesPolicy(functions, network) {
  return {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'lambda-network-interfaces',
      Roles: functions.map((fn) => ({ Ref: fn.roleId })),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CreateNetworkInterfacesInClusterSubnets',
            Effect: 'Allow',
            Action: ['ec2:CreateNetworkInterface'],
            Resource: [
              ...network.subnetIds.map((id) => ({ 'Fn::Sub': `${EC2}:subnet/${id}` })),
              ...network.securityGroupIds.map((id) => ({ 'Fn::Sub': `${EC2}:security-group/${id}` })),
              { 'Fn::Sub': `${EC2}:network-interface/*` },
            ],
          },
          {
            // Lambda picks the interfaces itself; their IDs are not known in advance.
            Sid: 'ManageNetworkInterfaces',
            Effect: 'Allow',
            Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
            Resource: [{ 'Fn::Sub': `${EC2}:network-interface/*` }],
          },
          {
            Sid: 'DescribeNetworkInterfaces',
            Effect: 'Allow',
            Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
            Resource: '*',
          },
        ],
      },
    },
  };
}

async function resources(context) {
  const [functions, clusters, network] = await Promise.all([
    serviceFunctions(context),
    context.resolveVariable('param:clusterNames').then(parseClusterNames),
    privateNetwork(context),
  ]);
  const fragment = { Resources: accessEntries(functions, clusters) };
  if (network) {
    fragment.Resources.LambdaNetworkInterfacesPolicy = networkInterfacesPolicy(functions, network);
    // Lambda checks the role can create network interfaces when the function is created, so each
    // function waits for the policy; the roles keep no managed policy.
    fragment.extensions = Object.fromEntries(
      functions.flatMap((fn) => [
        [fn.functionId, { DependsOn: ['LambdaNetworkInterfacesPolicy'] }],
        [fn.roleId, { Properties: { ManagedPolicyArns: [] } }],
      ]),
    );
  }
  return fragment;
}

module.exports = {
  KUBERNETES_GROUP,
  resources,
  /** provider.vpc; null keeps the functions out of any VPC. */
  vpc: async (context) => (await privateNetwork(context)) ?? null,
};
