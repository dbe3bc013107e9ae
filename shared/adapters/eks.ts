import {
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  paginateListAssociatedAccessPolicies,
  paginateListNodegroups,
  paginateListPodIdentityAssociations,
  UpdateClusterConfigCommand,
  type LogType,
} from '@aws-sdk/client-eks';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ActionFailedError } from '../errors';
import { RegionalClients, SDK_CLIENT_DEFAULTS } from './aws';
import type { AccessEntry, ClusterSettings, EksPort, EndpointAccess, PodIdentityAssociationSummary } from './ports';

/** One EKS client per region, acting with the given credentials (a member account's role); the default chain when absent. */
export function eksClients(credentials?: AwsCredentialIdentityProvider): RegionalClients<EKSClient> {
  return new RegionalClients((region) => new EKSClient({ region, credentials, ...SDK_CLIENT_DEFAULTS }));
}

const isNotFound = (error: unknown): boolean => (error as Error)?.name === 'ResourceNotFoundException';

function goneIsFalse(error: unknown): false {
  if (isNotFound(error)) return false;
  throw error;
}

/**
 * EKS accepts one configuration update at a time; the change that triggered us may still be
 * rolling out. That is worth a retry later, not a permanent failure.
 */
function updateInProgress(cluster: string, error: unknown): never {
  if ((error as Error)?.name === 'ResourceInUseException') {
    throw new ActionFailedError(`cluster ${cluster} has an update in progress; try again once it completes`, { cause: error, retryable: true });
  }
  throw error;
}

export class SdkEks implements EksPort {
  constructor(private readonly clients: RegionalClients<EKSClient>) {}

  async listPodIdentityAssociations(cluster: string, region: string): Promise<PodIdentityAssociationSummary[]> {
    const summaries: PodIdentityAssociationSummary[] = [];
    for await (const page of paginateListPodIdentityAssociations({ client: this.clients.get(region) }, { clusterName: cluster })) {
      for (const summary of page.associations ?? []) {
        if (summary.associationId) summaries.push({ associationId: summary.associationId, namespace: summary.namespace ?? '', serviceAccount: summary.serviceAccount ?? '' });
      }
    }
    return summaries;
  }

  // Always read: how old an answer may be is for the caller's cache (shared-aws-reads.ts) to decide.
  async podIdentityRole(cluster: string, region: string, associationId: string): Promise<string> {
    const { association } = await this.clients.get(region).send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId }));
    return association?.roleArn ?? '';
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

  async describeClusterSettings(cluster: string, region: string): Promise<ClusterSettings | undefined> {
    try {
      const { cluster: description } = await this.clients.get(region).send(new DescribeClusterCommand({ name: cluster }));
      const vpc = description?.resourcesVpcConfig;
      return {
        status: description?.status,
        endpointPublicAccess: vpc?.endpointPublicAccess === true,
        endpointPrivateAccess: vpc?.endpointPrivateAccess === true,
        publicAccessCidrs: vpc?.publicAccessCidrs ?? [],
        enabledLogTypes: (description?.logging?.clusterLogging ?? []).filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []),
        authenticationMode: description?.accessConfig?.authenticationMode,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async updateEndpointAccess(cluster: string, region: string, access: EndpointAccess): Promise<string> {
    const result = await this.clients
      .get(region)
      .send(new UpdateClusterConfigCommand({ name: cluster, resourcesVpcConfig: access }))
      .catch((error: unknown) => updateInProgress(cluster, error));
    return result.update?.id ?? '';
  }

  async enableLogTypes(cluster: string, region: string, types: string[]): Promise<string> {
    const result = await this.clients
      .get(region)
      .send(new UpdateClusterConfigCommand({ name: cluster, logging: { clusterLogging: [{ types: types as LogType[], enabled: true }] } }))
      .catch((error: unknown) => updateInProgress(cluster, error));
    return result.update?.id ?? '';
  }

  async readAccessEntry(cluster: string, region: string, principalArn: string): Promise<AccessEntry | undefined> {
    const client = this.clients.get(region);
    try {
      const [{ accessEntry }, policies] = await Promise.all([
        client.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn })),
        (async () => {
          const all = [];
          for await (const page of paginateListAssociatedAccessPolicies({ client }, { clusterName: cluster, principalArn })) all.push(...(page.associatedAccessPolicies ?? []));
          return all;
        })(),
      ]);
      return {
        principalArn,
        type: accessEntry?.type,
        username: accessEntry?.username,
        kubernetesGroups: accessEntry?.kubernetesGroups ?? [],
        policies: policies.map((policy) => ({
          policyArn: policy.policyArn ?? '',
          accessScope: { type: policy.accessScope?.type, namespaces: policy.accessScope?.namespaces ?? [] },
        })),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async disassociateAccessPolicy(cluster: string, region: string, principalArn: string, policyArn: string): Promise<boolean> {
    return this.clients
      .get(region)
      .send(new DisassociateAccessPolicyCommand({ clusterName: cluster, principalArn, policyArn }))
      .then(() => true, goneIsFalse);
  }

  async deleteAccessEntry(cluster: string, region: string, principalArn: string): Promise<boolean> {
    return this.clients
      .get(region)
      .send(new DeleteAccessEntryCommand({ clusterName: cluster, principalArn }))
      .then(() => true, goneIsFalse);
  }
}
