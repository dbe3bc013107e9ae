import { describeError } from '../errors';
import type { ActionRecord, Decision, Mode } from '../model';
import { type ActionContext, type ActionPhase, type AnyAction } from './action';
import { lockTarget } from './target-locks';

export interface Gate {
  mode: Mode;
  decision: Decision;
}

/** Containment acts only in enforce mode on a respond decision; notifications go out unless planning. */
export function mayApply(action: AnyAction, gate: Gate): { apply: boolean; why: string } {
  if (action.kind === 'notification') {
    return gate.mode === 'plan' ? { apply: false, why: 'plan mode: nothing sent' } : { apply: true, why: '' };
  }
  if (gate.mode !== 'enforce') return { apply: false, why: `${gate.mode} mode` };
  if (gate.decision !== 'respond') return { apply: false, why: `decision is ${gate.decision}: run the playbook by hand to apply` };
  return { apply: true, why: '' };
}

/**
 * Passes the guards, all at once (each is a table round trip). A refusal (the first in the guards'
 * order, claims before the breaker) or a failure lets the guards that admitted know nothing happened.
 */
async function passGuards(action: AnyAction, target: string, context: ActionContext, skipped: (detail: string) => ActionRecord): Promise<{ skip: ActionRecord } | { exits: GuardExit[] }> {
  // Guards protect changes to clusters and roles; notifications are never held back.
  const guards = action.kind === 'containment' ? (context.guards ?? []) : [];
  const entries = await Promise.allSettled(guards.map((guard) => guard.enter(action, target, context)));
  const exits = entries.flatMap((entry) => (entry.status === 'fulfilled' && 'exit' in entry.value ? [entry.value.exit] : []));
  const failure = entries.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
  const refusal = entries.flatMap((entry) => (entry.status === 'fulfilled' && 'skip' in entry.value ? [entry.value.skip] : []))[0];
  if (!failure && refusal === undefined) return { exits };
  const record = skipped(failure ? describeError(failure.reason) : refusal);
  await Promise.all(exits.map((exit) => exit(record)));
  if (failure) throw failure.reason;
  return { skip: record };
}

type GuardExit = (record: ActionRecord) => Promise<void>;
type Guarded = Awaited<ReturnType<typeof passGuards>>;

/** The guards entered alongside a plan that ended without a change hear so; a refusal or a guard failure has nothing to give back. */
async function giveBack(guarding: Promise<Guarded> | undefined, record: ActionRecord, context: ActionContext): Promise<void> {
  const passed = await guarding?.catch(() => undefined);
  if (passed && 'exits' in passed) await settle(passed.exits, record, context);
}

/** Tell the guards how it ended. The change is made either way: a guard that cannot record it is logged, not failed. */
async function leave(exits: GuardExit[], record: ActionRecord, context: ActionContext): Promise<void> {
  const results = await Promise.allSettled(exits.map((exit) => exit(record)));
  for (const result of results) {
    if (result.status === 'rejected') context.logger.error('guard could not record the outcome', { action: record.action, target: record.target, error: describeError(result.reason) });
  }
}

/** `leave`, in the background when the context collects settlements: the record (and what waits for it, the notification) goes on at once. */
async function settle(exits: GuardExit[], record: ActionRecord, context: ActionContext): Promise<void> {
  const settling = leave(exits, record, context);
  if (context.settlements) context.settlements.push(settling);
  else await settling;
}

/** How one action's targets fit with other actions' on the same object (its label, e.g. `node ip-10-0-1-2`). */
export interface TargetHooks {
  /** Resolves when the target may start. */
  after?: (label: string) => Promise<unknown>;
  /** Hears of each target as it starts, with its record to come. */
  started?: (label: string, record: Promise<ActionRecord>) => void;
  /** Hears that a target's change is going out (plan made, guards passed), with what it changes. */
  applying?: (label: string, summary: string) => void;
  /** Hears that every target has started (or that there is none). */
  listed?: () => void;
}

/** The context the action plans in: for one that needs the roles, the complete targets. */
async function contextFor(action: AnyAction, context: ActionContext): Promise<ActionContext> {
  if (!context.complete || !action.needsRoles?.(context)) return context;
  return { ...context, targets: await context.complete, complete: undefined };
}

