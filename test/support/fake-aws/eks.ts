/**
 * Amazon EKS (REST-JSON). Paths and member names follow the operation schemas in
 * @aws-sdk/client-eks (dist-es/schemas/schemas_0.js).
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type RestRoute } from './protocol';
import { LOG_TYPES, type AccessEntryState, type ClusterState, type ClusterUpdateState, type FakeAwsState, type NodegroupState, type PodIdentityAssociationState, type VpcConfig } from './state';

type Params = Record<string, unknown>;

function str(params: Params, name: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : '';
}

function findCluster(state: FakeAwsState, name: string): ClusterState {
  const cluster = state.clusters.get(name);
  if (!cluster) throw new AwsError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`, { clusterName: name });
  return cluster;
}

function findAccessEntry(cluster: ClusterState, principalArn: string): AccessEntryState {
  const entry = cluster.accessEntries.get(principalArn);
  if (!entry) {
    throw new AwsError(
      404,
      'ResourceNotFoundException',
      `The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.`,
      { clusterName: cluster.name },
    );
  }
  return entry;
}

function clusterView(c: ClusterState) {
  return {
    name: c.name,
    arn: c.arn,
    createdAt: c.createdAt,
    version: c.version,
    endpoint: c.endpoint,
    roleArn: c.roleArn,
    resourcesVpcConfig: { ...c.resourcesVpcConfig },
    status: c.status,
    certificateAuthority: { data: c.caData },
    platformVersion: c.platformVersion,
    tags: { ...c.tags },
    accessConfig: { ...c.accessConfig },
    logging: loggingView(c),
  };
}

/** As EKS shows it: one entry for the enabled types, one for the disabled ones. */
function loggingView(c: ClusterState) {
  const enabled = LOG_TYPES.filter((type) => c.enabledLogTypes.has(type));
  const disabled = LOG_TYPES.filter((type) => !c.enabledLogTypes.has(type));
  return {
    clusterLogging: [
      ...(enabled.length ? [{ types: enabled, enabled: true }] : []),
      ...(disabled.length ? [{ types: disabled, enabled: false }] : []),
    ],
  };
}

function applyLogging(cluster: ClusterState, logging: unknown): void {
  const setups = ((logging as { clusterLogging?: { types?: string[]; enabled?: boolean }[] })?.clusterLogging ?? []);
  const next = new Set(cluster.enabledLogTypes);
  for (const setup of setups) {
    for (const type of setup.types ?? []) {
      if (!(LOG_TYPES as readonly string[]).includes(type)) throw new AwsError(400, 'InvalidParameterException', `Unknown log type ${type}.`, { clusterName: cluster.name });
      if (setup.enabled) next.add(type);
      else next.delete(type);
    }
  }
  if (next.size === cluster.enabledLogTypes.size && [...next].every((type) => cluster.enabledLogTypes.has(type))) {
    throw new AwsError(400, 'InvalidParameterException', 'No changes needed for the logging config provided', { clusterName: cluster.name });
  }
  cluster.enabledLogTypes = next;
}

function nodegroupView(n: NodegroupState) {
  return { ...n };
}

function associationView(a: PodIdentityAssociationState) {
  return { ...a, modifiedAt: a.createdAt, tags: {} };
}

function accessEntryView(e: AccessEntryState) {
  return {
    clusterName: e.clusterName,
    principalArn: e.principalArn,
    accessEntryArn: e.accessEntryArn,
    kubernetesGroups: [...e.kubernetesGroups],
    username: e.username,
    type: e.type,
    tags: { ...e.tags },
    createdAt: e.createdAt,
    modifiedAt: e.createdAt,
  };
}

/**
 * Applies an UpdateClusterConfig request at once (real EKS applies it asynchronously; the returned
 * update says InProgress, DescribeUpdate then reports Successful). Like EKS, a request that would
 * change nothing fails with InvalidParameterException.
 */
