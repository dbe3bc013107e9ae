import { BadInputError } from '../errors';
import type { Finding } from '../model';
import { CLOUDTRAIL_DETAIL_TYPE, normalizeCloudTrailEvent } from './cloudtrail';
import { guardDutyEventSchema, normalizeGuardDutyFinding } from './guardduty';
import { camelizeKeys, parseWith } from './parse';
import { normalizeSecurityHubEvent, SECURITY_HUB_IMPORTED } from './securityhub';

/** One incoming event, as received, and the finding it normalizes into. */
export interface SourceEvent {
  raw: unknown;
  finding: Finding;
}

/** JSON text from a file, stdin or an invocation payload; malformed or truncated JSON is bad input. */
export function parseJsonText(text: string, origin: string): unknown {
  if (!text.trim()) throw new BadInputError(`${origin} is empty`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${origin} is not valid JSON (${(error as Error).message})`);
  }
}

/** ASFF findings carry a product ARN; GuardDuty's own get-findings output does not. */
const isAsff = (finding: unknown): boolean => Boolean(finding && typeof finding === 'object' && 'ProductArn' in finding);

/**
 * Turn one input document into events. Accepts an EventBridge event, or the output of
 * `aws guardduty get-findings` or `aws securityhub get-findings` (one event per finding), so
 * findings can be replayed by hand.
 */
export function splitInput(document: unknown): unknown[] {
  if (document && typeof document === 'object' && !Array.isArray(document) && 'Findings' in document) {
    const findings = (document as { Findings: unknown }).Findings;
    if (!Array.isArray(findings) || findings.length === 0) throw new BadInputError('get-findings output has no Findings');
    return findings.map((finding) =>
      isAsff(finding)
        ? { source: 'aws.securityhub', 'detail-type': SECURITY_HUB_IMPORTED, detail: { findings: [finding] } }
        : { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: camelizeKeys(finding) },
    );
  }
  if (Array.isArray(document)) return document;
  return [document];
}

/**
 * Normalize one EventBridge event from any supported source. A Security Hub event may carry
 * several findings (a custom action on a selection), hence a list.
 */
export function normalizeEvent(event: unknown): Finding[] {
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    throw new BadInputError('event is not a JSON object');
  }
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  if (typeof source !== 'string' || typeof detailType !== 'string') {
    throw new BadInputError('event is not an EventBridge event: it needs "source" and "detail-type"');
  }
  if (source === 'aws.guardduty' && detailType === 'GuardDuty Finding') {
    const parsed = parseWith(guardDutyEventSchema, event, 'GuardDuty event');
    return [normalizeGuardDutyFinding(parsed.detail)];
  }
  if (source === 'aws.securityhub') return normalizeSecurityHubEvent(event);
  // CloudTrail events of every service parse; policy ignores those that are not EKS control-plane calls.
  if (detailType === CLOUDTRAIL_DETAIL_TYPE) return [normalizeCloudTrailEvent(event)];
  throw new BadInputError(`unsupported event: source "${source}", detail-type "${detailType}"`);
}
