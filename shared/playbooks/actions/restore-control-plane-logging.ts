import type { Action } from '../action';
import { controlPlaneTargets, type ControlPlaneTarget } from './control-plane-targets';

/** Turns back on the control-plane log types a call turned off, so the audit trail resumes. */
export const restoreControlPlaneLogging: Action<ControlPlaneTarget<'logging-disabled'>, { cluster: string; region: string; types: string[] }> = {
  name: 'restore-control-plane-logging',
  description: 'Enable again the control-plane log types (api, audit, authenticator) a call disabled (UpdateClusterConfig)',
  kind: 'containment',
  planReadsAws: true,
  correlation: 'none',
  permissions: { kubernetes: [], iam: ['eks:DescribeCluster', 'eks:UpdateClusterConfig'] },
  noTargetReason: 'the call did not turn off control-plane logging',
  targetsOf: (context) => controlPlaneTargets(context, ['logging-disabled']),
  describe: (target) => `cluster ${target.cluster} logging`,

  async plan(context, { cluster, region, risk }) {
    const settings = await context.adapters.eks.describeClusterSettings(cluster, region);
    if (!settings) return { skip: `cluster ${cluster} no longer exists` };
    const missing = risk.types.filter((type) => !settings.enabledLogTypes.includes(type));
    if (missing.length === 0) return { skip: `already enabled: ${risk.types.join(', ')}` };
    return {
      summary: `turn control-plane logging back on for ${missing.join(', ')} on cluster ${cluster}`,
      change: { cluster, region, types: missing },
      before: { enabledLogTypes: settings.enabledLogTypes },
    };
  },

  async apply(context, _target, { cluster, region, types }) {
    const updateId = await context.adapters.eks.enableLogTypes(cluster, region, types);
    return { status: 'done', detail: `UpdateClusterConfig started (update ${updateId}): logging on for ${types.join(', ')} once EKS applies it` };
  },
};
