/**
 * Ports backed by the DynamoDB tables (INCIDENT_TABLE, IDEMPOTENCY_TABLE): per-target claims,
 * delivery deduplication, circuit-breaker counters and the incident log. Re-exported by `ports.ts`.
 */
import type { IncidentReport } from '../model';

/** One containment of one target in one incident: `isolate-pod` of `pod web/api-1` in `inc-…`. */
export interface TargetKey {
  incidentId: string;
  action: string;
  target: string;
}

export type ClaimOutcome =
  | { claimed: true; token: string }
  | { claimed: false; state: 'done' | 'in-progress'; since: string; detail?: string };

/**
 * Per-target records shared by every invocation (DynamoDB), so concurrent duplicates of one
 * incident never act twice on one target. A claim is taken right before acting and settled
 * after: kept as `done` when the action changed something, released otherwise.
 */
export interface TargetClaimPort {
  claim(key: TargetKey, now: Date): Promise<ClaimOutcome>;
  settle(key: TargetKey, token: string, result: { status: 'done' | 'skipped' | 'failed'; detail: string }, now: Date): Promise<void>;
  /** Drops a done claim once its change was undone (a release), so a new quarantine may act again. */
  forget(key: TargetKey): Promise<void>;
}

/**
 * Drops duplicate deliveries of one finding (EventBridge at-least-once, GuardDuty re-publishing
 * an unchanged finding): the first runs `work`, a later one gets the stored report back.
 */
export interface DeliveryDedupPort {
  /**
   * Throws `ConcurrentDeliveryError` while another invocation handles the same key. A result
   * `store` refuses (a report with a failed action) is returned but not kept, so a retry runs again.
   */
  once<T extends object>(key: Record<string, unknown>, work: () => Promise<T>, options: { store: (result: T) => boolean; remainingTimeMs?: number }): Promise<{ result: T; duplicate: boolean }>;
}

/** A counter of distinct objects acted on, per cluster, per kind, per time window. */
export interface BreakerScope {
  cluster: string;
  kind: 'pods' | 'nodes' | 'roles';
  /** Start of the fixed window, ISO 8601. */
  window: string;
}

/**
 * Circuit-breaker counters (DynamoDB, atomic conditional updates): a member is admitted when it
 * is already counted or the count is below `max`; concurrent invocations can never admit more.
 */
export interface BreakerCounterPort {
  /** `added`: this call put the member in; it was not counted before (by another action, another incident). */
  admit(scope: BreakerScope, member: string, max: number, expiresAt: Date): Promise<{ admitted: boolean; count: number; added: boolean }>;
  /** Takes a member back out: only one this invocation added, whose action changed nothing. */
  release(scope: BreakerScope, member: string): Promise<void>;
}

/** One line of an incident's timeline: a delivery and its decision, or one action on one target. */
export interface TimelineEntry {
  at: string;
  kind: 'delivery' | 'action';
  source: string;
  findingId: string;
  /** Deliveries: what was decided, in which mode, why; `duplicate` when answered from the first delivery's report. */
  decision?: string;
  mode?: string;
  reason?: string;
  duplicate?: boolean;
  /** Actions: what, on what, how it ended, and the state before the change. */
  action?: string;
  target?: string;
  status?: string;
  detail?: string;
  before?: unknown;
  durationMs?: number;
}

export interface IncidentSummary {
  incidentId: string;
  incidentKey: string;
  cluster: string | null;
  account: string;
  region: string;
  findingType: string;
  title: string;
  /** The latest delivery's severity, and the highest seen. */
  severity: number;
  maxSeverity: number;
  sources: string[];
  findingIds: string[];
  firstSeen: string;
  lastSeen: string;
  deliveries: number;
  decision: string;
  mode: string;
  reason: string;
  policyRule?: string;
  urgent?: string;
}

export interface IncidentRecord extends IncidentSummary {
  /** Oldest first. */
  timeline: TimelineEntry[];
}

/** The audit trail (INCIDENT_TABLE): every incident, every delivery, every action with its before-state. */
export interface IncidentLogPort {
  record(report: IncidentReportLike, now: Date, options?: { duplicate?: boolean }): Promise<void>;
  get(incidentId: string): Promise<IncidentRecord | undefined>;
  list(filter: { cluster?: string; since?: Date }): Promise<IncidentSummary[]>;
}

/** The fields of an incident report the log keeps. */
export type IncidentReportLike = Pick<
  IncidentReport,
  'incidentId' | 'incidentKey' | 'source' | 'findingId' | 'findingType' | 'title' | 'severity' | 'cluster' | 'account' | 'region' | 'mode' | 'decision' | 'reason' | 'policyRule' | 'urgent' | 'actions'
>;
