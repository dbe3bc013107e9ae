import type { IamPort } from './ports';
import { SharedReads } from './shared-reads';

/** How long an inline policy read is reused, by concurrent invocations and by a read started ahead. */
export const SHARED_IAM_READ_MS = 2000;

/**
 * An IamPort whose policy reads are shared for a short while (SharedReads): correlation can
 * start the read revoke-role-sessions will make as soon as a role is known, and a burst of
 * findings about one role reads its policy once. A put or delete always goes out and makes the read stale.
 */
export function shareIamReads(iam: IamPort, shareForMs = SHARED_IAM_READ_MS): IamPort {
  const reads = new SharedReads(shareForMs);
  const key = (roleName: string, policyName: string) => `${roleName}/${policyName}`;
  return {
    getRoleInlinePolicy: (roleName, policyName) => reads.read(key(roleName, policyName), () => iam.getRoleInlinePolicy(roleName, policyName)),
    // Evidence reads the role once per incident: nothing to share.
    describeRole: (roleName) => iam.describeRole(roleName),
    async putRoleInlinePolicy(roleName, policyName, document) {
      reads.written([key(roleName, policyName)]);
      try {
        await iam.putRoleInlinePolicy(roleName, policyName, document);
      } finally {
        reads.written([key(roleName, policyName)]);
      }
    },
    async deleteRoleInlinePolicy(roleName, policyName) {
      reads.written([key(roleName, policyName)]);
      try {
        return await iam.deleteRoleInlinePolicy(roleName, policyName);
      } finally {
        reads.written([key(roleName, policyName)]);
      }
    },
    roleMaxSessionDuration: (roleName) => iam.roleMaxSessionDuration(roleName),
  };
}
