/**
 * Amazon GuardDuty (REST-JSON): the three read operations `policy simulate` uses. Paths and member
 * names follow the operation schemas in @aws-sdk/client-guardduty. Findings are stored in the
 * wire shape (camelCase), as EventBridge `detail` and the API both carry them.
 */
import { AwsError, type RestRoute } from './protocol';
import type { FakeAwsState } from './state';

type Finding = Record<string, unknown>;
type Params = Record<string, unknown>;

/** ListFindings pages of at most 50 (the API's maximum), GetFindings batches of at most 50. */
const MAX_RESULTS = 50;

function detector(state: FakeAwsState, params: Params): Map<string, Finding> {
  const findings = state.guardDutyDetectors.get(String(params.DetectorId ?? ''));
  if (!findings) throw new AwsError(400, 'BadRequestException', 'The request is rejected because the input detectorId is not owned by the current account.');
  return findings;
}

/** The `updatedAt` criterion in either spelling the API accepts: `gte` (deprecated) or `greaterThanOrEqual` (epoch ms). */
function updatedSince(params: Params): number | undefined {
  const criterion = (params.findingCriteria as { criterion?: Record<string, Record<string, unknown>> } | undefined)?.criterion ?? {};
  for (const [field, condition] of Object.entries(criterion)) {
    if (field !== 'updatedAt') throw new AwsError(400, 'BadRequestException', `FakeAws supports only the updatedAt criterion, not ${field}`);
    const since = condition.greaterThanOrEqual ?? condition.gte;
    if (typeof since === 'number') return since;
  }
  return undefined;
}

function page<T>(items: T[], params: Params): { items: T[]; nextToken?: string } {
  const max = Math.min(Number(params.maxResults ?? MAX_RESULTS), MAX_RESULTS);
  const start = Number(params.nextToken ?? 0);
  const end = start + max;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

export const guardDutyRoutes: RestRoute<FakeAwsState>[] = [
  {
    method: 'GET',
    path: '/detector',
    operation: 'ListDetectors',
    kind: 'read',
    handle: (p, state) => {
      const { items, nextToken } = page([...state.guardDutyDetectors.keys()], p);
      return { detectorIds: items, nextToken };
    },
  },
  {
    method: 'POST',
    path: '/detector/{DetectorId}/findings',
    operation: 'ListFindings',
    kind: 'read',
    handle: (p, state) => {
      const since = updatedSince(p);
      const ids = [...detector(state, p).values()]
        .filter((finding) => since === undefined || Date.parse(String(finding.updatedAt)) >= since)
        .map((finding) => String(finding.id));
      const { items, nextToken } = page(ids, p);
      return { findingIds: items, nextToken };
    },
  },
  {
    method: 'POST',
    path: '/detector/{DetectorId}/findings/get',
    operation: 'GetFindings',
    kind: 'read',
    handle: (p, state) => {
      const findings = detector(state, p);
      const ids = Array.isArray(p.findingIds) ? (p.findingIds as string[]) : [];
      if (ids.length > MAX_RESULTS) throw new AwsError(400, 'BadRequestException', `findingIds: at most ${MAX_RESULTS} ids per request`);
      return { findings: ids.map((id) => findings.get(id)).filter(Boolean) };
    },
  },
];
