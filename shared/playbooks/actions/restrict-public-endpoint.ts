import type { EndpointAccess } from '../../adapters/ports';
import { cidrWithin } from '../../policy/cidr';
import type { Action } from '../action';
import { controlPlaneTargets, type ControlPlaneTarget } from './control-plane-targets';

const list = (cidrs: string[]) => cidrs.join(', ') || 'no CIDR';

/**
 * Closes a cluster endpoint someone opened: limits public access to ALLOWED_PUBLIC_CIDRS, or,
 * when none are configured, turns public access off and private access on.
 */
export const restrictPublicEndpoint: Action<ControlPlaneTarget<'public-endpoint'>, { cluster: string; region: string; access: EndpointAccess }> = {
  name: 'restrict-public-endpoint',
  description: 'Limit the public cluster endpoint to ALLOWED_PUBLIC_CIDRS, or make it private when none are configured (UpdateClusterConfig)',
  kind: 'containment',
  planReadsAws: true,
  correlation: 'none',
  permissions: { kubernetes: [], iam: ['eks:DescribeCluster', 'eks:UpdateClusterConfig'] },
  noTargetReason: 'the call did not open the public endpoint',
  targetsOf: (context) => controlPlaneTargets(context, ['public-endpoint']),
  describe: (target) => `cluster ${target.cluster} endpoint`,

  async plan(context, { cluster, region }) {
    const settings = await context.adapters.eks.describeClusterSettings(cluster, region);
    if (!settings) return { skip: `cluster ${cluster} no longer exists` };
    if (!settings.endpointPublicAccess) return { skip: 'already private: public endpoint access is off' };
    const allowed = context.config.allowedPublicCidrs;
    const before = { endpointPublicAccess: true, endpointPrivateAccess: settings.endpointPrivateAccess, publicAccessCidrs: settings.publicAccessCidrs };
    if (allowed.length) {
      if (settings.publicAccessCidrs.every((cidr) => cidrWithin(cidr, allowed))) return { skip: `already restricted to ${list(settings.publicAccessCidrs)}` };
      return {
        summary: `limit public access to the endpoint of cluster ${cluster} to ${list(allowed)} (now ${list(settings.publicAccessCidrs)})`,
        change: { cluster, region, access: { endpointPublicAccess: true, endpointPrivateAccess: settings.endpointPrivateAccess, publicAccessCidrs: allowed } },
        before,
      };
    }
    return {
      summary:
        `make the endpoint of cluster ${cluster} private (public access from ${list(settings.publicAccessCidrs)} off, private access on); ` +
        'warning: clients outside the VPC lose access, this responder included unless it runs in the VPC; set ALLOWED_PUBLIC_CIDRS to keep a public allow list',
      change: { cluster, region, access: { endpointPublicAccess: false, endpointPrivateAccess: true } },
      before,
    };
  },

  async apply(context, _target, { cluster, region, access }) {
    const updateId = await context.adapters.eks.updateEndpointAccess(cluster, region, access);
    const now = access.endpointPublicAccess ? `public access limited to ${list(access.publicAccessCidrs ?? [])}` : 'endpoint private';
    return { status: 'done', detail: `UpdateClusterConfig started (update ${updateId}): ${now} once EKS applies it` };
  },
};
