import type { Limiter } from './limiter';
import type { EksPort, IamPort } from './ports';
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
 * An EksPort whose cluster-wide lookups (Pod Identity associations, node group roles) are
 * shared for a short while: a burst of findings about one cluster looks them up once. Every
 * other call (one per incident, on the control plane) goes straight to `eks`.
 */
export function shareEksReads(eks: EksPort, options: { limiter?: Limiter; shareForMs?: number } = {}): EksPort {
  const reads = new SharedReads(options.shareForMs ?? SHARED_AWS_READ_MS);
  const limiter = options.limiter ?? unlimited;
  const shared: Pick<EksPort, 'listPodIdentityAssociations' | 'listNodegroupRoles'> = {
    listPodIdentityAssociations: (cluster, region) =>
      reads.read(`pod-identity/${region}/${cluster}`, () => limiter.run(() => eks.listPodIdentityAssociations(cluster, region))),
    listNodegroupRoles: (cluster, region) => reads.read(`nodegroups/${region}/${cluster}`, () => limiter.run(() => eks.listNodegroupRoles(cluster, region))),
  };
  return Object.assign(Object.create(eks) as EksPort, shared);
}
