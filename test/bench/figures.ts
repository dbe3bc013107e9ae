// Figures computed from the recorded requests of one invocation (or one burst).
import { quarantinePolicyName } from '../../shared/markers';
import type { RecordedRequest } from '../support/kube-api-server';
import type { BenchRequest } from './requests';

export interface CallCounts {
  total: number;
  reads: number;
  writes: number;
  notifications: number;
  /** Of all of them, the calls to the DynamoDB tables (claims, circuit breaker, incident log, deliveries). */
  tables: number;
  /** Label → count, for the details. */
  byLabel: Record<string, number>;
}

export interface InvocationFigures {
  /** From the handler call to the start of its first request: work done before anything goes out. */
  beforeFirstRequestRt: number;
  /** (end of the last request − start of the first) / latency. */
  criticalPathRt: number;
  /**
   * The most requests that ran one after the other (each starting after the previous ended):
   * the round trips on the critical path, without the CPU time between them, which a loaded
   * machine inflates.
   */
  sequentialRequests: number;
  /**
   * The critical path's time (ms) beyond the round trips of its requests in sequence: what the
   * handler's one thread spent between an answer and the next request, plus any queueing.
   */
  beyondRoundTripsMs: number;
  /**
   * CPU the handler process used during the invocation (ms), and that over its API calls: an
   * upper bound of what one call costs the client, since it also holds the responder's own work.
   */
  handlerCpu: { ms: number; perCallMs: number };
  /** Garbage-collection pauses between the first request's start and the last one's end: their total (ms) and count. */
  collectorOnCriticalPath: { ms: number; pauses: number };
  /** The same, counting only requests that ended by the time isolation was in place. */
  sequentialToIsolation: number | null;
  /** From the start of the first request until the quarantine policy and every target pod's label are in place. */
  isolationRt: number | null;
  /** The same, counted from the end of the first request. */
  isolationAfterFirstRt: number | null;
  /**
   * From the end of the first request until the attacker's reach is cut: isolated (above), the
   * nodes cordoned and the role's older sessions revoked. Termination protection, tags and the
   * notification come after and are not counted.
   */
  containedAfterFirstRt: number | null;
  /** From the end of the first request until the notification reached people: the first SNS publish or Slack post that landed. */
  notifiedAfterFirstRt: number | null;
  calls: CallCounts;
  /** Kubernetes GETs of an object already read in this invocation. */
  repeatedReads: string[];
  describeClusterCalls: number;
  /** Connections opened to the Kubernetes API (a TCP and TLS handshake each, which the sandbox does not delay). */
  kubernetesConnections: number;
  /** Bearer tokens sent to the Kubernetes API that earlier invocations of the environment had not used. */
  newTokens: number;
  /** Actions that did not end done, and handler errors. */
  problems: string[];
  /** Each request, in RT from the start of the first. */
  timeline: { request: string; startRt: number; endRt: number; ok: boolean }[];
}

const round = (value: number): number => Math.round(value * 10) / 10;

export function countCalls(requests: BenchRequest[]): CallCounts {
  const byLabel: Record<string, number> = {};
  for (const request of requests) byLabel[request.label] = (byLabel[request.label] ?? 0) + 1;
  return {
    total: requests.length,
    reads: requests.filter((request) => request.kind === 'read').length,
    writes: requests.filter((request) => request.kind === 'write').length,
    notifications: requests.filter((request) => request.kind === 'notify').length,
    tables: requests.filter((request) => request.system === 'dynamodb').length,
    byLabel,
  };
}

/**
 * Kubernetes reads of an object this invocation had already read: the same GET twice, or a GET
 * of an object whose kind was also listed in its namespace (a list answers with the objects, so
 * reading one of them again is a second read; selectors are not checked, which errs on counting).
 */
function repeatedReads(requests: BenchRequest[]): string[] {
  const reads = requests.filter((request) => request.system === 'kubernetes' && request.kind === 'read').map((request) => ({ label: request.label, raw: request.raw as RecordedRequest }));
  const lists = reads.filter(({ raw }) => raw.verb === 'list');
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const { label, raw } of reads) {
    if (raw.verb !== 'get') continue;
    const listed = lists.find((list) => list.raw.resource === raw.resource && (list.raw.namespace === undefined || list.raw.namespace === raw.namespace));
    if (seen.has(label)) repeated.push(`${label} (twice)`);
    else if (listed) repeated.push(`${label} (also in ${listed.label})`);
    seen.add(label);
  }
  return repeated;
}

/**
 * When the deny-all policy, the quarantine label on every one of `pods` (namespace/name) and the
 * narrowing of policies that would still admit a label-less pod (a patch of a NetworkPolicy in
 * their namespace) had all landed.
 */
