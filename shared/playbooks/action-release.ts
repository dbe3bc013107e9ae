import type { ActionContext, ApplyResult } from './action';

/**
 * How to undo one action, for a release playbook: over the same targets as the action, it
 * removes what the action added and restores what it recorded, and leaves anything that was
 * there before the response. Every action module that changes something exports one.
 */
export interface ActionRelease<TTarget = unknown> {
  /** Name of the action it undoes. */
  action: string;
  /** What a release removes, for a plan. */
  describe(incidentId: string): string;
  /** The AWS calls the release makes, for the manual function's role (test/deploy/expected-grants.ts). */
  permissions: { iam: string[] };
  release(context: ActionContext, target: TTarget): Promise<ApplyResult>;
}
