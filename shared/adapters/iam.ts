import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { IamPort, RoleDetails } from './ports';

const isNoSuchEntity = (error: unknown): boolean => (error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity';

export class SdkIam implements IamPort {
  constructor(private readonly client: IAMClient) {}

  async getRoleInlinePolicy(roleName: string, policyName: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      // IAM returns policy documents URL-encoded.
      return result.PolicyDocument === undefined ? undefined : decodeURIComponent(result.PolicyDocument);
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  }

  async describeRole(roleName: string): Promise<RoleDetails | undefined> {
    let role;
    try {
      ({ Role: role } = await this.client.send(new GetRoleCommand({ RoleName: roleName })));
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
    const inlineNames: string[] = [];
    for await (const page of paginateListRolePolicies({ client: this.client }, { RoleName: roleName })) inlineNames.push(...(page.PolicyNames ?? []));
    const attachedPolicies: RoleDetails['attachedPolicies'] = [];
    for await (const page of paginateListAttachedRolePolicies({ client: this.client }, { RoleName: roleName })) {
      attachedPolicies.push(...(page.AttachedPolicies ?? []).map((policy) => ({ name: policy.PolicyName ?? '', arn: policy.PolicyArn ?? '' })));
    }
    const documents = await Promise.all(inlineNames.map(async (name) => [name, (await this.getRoleInlinePolicy(roleName, name)) ?? ''] as const));
    return {
      arn: role?.Arn ?? '',
      path: role?.Path,
      createDate: role?.CreateDate?.toISOString(),
      maxSessionDuration: role?.MaxSessionDuration,
      assumeRolePolicyDocument: role?.AssumeRolePolicyDocument === undefined ? undefined : decodeURIComponent(role.AssumeRolePolicyDocument),
      inlinePolicies: Object.fromEntries(documents),
      attachedPolicies,
    };
  }

  async putRoleInlinePolicy(roleName: string, policyName: string, document: string): Promise<void> {
    await this.client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
  }

  async deleteRoleInlinePolicy(roleName: string, policyName: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      return true;
    } catch (error) {
      if (isNoSuchEntity(error)) return false;
      throw error;
    }
  }

  async roleMaxSessionDuration(roleName: string): Promise<number> {
    const { Role } = await this.client.send(new GetRoleCommand({ RoleName: roleName }));
    // IAM's default when the role does not say: one hour.
    return Role?.MaxSessionDuration ?? 3600;
  }
}

/** IAM acting with the given credentials (a member account's role); the default chain when absent. */
export function sdkIam(credentials?: AwsCredentialIdentityProvider): SdkIam {
  // IAM is a global service: one client, in the partition's home region.
  return new SdkIam(new IAMClient({ region: 'us-east-1', credentials, ...RESOLVED_ONCE_CLIENT_DEFAULTS }));
}
