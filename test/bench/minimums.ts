// The fewest API calls each measured run needs, item by item, so the gap to the measured count
// is visible. A call is in the minimum when the action's safety check or the report needs its
// answer; calls that only make things faster or more convenient are not.
import type { PlaybookName } from '../../shared/playbooks/registry';

export type Level = 'pod' | 'deployment';

/** Reads that find the targets and their role (shared-role warnings included: the README promises them). */
const TARGETS: Record<Level, string[]> = {
  pod: ['read the pod (labels, node, service account)'],
  deployment: [
    'read the Deployment (selector)',
    'list its pods by selector',
    'read the ReplicaSet that owns them (ownership check)',
  ],
};

const NODES: Record<Level, number> = { pod: 1, deployment: 2 };
const PODS: Record<Level, number> = { pod: 1, deployment: 3 };

const times = (count: number, item: string): string[] => Array.from({ length: count }, () => item);

const ROLE = ['list service accounts (the IRSA role, and who else uses it)', 'list Pod Identity associations'];

function isolation(level: Level): string[] {
  return [
    'list NetworkPolicies in the namespace',
    'create the quarantine NetworkPolicy',
    ...times(PODS[level], 'patch a pod (quarantine label)'),
    // argocd has a policy that selects every pod: it must be narrowed. web has none.
    ...(level === 'pod' ? ['narrow the namespace-wide policy'] : []),
  ];
}

function cordon(level: Level): string[] {
  return [...times(NODES[level], 'read a node (cordoned by someone else?)'), ...times(NODES[level], 'patch a node')];
}

const REVOKE = ['GetRolePolicy (already revoked since the finding?)', 'PutRolePolicy'];
const NOTIFY = ['SNS Publish', 'Slack webhook post'];
/**
 * Only on the first invocation of an execution environment: the cluster and the webhook, and
 * what only says who else holds a role (the other service accounts' association, the node
 * groups'), which may be minutes old.
 */
export const COLD_ONLY = [
  'DescribeCluster (endpoint, CA)',
  'GetSecretValue (Slack webhook URL)',
  'describe the one association (its role; not the affected pods\')',
  'list node groups',
  'describe the one node group (its role)',
];

/** What a playbook run on a pod-level or Deployment-level finding needs at least, on a warm handler. */
export function minimumCalls(playbook: PlaybookName, level: Level): string[] {
  const report = [...TARGETS[level]];
  switch (playbook) {
    case 'quarantine':
      return [...report, ...ROLE, ...isolation(level), ...cordon(level), ...REVOKE, ...NOTIFY];
    case 'isolate-pod':
      return [...report, ...isolation(level), ...NOTIFY];
    case 'cordon-node':
      return [...report, ...cordon(level), ...NOTIFY];
    case 'revoke-role-sessions':
      return [...report, ...ROLE, ...REVOKE, ...NOTIFY];
    case 'notify':
      // The report names the pods' nodes (instance ids) and roles.
      return [...report, ...times(NODES[level], 'read a node (instance id)'), 'read or list service accounts (role)', ...NOTIFY];
    default:
      throw new Error(`the benchmark measures the pod playbooks, not ${playbook}`);
  }
}
