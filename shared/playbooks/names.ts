import { BadInputError } from '../errors';

/**
 * Every playbook, by name: what a policy rule, a manual invocation or the CLI may ask for.
 * registry.ts gives each its actions; this list stays apart so that checking a name does not
 * load every action (module init of the functions loads none of them).
 */
const NAMES = [
  'quarantine',
  'isolate-pod',
  'cordon-node',
  'revoke-role-sessions',
  'remove-anonymous-binding',
  'restrict-public-endpoint',
  'restore-control-plane-logging',
  'revoke-access-entry',
  'collect-evidence',
  'block-image',
  'snapshot-volumes',
  'notify',
  'release',
] as const;

export type PlaybookName = (typeof NAMES)[number];
export const PLAYBOOK_NAMES: PlaybookName[] = [...NAMES];

export function playbookNamed(name: string): PlaybookName {
  if (!(PLAYBOOK_NAMES as readonly string[]).includes(name)) throw new BadInputError(`unknown playbook "${name}" (expected one of ${PLAYBOOK_NAMES.join(', ')})`);
  return name as PlaybookName;
}

/** Playbooks a policy rule may choose for automatic responses: every one but `release`, which only a person starts. */
export const AUTOMATIC_PLAYBOOK_NAMES: readonly PlaybookName[] = PLAYBOOK_NAMES.filter((name) => name !== 'release');
