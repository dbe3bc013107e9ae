import type { Limiter } from './limiter';
import type DataLoader from 'dataloader';
import type { Ec2Instance, Ec2Port, EksPort, IamPort } from './ports';
import { SharedReads } from './shared-reads';

/** How long an AWS read is reused, by concurrent invocations and by a read started ahead. */
export const SHARED_AWS_READ_MS = 2000;

const unlimited = { run: <T>(call: () => Promise<T>) => call() };

/**
 * An IamPort whose policy reads are shared for a short while (SharedReads): correlation can
 * start the read revoke-role-sessions will make as soon as a role is known, and a burst of
 * findings about one role reads its policy once. A put or delete always goes out and makes the
 * read stale. Calls go through `limiter` when given.
 */
export function shareIamReads(iam: IamPort, options: { limiter?: Limiter; shareForMs?: number } = {}): IamPort {
  const reads = new SharedReads(options.shareForMs ?? SHARED_AWS_READ_MS);
  const limiter = options.limiter ?? unlimited;
  const key = (roleName: string, policyName: string) => `${roleName}/${policyName}`;
  return {
    getRoleInlinePolicy: (roleName, policyName) => reads.read(key(roleName, policyName), () => limiter.run(() => iam.getRoleInlinePolicy(roleName, policyName))),
    // Evidence reads the role once per incident: nothing to share.
    describeRole: (roleName) => limiter.run(() => iam.describeRole(roleName)),
    async putRoleInlinePolicy(roleName, policyName, document) {
      reads.written([key(roleName, policyName)]);
      try {
        await limiter.run(() => iam.putRoleInlinePolicy(roleName, policyName, document));
      } finally {
        reads.written([key(roleName, policyName)]);
      }
    },
    async deleteRoleInlinePolicy(roleName, policyName) {
      reads.written([key(roleName, policyName)]);
      try {
        return await limiter.run(() => iam.deleteRoleInlinePolicy(roleName, policyName));
      } finally {
        reads.written([key(roleName, policyName)]);
      }
    },
    roleMaxSessionDuration: (roleName) => limiter.run(() => iam.roleMaxSessionDuration(roleName)),
  };
}

/**
 * How long a cluster's node group roles are reused. They only tell the report that a revoked
 * role is also a node role (a warning, never a decision), and change only when a node group is
 * created or replaced; two more round trips per incident (list, then describe each) buy nothing.
 */
export const NODEGROUP_ROLES_MS = 5 * 60 * 1000;

/**
 * How long a Pod Identity association's role is reused when it only says who else holds a role
 * (a warning). The roles of the affected pods' own associations decide what is revoked: those
 * are read for every incident. Without this, every incident would describe every association
 * in the cluster, one call each.
 */
export const POD_IDENTITY_ROLES_MS = 5 * 60 * 1000;

/**
 * An EksPort whose cluster-wide lookups are shared: the Pod Identity association list for a
 * short while (a burst of findings about one cluster lists them once; a new association must
 * not be missed for long), each association's role as its caller's freshness allows, node group
 * roles for minutes. Every other call (one per incident, on the control plane) goes straight to `eks`.
 */
export function shareEksReads(eks: EksPort, options: { limiter?: Limiter; shareForMs?: number; nodegroupRolesForMs?: number; podIdentityRolesForMs?: number; now?: () => number } = {}): EksPort {
  const reads = new SharedReads(options.shareForMs ?? SHARED_AWS_READ_MS, options.now);
  const nodegroupRoles = new SharedReads(options.nodegroupRolesForMs ?? NODEGROUP_ROLES_MS, options.now);
  const podIdentityRoles = new SharedReads(options.podIdentityRolesForMs ?? POD_IDENTITY_ROLES_MS, options.now);
  const limiter = options.limiter ?? unlimited;
  const shared: Pick<EksPort, 'listPodIdentityAssociations' | 'podIdentityRole' | 'listNodegroupRoles'> = {
    listPodIdentityAssociations: (cluster, region) =>
      reads.read(`pod-identity/${region}/${cluster}`, () => limiter.run(() => eks.listPodIdentityAssociations(cluster, region))),
    podIdentityRole(cluster, region, associationId, freshness) {
      const key = `pod-identity-role/${region}/${cluster}/${associationId}`;
      const describe = () => limiter.run(() => eks.podIdentityRole(cluster, region, associationId, freshness));
      if (freshness === 'recent') return podIdentityRoles.read(key, describe);
      const role = reads.read(key, describe);
      // A current answer serves later `recent` reads too.
      role.then((arn) => podIdentityRoles.answered(key, arn), () => undefined);
      return role;
    },
    listNodegroupRoles: (cluster, region) => nodegroupRoles.read(`${region}/${cluster}`, () => limiter.run(() => eks.listNodegroupRoles(cluster, region))),
  };
  return Object.assign(Object.create(eks) as EksPort, shared);
}

/** Instances per DescribeInstances: well under the API's limit, so one answer stays small. */
const MAX_INSTANCES_PER_DESCRIBE = 100;

/**
 * An Ec2Port whose instance reads (the instance, its termination settings) are shared for a
 * short while: correlation can start the reads protect-instance makes as soon as a node is
 * known, and a burst about one node reads its instance once. Every change goes out and makes
 * the instance's reads stale.
 */
export function shareEc2Reads(ec2: Ec2Port, options: { shareForMs?: number } = {}): Ec2Port {
  const reads = new SharedReads(options.shareForMs ?? SHARED_AWS_READ_MS);
  // Instances asked for together (a controller's nodes, read ahead in one loop) go out as one
  // DescribeInstances; answers are shared by `reads`, so the loader keeps none of its own. The
  // loader's module loads with the first instance read, not at module init.
  const batches = new Map<string, Promise<DataLoader<string, Ec2Instance | undefined>>>();
  const batchOf = (region: string) => {
    const batch =
      batches.get(region) ??
      import('dataloader').then(({ default: Loader }) => new Loader((ids: readonly string[]) => ec2.describeInstances(region, [...ids]), { cache: false, maxBatchSize: MAX_INSTANCES_PER_DESCRIBE }));
    batches.set(region, batch);
    return batch;
  };
  const keys = (region: string, id: string) => [`instance/${region}/${id}`, `termination/${region}/${id}`];
  const changing = async <T>(region: string, id: string, change: () => Promise<T>): Promise<T> => {
    reads.written(keys(region, id));
    try {
      return await change();
    } finally {
      reads.written(keys(region, id));
    }
  };
  const shared: Partial<Ec2Port> = {
    describeInstance: (region, id) => reads.read(`instance/${region}/${id}`, async () => (await batchOf(region)).load(id)),
    terminationSettings: (region, id) => reads.read(`termination/${region}/${id}`, () => ec2.terminationSettings(region, id)),
    changeTerminationSettings: (region, id, change) => changing(region, id, () => ec2.changeTerminationSettings(region, id, change)),
    tag: (region, id, tags) => changing(region, id, () => ec2.tag(region, id, tags)),
    untag: (region, id, tagKeys) => changing(region, id, () => ec2.untag(region, id, tagKeys)),
  };
  return Object.assign(Object.create(ec2) as Ec2Port, shared);
}
