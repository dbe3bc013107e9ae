'use strict';

/**
 * Which accounts the responder acts on, and how it reaches member accounts, generated at package
 * time from the parameters and read by serverless.yml through `${file(./deploy/member-accounts.js):...}`:
 *
 * - `allowedAccounts`: ALLOWED_ACCOUNTS of the functions; the stack's own account when the
 *   parameter is empty, so a fresh deployment never acts on another account's findings.
 * - `resources`: with `memberRoleName`, a policy letting every function that reaches clusters
 *   assume that role (path /eks-responder/, deploy/member-role.yml) in each allowed account.
 */
const { allows, serviceFunctions } = require('./functions');

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

async function settings({ resolveVariable }) {
  const [accountsParam, name, externalId] = await Promise.all(['allowedAccounts', 'memberRoleName', 'memberRoleExternalId'].map((key) => resolveVariable(`param:${key}`)));
  const accounts = [
    ...new Set(
      String(accountsParam ?? '')
        .split(',')
        .map((account) => account.trim())
        .filter(Boolean),
    ),
  ];
  const bad = accounts.filter((account) => !/^\d{12}$/.test(account));
  if (bad.length) throw new Error(`allowedAccounts must be comma-separated 12-digit account IDs, got ${JSON.stringify(accountsParam)}`);
  if (!name) {
    if (externalId) throw new Error('memberRoleExternalId is set but memberRoleName is not');
    return { accounts };
  }
  if (!ROLE_NAME.test(name)) throw new Error(`memberRoleName must be an IAM role name, got ${JSON.stringify(name)}`);
  if (!EXTERNAL_ID.test(externalId ?? '')) throw new Error('memberRoleName needs memberRoleExternalId (2-1224 characters of letters, digits and +=,.@:/-)');
  if (accounts.length === 0) throw new Error('memberRoleName needs allowedAccounts: the member accounts (and this one) the responder acts on');
  return { accounts, memberRole: { name } };
}

async function resources(context) {
  const [{ accounts, memberRole }, functions] = await Promise.all([settings(context), serviceFunctions(context)]);
  if (!memberRole) return {};
  const reaching = functions.filter((fn) => allows(fn, 'eks:DescribeCluster'));
  return {
    Resources: {
      MemberAccountsPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'member-accounts',
          Roles: reaching.map((fn) => ({ Ref: fn.roleId })),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AssumeMemberRoles',
                Effect: 'Allow',
                Action: ['sts:AssumeRole'],
                Resource: accounts.map((account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/eks-responder/${memberRole.name}` })),
              },
            ],
          },
        },
      },
    },
    // A finding arriving right after the deployment finds the permission in place.
    extensions: Object.fromEntries(reaching.map((fn) => [fn.functionId, { DependsOn: ['MemberAccountsPolicy'] }])),
  };
}

module.exports = {
  settings,
  allowedAccounts: async (context) => {
    const { accounts } = await settings(context);
    return accounts.length ? accounts.join(',') : { Ref: 'AWS::AccountId' };
  },
  resources,
};
