import { BadInputError } from '../errors';
import type { AnyAction } from './action';
import { cordonNode } from './actions/cordon-node';
import { isolatePod } from './actions/isolate-pod';
import { notify } from './actions/notify';
import { releasePod } from './actions/release-pod';
import { restoreNetworkPolicies } from './actions/restore-network-policies';
import { restoreRoleSessions } from './actions/restore-role-sessions';
import { revokeRoleSessions } from './actions/revoke-role-sessions';
import { uncordonNode } from './actions/uncordon-node';

export const ACTIONS: readonly AnyAction[] = [isolatePod, cordonNode, revokeRoleSessions, notify, releasePod, restoreNetworkPolicies, uncordonNode, restoreRoleSessions];

/** A playbook is its containment actions; every playbook ends by notifying. */
export const PLAYBOOKS = {
  quarantine: [isolatePod, cordonNode, revokeRoleSessions],
  'isolate-pod': [isolatePod],
  'cordon-node': [cordonNode],
  'revoke-role-sessions': [revokeRoleSessions],
  notify: [],
  /** Undoes a quarantine, in this order (see shared/playbooks/release.ts); never chosen by a policy rule. */
  release: [releasePod, restoreNetworkPolicies, uncordonNode, restoreRoleSessions],
} satisfies Record<string, AnyAction[]>;

export type PlaybookName = keyof typeof PLAYBOOKS;
export const PLAYBOOK_NAMES = Object.keys(PLAYBOOKS) as PlaybookName[];

export function playbookNamed(name: string): PlaybookName {
  if (!(name in PLAYBOOKS)) throw new BadInputError(`unknown playbook "${name}" (expected one of ${PLAYBOOK_NAMES.join(', ')})`);
  return name as PlaybookName;
}

export function containmentActionsOf(playbook: PlaybookName): AnyAction[] {
  return PLAYBOOKS[playbook];
}

export const NOTIFICATION_ACTIONS: readonly AnyAction[] = [notify];

/** Playbooks a policy rule may choose for automatic responses. */
export const AUTOMATIC_PLAYBOOK_NAMES: readonly PlaybookName[] = ['quarantine', 'isolate-pod', 'cordon-node', 'revoke-role-sessions', 'notify'];
