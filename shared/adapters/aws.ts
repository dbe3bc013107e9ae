import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  paginateListNodegroups,
  paginateListPodIdentityAssociations,
} from '@aws-sdk/client-eks';
import { DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { EksPort, IamPort, NotificationMessage, PodIdentityAssociation, SnsPort } from './ports';

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

export function eksClients(): RegionalClients<EKSClient> {
  return new RegionalClients((region) => new EKSClient({ region, ...SDK_CLIENT_DEFAULTS }));
}

export class SdkEks implements EksPort {
  constructor(private readonly clients: RegionalClients<EKSClient>) {}

  async listPodIdentityAssociations(cluster: string, region: string): Promise<PodIdentityAssociation[]> {
    const client = this.clients.get(region);
    const summaries = [];
    for await (const page of paginateListPodIdentityAssociations({ client }, { clusterName: cluster })) {
      summaries.push(...(page.associations ?? []));
    }
    // The list omits the role; each association is described, in parallel.
    return Promise.all(
      summaries.map(async (summary) => {
        const { association } = await client.send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId: summary.associationId }));
        return { namespace: summary.namespace ?? '', serviceAccount: summary.serviceAccount ?? '', roleArn: association?.roleArn ?? '' };
      }),
    );
  }

  async listNodegroupRoles(cluster: string, region: string): Promise<string[]> {
    const client = this.clients.get(region);
    const names: string[] = [];
    for await (const page of paginateListNodegroups({ client }, { clusterName: cluster })) names.push(...(page.nodegroups ?? []));
    const described = await Promise.all(names.map((nodegroupName) => client.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName }))));
    return described.map((result) => result.nodegroup?.nodeRole).filter((role): role is string => Boolean(role));
  }

  async clusterTags(cluster: string, region: string): Promise<Record<string, string>> {
    const { cluster: described } = await this.clients.get(region).send(new DescribeClusterCommand({ name: cluster }));
    return { ...(described?.tags ?? {}) };
  }
}

// Referenced so bundlers keep the command classes the paginators use.
void ListNodegroupsCommand;
void ListPodIdentityAssociationsCommand;

export class SdkIam implements IamPort {
  // IAM is a global service: one client, in the partition's home region.
  constructor(private readonly client: IAMClient = new IAMClient({ region: 'us-east-1', ...SDK_CLIENT_DEFAULTS })) {}

  async getRoleInlinePolicy(roleName: string, policyName: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      // IAM returns policy documents URL-encoded.
      return result.PolicyDocument === undefined ? undefined : decodeURIComponent(result.PolicyDocument);
    } catch (error) {
      if ((error as Error).name === 'NoSuchEntityException' || (error as Error).name === 'NoSuchEntity') return undefined;
      throw error;
    }
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