function isolatedAt(requests: BenchRequest[], pods: string[]): number | undefined {
  const landed = (predicate: (request: BenchRequest) => boolean) => requests.filter((request) => request.ok && predicate(request)).map((request) => request.endedAt);
  const policy = landed((request) => request.object?.startsWith('create networkpolicies ') === true && request.object.includes(`/${quarantinePolicyName('')}`));
  const labels = pods.map((pod) => landed((request) => request.object === `patch pods ${pod}`));
  if (policy.length === 0 || labels.some((times) => times.length === 0)) return undefined;
  const namespaces = new Set(pods.map((pod) => pod.split('/')[0]));
  const narrowed = landed((request) => [...namespaces].some((namespace) => request.object?.startsWith(`patch networkpolicies ${namespace}/`) === true));
  return Math.max(Math.min(...policy), ...labels.map((times) => Math.min(...times)), ...narrowed);
}

/** When isolation, every node patch (the cordon, and the disruption-protection annotations beside it) and the revocation policy had all landed. */
function containedAt(requests: BenchRequest[], isolated: number | undefined): number | undefined {
  if (isolated === undefined) return undefined;
  const landed = requests.filter((request) => request.ok && (request.object?.startsWith('patch nodes ') === true || request.label === 'iam:PutRolePolicy'));
  return Math.max(isolated, ...landed.map((request) => request.endedAt));
}

/** Requests that tell people; Security Hub's update is for analysts' triage, not counted. */
const TELLS_PEOPLE = new Set(['sns:Publish', 'slack:PostWebhook']);

function notifiedAt(requests: BenchRequest[]): number | undefined {
  const landed = requests.filter((request) => request.ok && TELLS_PEOPLE.has(request.label)).map((request) => request.endedAt);
  return landed.length ? Math.min(...landed) : undefined;
}

export interface InvocationRecord {
  invokedAt: number;
  requests: BenchRequest[];
  /** Requests of the environment's earlier invocations. */
  earlier: BenchRequest[];
  connections: number;
  problems: string[];
  gcPauses: { startedAt: number; ms: number }[];
  cpuMs: number;
}

/** The part of each pause inside [start, end]. */
function pausedWithin(pauses: { startedAt: number; ms: number }[], start: number, end: number): { ms: number; pauses: number } {
  const overlaps = pauses.map((pause) => Math.min(end, pause.startedAt + pause.ms) - Math.max(start, pause.startedAt)).filter((overlap) => overlap > 0);
  return { ms: round(overlaps.reduce((sum, overlap) => sum + overlap, 0)), pauses: overlaps.length };
}

export function invocationFigures({ invokedAt, requests, earlier, connections, problems, gcPauses, cpuMs }: InvocationRecord, latencyMs: number, isolatedPods: string[]): InvocationFigures {
  const earlierTokens = new Set(earlier.map((request) => request.bearerToken));
  const first = requests[0];
  const start = first?.startedAt ?? 0;
  const end = Math.max(start, ...requests.map((request) => request.endedAt));
  const isolated = isolatedAt(requests, isolatedPods);
  const contained = containedAt(requests, isolated);
  const notified = notifiedAt(requests);
  const sequentialRequests = longestChain(requests);
  return {
    beforeFirstRequestRt: round((start - invokedAt) / latencyMs),
    criticalPathRt: round((end - start) / latencyMs),
    sequentialRequests,
    beyondRoundTripsMs: round(Math.max(0, end - start - sequentialRequests * latencyMs)),
    handlerCpu: { ms: round(cpuMs), perCallMs: requests.length ? Math.round((cpuMs / requests.length) * 100) / 100 : 0 },
    collectorOnCriticalPath: pausedWithin(gcPauses, start, end),
    sequentialToIsolation: isolated === undefined ? null : longestChain(requests.filter((request) => request.endedAt <= isolated)),
    isolationRt: isolated === undefined ? null : round((isolated - start) / latencyMs),
    isolationAfterFirstRt: isolated === undefined ? null : round((isolated - first.endedAt) / latencyMs),
    containedAfterFirstRt: contained === undefined ? null : round((contained - first.endedAt) / latencyMs),
    notifiedAfterFirstRt: notified === undefined ? null : round((notified - first.endedAt) / latencyMs),
    calls: countCalls(requests),
    repeatedReads: repeatedReads(requests),
    describeClusterCalls: requests.filter((request) => request.label === 'eks:DescribeCluster').length,
    kubernetesConnections: connections,
    newTokens: new Set(requests.map((request) => request.bearerToken).filter((token) => token && !earlierTokens.has(token))).size,
    problems,
    timeline: requests.map((request) => ({ request: request.label, startRt: round((request.startedAt - start) / latencyMs), endRt: round((request.endedAt - start) / latencyMs), ok: request.ok })),
  };
}

/** Longest chain of requests in which each starts after the previous one ended (earliest end first is optimal). */
function longestChain(requests: BenchRequest[]): number {
  let count = 0;
  let lastEnd = -Infinity;
  for (const request of [...requests].sort((a, b) => a.endedAt - b.endedAt)) {
    if (request.startedAt >= lastEnd) {
      count += 1;
      lastEnd = request.endedAt;
    }
  }
  return count;
}

/** The most requests in flight at one moment. */
export function peakConcurrency(requests: BenchRequest[]): number {
  const events = requests.flatMap((request) => [
    { at: request.startedAt, delta: 1 },
    { at: request.endedAt, delta: -1 },
  ]);
  // Ends before starts at the same instant: a request that ended is no longer in flight.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const event of events) {
    current += event.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}
