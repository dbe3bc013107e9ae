import type { Context, EventBridgeEvent } from 'aws-lambda';
import { handleEvent, raiseOnFailure } from '../shared/handle-event';
import { lambdaRuntime } from '../shared/lambda-runtime';
import { withMetrics } from '../shared/metrics';
import type { IncidentReport } from '../shared/model';

/** EventBridge rule: source aws.guardduty, detail-type "GuardDuty Finding", EKS findings only. */
export async function handler(event: EventBridgeEvent<'GuardDuty Finding', unknown>, context?: Context): Promise<IncidentReport> {
  const deps = lambdaRuntime();
  // A GuardDuty event carries exactly one finding.
  const [report] = await withMetrics(() => handleEvent(event, { mode: deps.config.mode, remainingTimeMs: context && (() => context.getRemainingTimeInMillis()) }, deps));
  return raiseOnFailure(report);
}
