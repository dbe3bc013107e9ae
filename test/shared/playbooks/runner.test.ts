import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/observability';
import type { Action, ActionContext, ActionPhase, ApplyGuard } from '../../../shared/playbooks/action';
import { containmentActionsOf } from '../../../shared/playbooks/registry';
import { runActions, startActions, type StartedActions } from '../../../shared/playbooks/runner';

/** An in-memory action that logs when its plan starts and its apply ends. */
function recording(name: string, phase: ActionPhase | undefined, log: string[], delayMs: number, target = 't', gate?: Promise<void>): Action<string, string> {
  return {
    name,
    description: name,
    kind: 'containment',
    correlation: 'none',
    phase,
    permissions: { kubernetes: [], iam: [] },
    noTargetReason: 'none',
    targetsOf: () => [target],
    describe: (target) => target,
    async plan() {
      log.push(`${name}:plan`);
      return { summary: name, change: name };
    },
    async apply() {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await gate;
      log.push(`${name}:applied`);
      return { status: 'done', detail: name };
    },
  };
}

const context = { logger: createLogger() } as unknown as ActionContext;

describe('runner phases', () => {
  it('finishes evidence before containment starts, and containment of an object before its preservation', async () => {
    const log: string[] = [];
    const actions = [
      recording('preserve', 'preservation', log, 0),
      recording('contain-a', undefined, log, 5),
      recording('evidence', 'evidence', log, 20),
      recording('contain-b', 'containment', log, 0),
    ];

    const records = await runActions(actions, context, { mode: 'enforce', decision: 'respond' });

    expect(log.indexOf('evidence:applied')).toBeLessThan(log.indexOf('contain-a:plan'));
    expect(log.indexOf('evidence:applied')).toBeLessThan(log.indexOf('contain-b:plan'));
    expect(log.indexOf('contain-a:applied')).toBeLessThan(log.indexOf('preserve:plan'));
    expect(log.indexOf('contain-b:applied')).toBeLessThan(log.indexOf('preserve:plan'));
    expect(records.map((record) => record.action)).toEqual(['evidence', 'contain-a', 'contain-b', 'preserve']);
  });

  it('preserves an object once its containment ends, without waiting for containment of other objects', async () => {
    const log: string[] = [];
    let preserved!: () => void;
    const afterPreservation = new Promise<void>((resolve) => (preserved = resolve));
    const preserveNode = recording('preserve-node', 'preservation', log, 0, 'node n1');
    const actions = [
      recording('contain-node', undefined, log, 0, 'node n1'),
      // Containment of the role ends only once the node is preserved: the node must not wait for it.
      recording('contain-role', undefined, log, 0, 'role r1', afterPreservation),
      { ...preserveNode, apply: (...args: Parameters<typeof preserveNode.apply>) => preserveNode.apply(...args).finally(preserved) },
    ];

    const records = await runActions(actions, context, { mode: 'enforce', decision: 'respond' });

    expect(log).toEqual(['contain-node:plan', 'contain-role:plan', 'contain-node:applied', 'preserve-node:plan', 'preserve-node:applied', 'contain-role:applied']);
    expect(records.map((record) => `${record.action} ${record.status}`)).toEqual(['contain-node done', 'contain-role done', 'preserve-node done']);
  });

  describe('reportable records', () => {
    const gated = () => {
      let open!: () => void;
      return { gate: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    };
    /** A preservation action on one instance whose plan reads until `planning` opens. */
    const preservingAfter = (planning: Promise<void>): Action<string, string> => {
      const preserve = recording('preserve', 'preservation', [], 0, 'instance i-1');
      return { ...preserve, waitsForContainment: () => false, plan: (...args) => planning.then(() => preserve.plan(...args)) };
    };
    /** Whether the records are still not reportable once the event loop has had time to go on. */
    const stillWaiting = async (started: StartedActions): Promise<boolean> => {
      let ready = false;
      void started.reportable.then(() => (ready = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return !ready;
    };

    it('are ready once containment has ended and preservation changes are on their way, those told as in progress', async () => {
      const log: string[] = [];
      const slowChange = gated();
      const actions = [recording('contain', undefined, log, 0, 'pod p1'), recording('preserve', 'preservation', log, 0, 'instance i-1', slowChange.gate)];

      const started = startActions(actions, context, { mode: 'enforce', decision: 'respond' });
      const reportable = await started.reportable;

      expect(reportable).toEqual([expect.objectContaining({ action: 'contain', status: 'done' }), { action: 'preserve', target: 'instance i-1', status: 'in-progress', detail: 'applying: preserve' }]);
      expect(log).not.toContain('preserve:applied');
      slowChange.open();
      expect((await started.ended).map((record) => `${record.action} ${record.status}`)).toEqual(['contain done', 'preserve done']);
    });

    it('wait for containment, not for a preservation change still being planned, which is told in progress', async () => {
      const containing = gated();
      const planning = gated();
      const actions = [recording('contain', undefined, [], 0, 'pod p1', containing.gate), preservingAfter(planning.gate)];

      const started = startActions(actions, context, { mode: 'enforce', decision: 'respond' });
      expect(await stillWaiting(started)).toBe(true);
      containing.open();
      const reportable = await started.reportable;

      expect(reportable).toEqual([expect.objectContaining({ action: 'contain', status: 'done' }), { action: 'preserve', target: 'instance i-1', status: 'in-progress', detail: 'reading what to change' }]);
      planning.open();
      expect((await started.ended).map((record) => `${record.action} ${record.status}`)).toEqual(['contain done', 'preserve done']);
    });

    it('wait for every plan when nothing may be applied: the plans are reported', async () => {
      const planning = gated();
      const actions = [recording('contain', undefined, [], 0, 'pod p1'), preservingAfter(planning.gate)];

      const started = startActions(actions, context, { mode: 'plan', decision: 'respond' });
      expect(await stillWaiting(started)).toBe(true);
      planning.open();
      const reportable = await started.reportable;

      expect(reportable.map((record) => `${record.action} ${record.status}`)).toEqual(['contain planned', 'preserve planned']);
    });
  });
});

describe('runner: preservation that commutes with containment', () => {
  it('marks an object alongside its containment when the action says it need not wait', async () => {
    const log: string[] = [];
    let preserved!: () => void;
    const afterPreservation = new Promise<void>((resolve) => (preserved = resolve));
    const preserveNode = { ...recording('preserve-node', 'preservation', log, 0, 'node n1'), waitsForContainment: () => false };
    const actions = [
      // Containment of the node ends only once the node is marked: waiting for it would never end.
      recording('contain-node', undefined, log, 0, 'node n1', afterPreservation),
      { ...preserveNode, apply: (...args: Parameters<typeof preserveNode.apply>) => preserveNode.apply(...args).finally(preserved) },
    ];

    const records = await runActions(actions, context, { mode: 'enforce', decision: 'respond' });

    expect(records.map((record) => `${record.action} ${record.status}`)).toEqual(['contain-node done', 'preserve-node done']);
    expect(log.indexOf('preserve-node:applied')).toBeLessThan(log.indexOf('contain-node:applied'));
  });
});

describe('runner: guards entered alongside a plan that reads AWS', () => {
  /** A guard that admits (or refuses) after `delayMs` and logs what it hears. */
  function loggingGuard(log: string[], delayMs: number, refusal?: string): ApplyGuard {
    return {
      async enter(_action, target) {
        log.push(`guard:enter ${target}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        log.push(`guard:${refusal ? 'refused' : 'admitted'} ${target}`);
        if (refusal) return { skip: refusal };
        return { exit: async (record) => void log.push(`guard:exit ${record.status}: ${record.detail}`) };
      },
    };
  }

  /** An action whose plan reads for `delayMs`, then plans a change, skips, or throws. */
  function reading(log: string[], outcome: 'change' | 'skip' | 'throw', delayMs = 10): Action<string, string> {
    return {
      ...recording('revoke', undefined, log, 0, 'role r1'),
      planReadsAws: true,
      async plan() {
        log.push('plan:start');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        log.push('plan:end');
        if (outcome === 'throw') throw new Error('AccessDenied: not allowed to read the role');
        return outcome === 'skip' ? { skip: 'already revoked' } : { summary: 'revoke', change: 'revoke' };
      },
    };
  }

  const run = (action: Action<string, string>, guards: ApplyGuard[], mode: 'enforce' | 'plan' = 'enforce') =>
    runActions([action], { ...context, guards, settlements: [] }, { mode, decision: 'respond' });

  it('enters the guards while the plan reads, and applies once both have ended', async () => {
    const log: string[] = [];

    const [record] = await run(reading(log, 'change', 20), [loggingGuard(log, 10)]);

    expect(record.status).toBe('done');
    expect(log.indexOf('guard:enter role r1')).toBeLessThan(log.indexOf('plan:end'));
    expect(log.indexOf('revoke:applied')).toBeGreaterThan(log.indexOf('plan:end'));
    expect(log.indexOf('revoke:applied')).toBeGreaterThan(log.indexOf('guard:admitted role r1'));
    expect(log).toContain('guard:exit done: revoke');
  });

  it('gives back what the guards admitted when the plan finds nothing to do', async () => {
    const log: string[] = [];

    const [record] = await run(reading(log, 'skip', 1), [loggingGuard(log, 10)]);

    expect(record).toMatchObject({ status: 'skipped', detail: 'already revoked' });
    expect(log).toContain('guard:exit skipped: already revoked');
    expect(log).not.toContain('revoke:applied');
  });

  it('gives back what the guards admitted when the plan fails', async () => {
    const log: string[] = [];

    const [record] = await run(reading(log, 'throw'), [loggingGuard(log, 1)]);

    expect(record).toMatchObject({ status: 'failed', detail: expect.stringContaining('AccessDenied') });
    expect(log).toContain('guard:exit failed: AccessDenied: not allowed to read the role');
  });

  it('reports a refusal and changes nothing when a guard refuses what the plan would change', async () => {
    const log: string[] = [];

    const [record] = await run(reading(log, 'change', 1), [loggingGuard(log, 10, 'circuit-open: 3 role revocations'), loggingGuard(log, 1)]);

    expect(record).toMatchObject({ status: 'skipped', detail: 'circuit-open: 3 role revocations' });
    expect(log).not.toContain('revoke:applied');
    // The guard that admitted hears that nothing happened.
    expect(log).toContain('guard:exit skipped: circuit-open: 3 role revocations');
  });

  it('enters no guard when the change may not be applied', async () => {
    const log: string[] = [];

    const [record] = await run(reading(log, 'change', 1), [loggingGuard(log, 1)], 'plan');

    expect(record.status).toBe('planned');
    expect(log.filter((line) => line.startsWith('guard:'))).toEqual([]);
  });
});

describe('quarantine playbook', () => {
  const names = (env: Record<string, string>) => containmentActionsOf('quarantine', loadConfig(env, 'lambda')).map((action) => action.name);

  it('runs the opt-in actions only when configured to', () => {
    expect(names({})).not.toContain('block-image');
    expect(names({})).not.toContain('snapshot-volumes');
    expect(names({ BLOCK_IMAGE: 'true', SNAPSHOT_VOLUMES: 'true' })).toEqual(expect.arrayContaining(['block-image', 'snapshot-volumes']));
  });

  it('runs an opt-in action asked for by name', () => {
    expect(containmentActionsOf('snapshot-volumes', loadConfig({}, 'lambda')).map((action) => action.name)).toEqual(['snapshot-volumes']);
  });
});
