import { loadEvent } from './events';

function lowerFirstLetterOfKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerFirstLetterOfKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key[0].toLowerCase() + key.slice(1), lowerFirstLetterOfKeys(inner)]));
  }
  return value;
}

/**
 * A get-findings document (PascalCase) as EventBridge would deliver it: the documented
 * envelope (see events/PROVENANCE.md, "Envelope rules") around the camelCase finding.
 */
export function asEventBridgeEvent(getFindingsJson: string): Record<string, any> {
  const detail = lowerFirstLetterOfKeys(JSON.parse(getFindingsJson).Findings[0]) as Record<string, any>;
  return {
    version: '0',
    id: '0b0d4f9e-2c1a-5e4b-9a7d-3f2e1d0c9b8a',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: detail.accountId,
    time: detail.updatedAt,
    region: detail.region,
    resources: [],
    detail,
  };
}

export { loadEvent };
