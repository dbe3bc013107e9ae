/** AWS IAM (AWS query protocol, XML namespace https://iam.amazonaws.com/doc/2010-05-08/). */
import { AwsError, type RpcOperation } from './protocol';
import type { FakeAwsState, RoleState } from './state';

export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

type Params = Record<string, unknown>;

function str(params: Params, name: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : '';
}

function findRole(state: FakeAwsState, roleName: string): RoleState {
  const role = state.roles.get(roleName);
  if (!role) throw new AwsError(404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`);
  return role;
}

/**
 * IAM returns policy documents URL-encoded (RFC 3986) and the SDK hands them over undecoded, so
 * callers must decodeURIComponent them. PutRolePolicy, on the other hand, takes the raw JSON.
 */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document);
}

export const iamOperations: Record<string, RpcOperation<FakeAwsState>> = {
  GetRole: {
    kind: 'read',
    handle: (p, state) => {
      const role = findRole(state, str(p, 'RoleName'));
      return {
        Role: {
          Path: role.path,
          RoleName: role.name,
          RoleId: role.roleId,
          Arn: role.arn,
          CreateDate: role.createDate,
          AssumeRolePolicyDocument: role.assumeRolePolicyDocument === undefined ? undefined : encodePolicyDocument(role.assumeRolePolicyDocument),
          MaxSessionDuration: role.maxSessionDuration,
        },
      };
    },
  },
  GetRolePolicy: {
    kind: 'read',
    handle: (p, state) => {
      const role = findRole(state, str(p, 'RoleName'));
      const document = role.inlinePolicies.get(str(p, 'PolicyName'));
      if (document === undefined) {
        throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${str(p, 'PolicyName')} cannot be found.`);
      }
      return { RoleName: role.name, PolicyName: str(p, 'PolicyName'), PolicyDocument: encodePolicyDocument(document) };
    },
  },
  PutRolePolicy: {
    kind: 'write',
    handle: (p, state) => {
      findRole(state, str(p, 'RoleName')).inlinePolicies.set(str(p, 'PolicyName'), str(p, 'PolicyDocument'));
      return undefined;
    },
  },
  DeleteRolePolicy: {
    kind: 'write',
    handle: (p, state) => {
      const role = findRole(state, str(p, 'RoleName'));
      if (!role.inlinePolicies.delete(str(p, 'PolicyName'))) {
        throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${str(p, 'PolicyName')} cannot be found.`);
      }
      return undefined;
    },
  },
  ListRolePolicies: {
    kind: 'read',
    handle: (p, state) => ({ PolicyNames: [...findRole(state, str(p, 'RoleName')).inlinePolicies.keys()], IsTruncated: false }),
  },
  ListAttachedRolePolicies: {
    kind: 'read',
    handle: (p, state) => ({
      AttachedPolicies: findRole(state, str(p, 'RoleName')).attachedPolicies.map((policy) => ({ PolicyName: policy.name, PolicyArn: policy.arn })),
      IsTruncated: false,
    }),
  },
};