/** Run one action over all its targets in parallel; every target ends as one record. */
export async function runAction(action: AnyAction, context: ActionContext, gate: Gate, hooks: TargetHooks = {}): Promise<ActionRecord[]> {
  const permission = mayApply(action, gate);
  let ready: ActionContext;
  try {
    ready = await contextFor(action, context);
  } catch (error) {
    hooks.listed?.();
    return [{ action: action.name, target: '-', status: 'failed', detail: `targets not resolved: ${describeError(error)}` }];
  }
  const targets = action.targetsOf(ready);
  const records = targets.map((target): Promise<ActionRecord> => {
    const label = action.describe(target);
    const after = action.waitsForContainment?.(target) === false ? undefined : hooks.after;
    const record = runTarget(action, target, label, ready, permission, { after, applying: hooks.applying });
    hooks.started?.(label, record);
    return record;
  });
  hooks.listed?.();
  if (targets.length === 0) return [{ action: action.name, target: '-', status: 'skipped', detail: action.noTargetReason }];
  return Promise.all(records);
}

async function runTarget(
  action: AnyAction,
  target: unknown,
  label: string,
  context: ActionContext,
  permission: { apply: boolean; why: string },
  hooks: Pick<TargetHooks, 'after' | 'applying'>,
): Promise<ActionRecord> {
  await hooks.after?.(label);
  const started = Date.now();
  const record = (status: ActionRecord['status'], detail: string, before?: unknown): ActionRecord => ({
    action: action.name,
    target: label,
    status,
    detail,
    ...(before === undefined ? {} : { before }),
    durationMs: Date.now() - started,
  });
  const protectedReason = action.protectedReason?.(target);
  if (protectedReason) return record('skipped', `protected: ${protectedReason}`);
  // Changes to one target go one incident at a time (target-locks.ts); plans alone, and
  // notifications, which every incident sends its own, do not wait.
  const release = permission.apply && action.kind === 'containment' ? await lockTarget(`${context.finding?.cluster?.name ?? ''}|${action.name}|${label}`) : undefined;
  let exits: GuardExit[] = [];
  let guarding: Promise<Guarded> | undefined;
  try {
    const planning = action.plan(context, target);
    if (permission.apply && action.planReadsAws) {
      guarding = passGuards(action, label, context, (detail) => record('skipped', detail));
      guarding.catch(() => undefined);
    }
    const plan = await planning;
    if ('skip' in plan) {
      const skipped = record('skipped', plan.skip);
      await giveBack(guarding, skipped, context);
      return skipped;
    }
    if (!permission.apply) return record('planned', `would ${plan.summary} (${permission.why})`, plan.before);
    const passed = await (guarding ?? passGuards(action, label, context, (detail) => record('skipped', detail)));
    guarding = undefined;
    if ('skip' in passed) return passed.skip;
    exits = passed.exits;
    const applying = action.apply(context, target, plan.change);
    hooks.applying?.(label, plan.summary);
    const result = await applying;
    context.logger.info('action applied', { action: action.name, target: label, status: result.status });
    const done = record(result.status, result.detail, plan.before);
    await settle(exits.splice(0), done, context);
    return done;
  } catch (error) {
    context.logger.error('action failed', { action: action.name, target: label, error: describeError(error) });
    const failed = record('failed', describeError(error));
    await giveBack(guarding, failed, context);
    await settle(exits, failed, context);
    return failed;
  } finally {
    release?.();
  }
}

/** Runs the actions (see startActions) and resolves with every record once all have ended. */
export async function runActions(actions: AnyAction[], context: ActionContext, gate: Gate, phaseEnded?: (phase: ActionPhase, records: ActionRecord[]) => void): Promise<ActionRecord[]> {
  return startActions(actions, context, gate, phaseEnded).ended;
}

export interface StartedActions {
  /** Every record, once every action has ended. */
  ended: Promise<ActionRecord[]>;
  /**
   * The records as soon as the incident can be reported: evidence and containment have ended.
   * Preservation targets still at work are recorded `in-progress` (reading, or applying what);
   * their outcome is in `ended`. When nothing may be applied, every plan is waited for.
   */
  reportable: Promise<ActionRecord[]>;
}

/** What a preservation action has done so far: its targets as they start, and its records once it has ended. */
interface PreservationProgress {
  action: string;
  /** Its changes may be applied: the report need not wait for its plans. */
  applies: boolean;
  listed: boolean;
  targets: { label: string; applying?: string; record?: ActionRecord }[];
  records?: ActionRecord[];
}

/**
 * Follows the preservation actions' targets, so the incident can be reported while their
 * changes are still on their way: `changed` hears each step.
 */
