import type { ResponderConfig } from '../config';
import type { AnyAction } from './action';
import { blockImage } from './actions/block-image';
import { calicoDeny } from './actions/calico-deny';
import { collectEvidence } from './actions/collect-evidence';
import { ciliumDeny } from './actions/cilium-deny';
import { cordonNode } from './actions/cordon-node';
import { isolatePod } from './actions/isolate-pod';
import { meshDeny } from './actions/mesh-deny';
import { notify } from './actions/notify';
import { protectFromDisruption } from './actions/protect-from-disruption';
import { protectInstance } from './actions/protect-instance';
import { releasePod } from './actions/release-pod';
import { removeAnonymousBinding } from './actions/remove-anonymous-binding';
import { restoreControlPlaneLogging } from './actions/restore-control-plane-logging';
import { restoreNetworkPolicies } from './actions/restore-network-policies';
import { restoreRoleSessions } from './actions/restore-role-sessions';
import { restrictPublicEndpoint } from './actions/restrict-public-endpoint';
import { revokeAccessEntry } from './actions/revoke-access-entry';
import { revokeRoleSessions } from './actions/revoke-role-sessions';
import { snapshotVolumes } from './actions/snapshot-volumes';
import { uncordonNode } from './actions/uncordon-node';
import { updateSecurityHubFinding } from './actions/update-securityhub-finding';
import type { PlaybookName } from './names';

export { AUTOMATIC_PLAYBOOK_NAMES, PLAYBOOK_NAMES, playbookNamed, type PlaybookName } from './names';

export const ACTIONS: readonly AnyAction[] = [
  collectEvidence,
  isolatePod,
  cordonNode,
  revokeRoleSessions,
  ciliumDeny,
  calicoDeny,
  meshDeny,
  protectFromDisruption,
  protectInstance,
  snapshotVolumes,
  blockImage,
  removeAnonymousBinding,
  restrictPublicEndpoint,
  restoreControlPlaneLogging,
  revokeAccessEntry,
  notify,
  updateSecurityHubFinding,
  releasePod,
  restoreNetworkPolicies,
  uncordonNode,
  restoreRoleSessions,
];

/**
 * A playbook is its containment actions; every playbook ends by notifying. The layered
 * actions (CNI, mesh, Karpenter) skip themselves, with the reason, where the cluster lacks
 * their API. Actions run in their phase (see ActionPhase): the evidence is collected before
 * anything changes.
 */
export const PLAYBOOKS = {
  quarantine: [collectEvidence, isolatePod, cordonNode, revokeRoleSessions, ciliumDeny, calicoDeny, meshDeny, protectInstance, snapshotVolumes, blockImage, protectFromDisruption],
  'isolate-pod': [isolatePod],
  'cordon-node': [cordonNode],
  'revoke-role-sessions': [revokeRoleSessions],
  'remove-anonymous-binding': [removeAnonymousBinding],
  'restrict-public-endpoint': [restrictPublicEndpoint],
  'restore-control-plane-logging': [restoreControlPlaneLogging],
  'revoke-access-entry': [revokeAccessEntry],
  'collect-evidence': [collectEvidence],
  'block-image': [blockImage],
  'snapshot-volumes': [snapshotVolumes],
  notify: [],
  /** Undoes a quarantine, in this order (see shared/playbooks/release.ts); never chosen by a policy rule. */
  release: [releasePod, restoreNetworkPolicies, uncordonNode, restoreRoleSessions],
} satisfies Record<PlaybookName, AnyAction[]>;

/** Actions the quarantine playbook runs only when configured to; named as a playbook of their own, they always run. */
const OPT_IN: Record<string, (config: ResponderConfig) => boolean> = {
  [blockImage.name]: (config) => config.blockImage,
  [snapshotVolumes.name]: (config) => config.snapshotVolumes,
};

export function containmentActionsOf(playbook: PlaybookName, config?: ResponderConfig): AnyAction[] {
  const actions: AnyAction[] = PLAYBOOKS[playbook];
  return actions.filter((action) => action.name === playbook || !OPT_IN[action.name] || (config !== undefined && OPT_IN[action.name](config)));
}

/** Tell people (SNS, Slack) and record the response where analysts triage (Security Hub), side by side. */
export const NOTIFICATION_ACTIONS: readonly AnyAction[] = [notify, updateSecurityHubFinding];
