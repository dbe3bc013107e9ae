'use strict';

/**
 * IAM resource ARNs for the EKS calls of eks-responder, one per cluster named in the
 * `clusterNames` parameter, read by serverless.yml through `${file(./deploy/eks-arns.js):...}`.
 *
 * The expansion happens here, at package time, because CloudFormation cannot map a list:
 * Fn::Join would need a delimiter holding AWS::AccountId, and its delimiter must be a literal.
 * Each ARN stays an Fn::Sub, so partition, region and account are still filled in by
 * CloudFormation and `serverless package` needs no AWS credentials.
 */

// EKS cluster names: 1-100 characters, alphanumerics, hyphens and underscores, starting alphanumeric.
const CLUSTER_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;

const PREFIX = 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}';

/** '*' (every cluster) or a comma-separated list of names, checked so a typo fails the package. */
function parseClusterNames(value) {
  const names = String(value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === '*') return names;
  const bad = names.filter((name) => !CLUSTER_NAME.test(name));
  if (names.length === 0 || bad.length > 0) {
    throw new Error(`clusterNames must be '*' or comma-separated EKS cluster names, got ${JSON.stringify(value)}`);
  }
  return [...new Set(names)];
}

function arns(names, resource) {
  return names.map((name) => ({ 'Fn::Sub': `${PREFIX}:${resource(name)}` }));
}

async function names({ resolveVariable }) {
  return parseClusterNames(await resolveVariable('param:clusterNames'));
}

module.exports = {
  parseClusterNames,
  /** eks:DescribeCluster, eks:ListPodIdentityAssociations, eks:ListNodegroups act on the cluster. */
  clusters: async (context) => arns(await names(context), (name) => `cluster/${name}`),
  /** eks:DescribePodIdentityAssociation acts on podidentityassociation/CLUSTER/ID. */
  podIdentityAssociations: async (context) => arns(await names(context), (name) => `podidentityassociation/${name}/*`),
  /** eks:DescribeNodegroup acts on nodegroup/CLUSTER/NAME/UUID. */
  nodegroups: async (context) => arns(await names(context), (name) => `nodegroup/${name}/*/*`),
  /**
   * eks:DescribeAccessEntry, eks:ListAssociatedAccessPolicies, eks:DisassociateAccessPolicy and
   * eks:DeleteAccessEntry act on access-entry/CLUSTER/TYPE/ACCOUNT/NAME/UUID.
   */
  accessEntries: async (context) => arns(await names(context), (name) => `access-entry/${name}/*`),
};