function updateClusterConfig(state: FakeAwsState, params: Params): unknown {
  const cluster = findCluster(state, str(params, 'name'));
  const updateParams: { type: string; value: string }[] = [];
  let type = 'ConfigUpdate';

  const vpc = params.resourcesVpcConfig as Partial<VpcConfig> | undefined;
  if (vpc) {
    type = 'EndpointAccessUpdate';
    const current = cluster.resourcesVpcConfig;
    const next: VpcConfig = { ...current };
    if (vpc.endpointPublicAccess !== undefined) next.endpointPublicAccess = vpc.endpointPublicAccess;
    if (vpc.endpointPrivateAccess !== undefined) next.endpointPrivateAccess = vpc.endpointPrivateAccess;
    if (vpc.publicAccessCidrs !== undefined) next.publicAccessCidrs = [...vpc.publicAccessCidrs];
    const unchanged =
      next.endpointPublicAccess === current.endpointPublicAccess &&
      next.endpointPrivateAccess === current.endpointPrivateAccess &&
      JSON.stringify(next.publicAccessCidrs) === JSON.stringify(current.publicAccessCidrs);
    if (unchanged) {
      throw new AwsError(
        400,
        'InvalidParameterException',
        `Cluster is already at the desired configuration with endpointPrivateAccess: ${current.endpointPrivateAccess} , ` +
          `endpointPublicAccess: ${current.endpointPublicAccess}, and Public Endpoint Restrictions: [${current.publicAccessCidrs.join(', ')}]`,
        { clusterName: cluster.name },
      );
    }
    updateParams.push(
      { type: 'EndpointPublicAccess', value: String(next.endpointPublicAccess) },
      { type: 'EndpointPrivateAccess', value: String(next.endpointPrivateAccess) },
      { type: 'PublicAccessCidrs', value: JSON.stringify(next.publicAccessCidrs) },
    );
    cluster.resourcesVpcConfig = next;
  }

  const accessConfig = params.accessConfig as { authenticationMode?: string } | undefined;
  if (accessConfig?.authenticationMode) {
    type = vpc ? 'ConfigUpdate' : 'AccessConfigUpdate';
    updateParams.push({ type: 'AuthenticationMode', value: accessConfig.authenticationMode });
    cluster.accessConfig = { ...cluster.accessConfig, authenticationMode: accessConfig.authenticationMode };
  }

  if (params.logging !== undefined) {
    type = vpc || accessConfig ? 'ConfigUpdate' : 'LoggingUpdate';
    applyLogging(cluster, params.logging);
    updateParams.push({ type: 'ClusterLogging', value: JSON.stringify(params.logging) });
  }

  const update: ClusterUpdateState = { id: randomUUID(), status: 'Successful', type, params: updateParams, createdAt: new Date(), errors: [] };
  cluster.updates.push(update);
  return { update: { ...update, status: 'InProgress' } };
}