function followPreservation(changed: () => void) {
  const followed: PreservationProgress[] = [];
  return {
    /** Hooks that record one action's progress; `ended` takes its records. */
    follow(action: AnyAction, gate: Gate, after: TargetHooks['after']): { hooks: TargetHooks; ended: (records: ActionRecord[]) => ActionRecord[] } {
      const progress: PreservationProgress = { action: action.name, applies: mayApply(action, gate).apply, listed: false, targets: [] };
      followed.push(progress);
      const hooks: TargetHooks = {
        after,
        started: (label, record) => {
          const target: PreservationProgress['targets'][number] = { label };
          progress.targets.push(target);
          record.then((outcome) => {
            target.record = outcome;
            changed();
          }, () => undefined);
        },
        applying: (label, summary) => {
          const target = progress.targets.find((item) => item.label === label);
          if (target) target.applying = summary;
          changed();
        },
        listed: () => {
          progress.listed = true;
          changed();
        },
      };
      const ended = (records: ActionRecord[]) => {
        progress.records = records;
        changed();
        return records;
      };
      return { hooks, ended };
    },
    /**
     * Each action has ended, or knows its targets and either may change them (told in progress,
     * whether still reading or applying) or has planned every one (nothing may be applied: the
     * report says what would be done).
     */
    settled: () => followed.every((progress) => progress.records || (progress.listed && (progress.applies || progress.targets.every((target) => target.record)))),
    /** The records so far: ended, or `in-progress`. */
    records: () => followed.flatMap((progress) => progress.records ?? progress.targets.map((target) => target.record ?? inProgress(progress.action, target))),
  };
}

const inProgress = (action: string, target: { label: string; applying?: string }): ActionRecord => ({
  action,
  target: target.label,
  status: 'in-progress',
  detail: target.applying === undefined ? 'reading what to change' : `applying: ${target.applying}`,
});

/**
 * Evidence first, all of it, before anything changes; then containment and preservation side by
 * side, each object's preservation after its containment when it marks what containment changed
 * (e.g. the pod annotations isolate-pod rewrites). The actions of one phase run side by side.
 * `phaseEnded` hears each phase's records as soon as it ends.
 */
export function startActions(
  actions: AnyAction[],
  context: ActionContext,
  gate: Gate,
  phaseEnded?: (phase: ActionPhase, records: ActionRecord[]) => void,
): StartedActions {
  const inPhase = (phase: ActionPhase) => actions.filter((action) => (action.phase ?? 'containment') === phase);
  const run = async (phase: ActionPhase, hooks?: TargetHooks): Promise<ActionRecord[]> => {
    const results = (await Promise.all(inPhase(phase).map((action) => runAction(action, context, gate, hooks)))).flat();
    phaseEnded?.(phase, results);
    return results;
  };
  let reportableNow!: (records: ActionRecord[]) => void;
  let notReportable!: (error: unknown) => void;
  const reportable = new Promise<ActionRecord[]>((resolve, reject) => ((reportableNow = resolve), (notReportable = reject)));
  reportable.catch(() => undefined);
  let contained: ActionRecord[] | undefined;
  const reportIfSettled = () => {
    if (contained && preservation.settled()) reportableNow([...contained, ...preservation.records()]);
  };
  const preservation = followPreservation(reportIfSettled);

  const ended = (async () => {
    const evidence = await run('evidence');
    // Containment changes of each object, by its label: preservation of that object waits for
    // them, once every containment action knows its targets (some wait for the complete targets).
    const changing = new Map<string, Promise<ActionRecord>[]>();
    let unlisted = inPhase('containment').length;
    let allListed!: () => void;
    const listed = new Promise<void>((resolve) => (allListed = resolve));
    if (unlisted === 0) allListed();
    const containment = run('containment', {
      started: (label, record) => changing.set(label, [...(changing.get(label) ?? []), record]),
      listed: () => {
        unlisted -= 1;
        if (unlisted === 0) allListed();
      },
    });
    const after = (label: string) => listed.then(() => Promise.all(changing.get(label) ?? []));
    const preserved = Promise.all(
      inPhase('preservation').map((action) => {
        const { hooks, ended } = preservation.follow(action, gate, after);
        return runAction(action, context, gate, hooks).then(ended);
      }),
    ).then((records) => {
      phaseEnded?.('preservation', records.flat());
      return records.flat();
    });
    contained = [...evidence, ...(await containment)];
    reportIfSettled();
    return [...contained, ...(await preserved)];
  })();
  ended.then(reportableNow, notReportable);
  return { ended, reportable };
}
