'use strict';

/**
 * The roles the responder acts as, read by serverless.yml through
 * `${file(./deploy/responder-roles.js):...}`:
 *
 * - `roleArns`: RESPONDER_ROLE_ARNS of every function: each function's role and, with
 *   `memberRoleName`, the member role in each allowed account, so that the control-plane calls the
 *   responder makes itself, in any of those accounts, are never answered as if someone else made
 *   them. Each function references every role; no role references a function, so CloudFormation
 *   sees no cycle (test/deploy/template.test.ts checks the whole template for one).
 * - `resources`: stack outputs, one role ARN per function (each needs an EKS access entry where
 *   it connects to clusters) and all of them comma-joined, which is what deploy/member-role.yml
 *   takes as ResponderRoleArns.
 */
const { logicalName, reachesKubernetes, serviceFunctions } = require('./functions');
const memberAccounts = require('./member-accounts');

const roleArn = (fn) => ({ 'Fn::GetAtt': [fn.roleId, 'Arn'] });

async function roleArns(context) {
  const [functions, { accounts, memberRole }] = await Promise.all([serviceFunctions(context), memberAccounts.settings(context)]);
  const members = memberRole ? accounts.map((account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/eks-responder/${memberRole.name}` })) : [];
  return { 'Fn::Join': [',', [...functions.map(roleArn), ...members]] };
}

async function resources(context) {
  const functions = await serviceFunctions(context);
  const Outputs = {};
  for (const fn of functions) {
    Outputs[`${logicalName(fn.name)}RoleArn`] = {
      Description: `Role of the ${fn.name} function${reachesKubernetes(fn) ? '; map it to the Kubernetes group eks-responder with an EKS access entry' : ''}`,
      Value: roleArn(fn),
    };
  }
  Outputs.FunctionRoleArns = {
    Description: "Every function role, comma-separated: deploy/member-role.yml's ResponderRoleArns",
    Value: { 'Fn::Join': [',', functions.map(roleArn)] },
  };
  return { Outputs };
}

module.exports = { resources, roleArns };