export const eksRoutes: RestRoute<FakeAwsState>[] = [
  {
    method: 'GET',
    path: '/clusters',
    operation: 'ListClusters',
    kind: 'read',
    handle: (_p, state) => ({ clusters: [...state.clusters.keys()] }),
  },
  {
    method: 'GET',
    path: '/clusters/{name}',
    operation: 'DescribeCluster',
    kind: 'read',
    handle: (p, state) => ({ cluster: clusterView(findCluster(state, str(p, 'name'))) }),
  },
  {
    method: 'POST',
    path: '/clusters/{name}/update-config',
    operation: 'UpdateClusterConfig',
    kind: 'write',
    handle: (p, state) => updateClusterConfig(state, p),
  },
  {
    method: 'GET',
    path: '/clusters/{name}/updates/{updateId}',
    operation: 'DescribeUpdate',
    kind: 'read',
    handle: (p, state) => {
      const update = findCluster(state, str(p, 'name')).updates.find((u) => u.id === str(p, 'updateId'));
      if (!update) throw new AwsError(404, 'ResourceNotFoundException', `No update found for ID: ${str(p, 'updateId')}.`);
      return { update };
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/pod-identity-associations',
    operation: 'ListPodIdentityAssociations',
    kind: 'read',
    handle: (p, state) => {
      const cluster = findCluster(state, str(p, 'clusterName'));
      const associations = cluster.podIdentityAssociations
        .filter((a) => p.namespace === undefined || a.namespace === p.namespace)
        .filter((a) => p.serviceAccount === undefined || a.serviceAccount === p.serviceAccount)
        .map(({ clusterName, namespace, serviceAccount, associationArn, associationId }) => ({
          clusterName,
          namespace,
          serviceAccount,
          associationArn,
          associationId,
        }));
      return { associations };
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/pod-identity-associations/{associationId}',
    operation: 'DescribePodIdentityAssociation',
    kind: 'read',
    handle: (p, state) => {
      const cluster = findCluster(state, str(p, 'clusterName'));
      const association = cluster.podIdentityAssociations.find((a) => a.associationId === str(p, 'associationId'));
      if (!association) {
        throw new AwsError(404, 'ResourceNotFoundException', `Pod Identity Association ${str(p, 'associationId')} not found.`, {
          clusterName: cluster.name,
        });
      }
      return { association: associationView(association) };
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/node-groups',
    operation: 'ListNodegroups',
    kind: 'read',
    handle: (p, state) => ({ nodegroups: [...findCluster(state, str(p, 'clusterName')).nodegroups.keys()] }),
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/node-groups/{nodegroupName}',
    operation: 'DescribeNodegroup',
    kind: 'read',
    handle: (p, state) => {
      const cluster = findCluster(state, str(p, 'clusterName'));
      const nodegroup = cluster.nodegroups.get(str(p, 'nodegroupName'));
      if (!nodegroup) {
        throw new AwsError(404, 'ResourceNotFoundException', `No node group found for name: ${str(p, 'nodegroupName')}.`, {
          clusterName: cluster.name,
          nodegroupName: str(p, 'nodegroupName'),
        });
      }
      return { nodegroup: nodegroupView(nodegroup) };
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/access-entries',
    operation: 'ListAccessEntries',
    kind: 'read',
    handle: (p, state) => {
      const entries = [...findCluster(state, str(p, 'clusterName')).accessEntries.values()];
      const policy = p.associatedPolicyArn;
      return {
        accessEntries: entries.filter((e) => typeof policy !== 'string' || e.policies.has(policy)).map((e) => e.principalArn),
      };
    },
  },
  {
    method: 'POST',
    path: '/clusters/{clusterName}/access-entries',
    operation: 'CreateAccessEntry',
    kind: 'write',
    handle: (p, state) => {
      const cluster = findCluster(state, str(p, 'clusterName'));
      const principalArn = str(p, 'principalArn');
      if (cluster.accessEntries.has(principalArn)) {
        throw new AwsError(409, 'ResourceInUseException', 'The specified access entry resource is already in use on this cluster.', {
          clusterName: cluster.name,
        });
      }
      const entry = state.addAccessEntry(cluster.name, principalArn, {
        kubernetesGroups: p.kubernetesGroups as string[] | undefined,
        username: p.username as string | undefined,
        type: p.type as string | undefined,
        tags: p.tags as Record<string, string> | undefined,
      });
      return { accessEntry: accessEntryView(entry) };
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/access-entries/{principalArn}',
    operation: 'DescribeAccessEntry',
    kind: 'read',
    handle: (p, state) => ({
      accessEntry: accessEntryView(findAccessEntry(findCluster(state, str(p, 'clusterName')), str(p, 'principalArn'))),
    }),
  },
  {
    method: 'DELETE',
    path: '/clusters/{clusterName}/access-entries/{principalArn}',
    operation: 'DeleteAccessEntry',
    kind: 'write',
    handle: (p, state) => {
      const cluster = findCluster(state, str(p, 'clusterName'));
      findAccessEntry(cluster, str(p, 'principalArn'));
      cluster.accessEntries.delete(str(p, 'principalArn'));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/clusters/{clusterName}/access-entries/{principalArn}/access-policies',
    operation: 'ListAssociatedAccessPolicies',
    kind: 'read',
    handle: (p, state) => {
      const entry = findAccessEntry(findCluster(state, str(p, 'clusterName')), str(p, 'principalArn'));
      return {
        clusterName: entry.clusterName,
        principalArn: entry.principalArn,
        associatedAccessPolicies: [...entry.policies].map((policyArn) => ({
          policyArn,
          accessScope: { type: 'cluster', namespaces: [] },
          associatedAt: entry.createdAt,
          modifiedAt: entry.createdAt,
        })),
      };
    },
  },
  {
    method: 'DELETE',
    path: '/clusters/{clusterName}/access-entries/{principalArn}/access-policies/{policyArn}',
    operation: 'DisassociateAccessPolicy',
    kind: 'write',
    handle: (p, state) => {
      const entry = findAccessEntry(findCluster(state, str(p, 'clusterName')), str(p, 'principalArn'));
      if (!entry.policies.delete(str(p, 'policyArn'))) {
        throw new AwsError(404, 'ResourceNotFoundException', `The access policy ${str(p, 'policyArn')} is not associated with this access entry.`, {
          clusterName: entry.clusterName,
        });
      }
      return {};
    },
  },
];
