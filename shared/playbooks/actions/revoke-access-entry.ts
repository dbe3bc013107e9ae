import { isAdminAccessPolicy } from '../../sources/cloudtrail';
import type { Action } from '../action';
import { controlPlaneTargets, type ControlPlaneTarget } from './control-plane-targets';

type Revocation = { cluster: string; region: string; principalArn: string } & ({ op: 'disassociate'; policyArn: string } | { op: 'delete' });

const policyName = (policyArn: string) => policyArn.split('/').pop() ?? policyArn;

/**
 * Takes back cluster-admin access granted to a principal outside ADMIN_PRINCIPAL_ALLOW_LIST:
 * after AssociateAccessPolicy, the admin policy is disassociated (the entry stays, it may
 * predate the grant); after CreateAccessEntry, the entry that call created is deleted, but
 * only once it holds an admin policy.
 */
export const revokeAccessEntry: Action<ControlPlaneTarget<'admin-access' | 'access-entry-created'>, Revocation> = {
  name: 'revoke-access-entry',
  description: 'Disassociate an admin access policy from a principal, or delete the access entry just created for it (EKS access entries)',
  kind: 'containment',
  planReadsAws: true,
  correlation: 'none',
  permissions: {
    kubernetes: [],
    iam: ['eks:DescribeAccessEntry', 'eks:ListAssociatedAccessPolicies', 'eks:DisassociateAccessPolicy', 'eks:DeleteAccessEntry'],
  },
  noTargetReason: 'the call granted no admin access',
  targetsOf: (context) => controlPlaneTargets(context, ['admin-access', 'access-entry-created']),
  describe: (target) => `access entry ${target.risk.principalArn} on cluster ${target.cluster}`,

  async plan(context, { cluster, region, risk }) {
    const { principalArn } = risk;
    const entry = await context.adapters.eks.readAccessEntry(cluster, region, principalArn);
    if (!entry) return { skip: `no access entry for ${principalArn} any more` };
    if (risk.kind === 'admin-access') {
      const association = entry.policies.find((policy) => policy.policyArn === risk.policyArn);
      if (!association) return { skip: `already revoked: ${policyName(risk.policyArn)} is not associated with ${principalArn}` };
      return {
        summary: `disassociate ${policyName(risk.policyArn)} from ${principalArn} on cluster ${cluster}`,
        change: { cluster, region, principalArn, op: 'disassociate', policyArn: risk.policyArn },
        before: { principalArn, policyArn: association.policyArn, accessScope: association.accessScope },
      };
    }
    const admin = entry.policies.filter((policy) => isAdminAccessPolicy(policy.policyArn, policy.accessScope.type));
    if (admin.length === 0) return { skip: `the access entry of ${principalArn} holds no admin access policy; left in place` };
    return {
      summary: `delete the access entry of ${principalArn} created by this call (it holds ${admin.map((policy) => policyName(policy.policyArn)).join(', ')}) on cluster ${cluster}`,
      change: { cluster, region, principalArn, op: 'delete' },
      before: entry,
    };
  },

  async apply(context, _target, change) {
    const { eks } = context.adapters;
    // Someone (or a parallel delivery of the event) may have got there first.
    if (change.op === 'disassociate') {
      const removed = await eks.disassociateAccessPolicy(change.cluster, change.region, change.principalArn, change.policyArn);
      return removed
        ? { status: 'done', detail: `${policyName(change.policyArn)} disassociated from ${change.principalArn}` }
        : { status: 'skipped', detail: `already revoked: ${policyName(change.policyArn)} was no longer associated` };
    }
    const deleted = await eks.deleteAccessEntry(change.cluster, change.region, change.principalArn);
    return deleted ? { status: 'done', detail: `access entry of ${change.principalArn} deleted` } : { status: 'skipped', detail: 'already revoked: the access entry was gone' };
  },
};
