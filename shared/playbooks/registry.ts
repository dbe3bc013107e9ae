import { BadInputError } from '../errors';
import type { AnyAction } from './action';
import { cordonNode } from './actions/cordon-node';
import { isolatePod } from './actions/isolate-pod';
import { notify } from './actions/notify';
import { removeAnonymousBinding } from './actions/remove-anonymous-binding';
import { restoreControlPlaneLogging } from './actions/restore-control-plane-logging';
import { restrictPublicEndpoint } from './actions/restrict-public-endpoint';
import { revokeAccessEntry } from './actions/revoke-access-entry';
import { revokeRoleSessions } from './actions/revoke-role-sessions';
import { updateSecurityHubFinding } from './actions/update-securityhub-finding';

export const ACTIONS: readonly AnyAction[] = [
  isolatePod,
  cordonNode,
  revokeRoleSessions,
  removeAnonymousBinding,
  restrictPublicEndpoint,
  restoreControlPlaneLogging,
  revokeAccessEntry,
  notify,
  updateSecurityHubFinding,
];

/** A playbook is its containment actions; every playbook ends by notifying. */
export const PLAYBOOKS = {
  quarantine: [isolatePod, cordonNode, revokeRoleSessions],
  'isolate-pod': [isolatePod],
  'cordon-node': [cordonNode],
  'revoke-role-sessions': [revokeRoleSessions],
  'remove-anonymous-binding': [removeAnonymousBinding],
  'restrict-public-endpoint': [restrictPublicEndpoint],
  'restore-control-plane-logging': [restoreControlPlaneLogging],
  'revoke-access-entry': [revokeAccessEntry],
  notify: [],
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

/** Tell people (SNS, Slack) and record the response where analysts triage (Security Hub), side by side. */
export const NOTIFICATION_ACTIONS: readonly AnyAction[] = [notify, updateSecurityHubFinding];
