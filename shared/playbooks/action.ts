import type { Logger } from '@aws-lambda-powertools/logger';
import type { Adapters, KubernetesPort } from '../adapters/ports';
import type { ResponderConfig } from '../config';
import type { ActionRecord, Finding, IncidentReport, Targets } from '../model';

/** Containment changes clusters and roles; notification only tells people. The runner gates them differently. */
export type ActionKind = 'containment' | 'notification';

/**
 * What the action needs before it can plan: the workload's pods, nodes and roles resolved in
 * the cluster; only a connection to the cluster; or nothing beyond the finding (AWS APIs only).
 */
export type CorrelationNeed = 'workload' | 'cluster' | 'none';

/**
 * When an action runs within its playbook: evidence is taken before anything changes,
 * containment follows, and preservation keeps the evidence from being destroyed (eviction,
 * instance termination). Preservation that marks what containment changed does so on each object
 * once containment of that object has ended (so it never races with it on the same object). The
 * notification goes out once containment has ended, telling preservation still at work in progress.
 * Default `containment`.
 */
export type ActionPhase = 'evidence' | 'containment' | 'preservation';

export interface KubernetesPermission {
  group: string;
  resource: string;
  verbs: string[];
}

export interface ActionContext {
  incidentId: string;
  finding: Finding;
  targets: Targets;
  /** Absent when the cluster could not be reached. */
  kube?: KubernetesPort;
  adapters: Adapters;
  config: ResponderConfig;
  now: Date;
  logger: Logger;
  /** A person asked to act on protected namespaces too. */
  allowProtected: boolean;
  /** The report so far; notification actions send it. */
  report?: IncidentReport;
  /** Checks the runner passes before applying a change (per-target claims, circuit breaker), entered together; the first refusal in this order is reported. */
  guards?: ApplyGuard[];
  /**
   * When set, the guards learn how each change ended (a claim settled, a breaker slot given back)
   * without the action's record waiting for it: the invocation waits for these before it ends.
   */
  settlements?: Promise<void>[];
  /** Set for the release playbook. */
  release?: ReleaseScope;
  /**
   * The targets with the pods' owners and every IAM role, when `targets` does not have them yet
   * (correlation resolves them a round trip later); actions that set `needsRoles` wait for them.
   */
  complete?: Promise<Targets>;
}

/** What a release undoes, and what it may rely on. */
export interface ReleaseScope {
  /** `--restore-role-sessions`: lift the revocation once the role's longest session has expired. */
  restoreRoleSessions: boolean;
  /** `namespace/pod` of every pod this release takes out of quarantine. */
  releasing: Set<string>;
  /** Namespaces where the incident's quarantine policy and narrowed policies may be. */
  namespaces: string[];
  /** Before-states from the incident log, by `<action> <target>` (e.g. `isolate-pod pod web/api-1`). */
  recorded: Map<string, unknown>;
}

/** What a guard says just before a change: go ahead (and hear how it ended), or skip with the reason. */
export type GuardEntry = { skip: string } | { exit: (record: ActionRecord) => Promise<void> };

/**
 * A check around `apply`, shared across invocations (a DynamoDB table): it may refuse (the
 * target is already handled, a limit is reached) or admit and then learn the outcome.
 */
export interface ApplyGuard {
  enter(action: AnyAction, target: string, context: ActionContext): Promise<GuardEntry>;
}

/** What `plan` found: nothing to do (with the reason), or one change ready to apply. */
export type Plan<TChange> = { skip: string } | { summary: string; change: TChange; before?: unknown };

export interface ApplyResult {
  status: 'done' | 'skipped';
  detail: string;
}

/**
 * One response action. `plan` only reads; `apply` changes what `plan` computed. The runner,
 * not the action, decides whether to apply (mode, decision, protected targets), times it,
 * catches its errors and records the outcome.
 */
export interface Action<TTarget = unknown, TChange = unknown> {
  name: string;
  description: string;
  kind: ActionKind;
  correlation: CorrelationNeed;
  /**
   * True when the action, in this context, plans on the complete targets: the pods' owners and
   * the IAM roles with who else holds them. Other actions start as soon as the pods and nodes
   * are known, a round trip earlier.
   */
  needsRoles?(context: ActionContext): boolean;
  phase?: ActionPhase;
  /**
   * True when `plan` waits for AWS reads (a before-state, a revocation already in place). When
   * the change may be applied, the runner enters the guards alongside the plan instead of after
   * it: their table round trip overlaps the reads. A plan that then finds nothing to do gives
   * back what the guards admitted. Plans served from the invocation's Kubernetes reads leave it unset.
   */
  planReadsAws?: boolean;
  /**
   * Preservation only: whether this target waits for containment of the same object (default
   * yes). A change that commutes with containment's (other fields, merge-patched) need not.
   */
  waitsForContainment?(target: TTarget): boolean;
  /** What the action calls, so RBAC and IAM tests can check they cover it. */
  permissions: { kubernetes: KubernetesPermission[]; iam: string[] };
  targetsOf(context: ActionContext): TTarget[];
  /** Recorded as `skipped` when the action has no target at all. */
  noTargetReason: string;
  describe(target: TTarget): string;
  /** A reason the target must be left alone unless protection is overridden. */
  protectedReason?(target: TTarget): string | undefined;
  plan(context: ActionContext, target: TTarget): Promise<Plan<TChange>>;
  apply(context: ActionContext, target: TTarget, change: TChange): Promise<ApplyResult>;
}

export type AnyAction = Action<any, any>;
