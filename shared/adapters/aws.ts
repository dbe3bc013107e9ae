import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { IamPort, NotificationMessage, RoleDetails, SnsPort } from './ports';

const isNoSuchEntity = (error: unknown): boolean => (error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity';

/** The SDK's standard retry mode already backs off with jitter on throttling and 5xx; we allow more attempts. */
export const SDK_CLIENT_DEFAULTS = { maxAttempts: 5 } as const;

/** One client per region per cold start, reused by every warm invocation. */
export class RegionalClients<T> {
  private readonly clients = new Map<string, T>();
  constructor(private readonly create: (region: string) => T) {}
  get(region: string): T {
    let client = this.clients.get(region);
    if (!client) {
      client = this.create(region);
      this.clients.set(region, client);
    }
    return client;
  }
}

export class SdkIam implements IamPort {
  // IAM is a global service: one client, in the partition's home region.
  constructor(private readonly client: IAMClient = new IAMClient({ region: 'us-east-1', ...SDK_CLIENT_DEFAULTS })) {}

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
      if ((error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity') return false;
      throw error;
    }
  }

  async roleMaxSessionDuration(roleName: string): Promise<number> {
    const { Role } = await this.client.send(new GetRoleCommand({ RoleName: roleName }));
    // IAM's default when the role does not say: one hour.
    return Role?.MaxSessionDuration ?? 3600;
  }
}

export class SdkSns implements SnsPort {
  constructor(private readonly clients: RegionalClients<SNSClient> = new RegionalClients((region) => new SNSClient({ region, ...SDK_CLIENT_DEFAULTS }))) {}

  async publish(topicArn: string, message: NotificationMessage): Promise<string> {
    // A topic lives in the region its ARN names.
    const region = topicArn.split(':')[3];
    const result = await this.clients.get(region).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [
            name,
            typeof value === 'number' ? { DataType: 'Number', StringValue: String(value) } : { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
    return result.MessageId ?? '';
  }
}
