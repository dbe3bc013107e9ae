import type { Context, EventBridgeEvent } from 'aws-lambda';
import { handleEvent, raiseOnFailure } from '../shared/handle-event';
import { lambdaRuntime } from '../shared/lambda-runtime';
import { withMetrics } from '../shared/metrics';
import type { IncidentReport } from '../shared/model';

/** EventBridge rule: source aws.eks, detail-type "AWS API Call via CloudTrail", the control-plane calls the playbooks watch. */
export async function handler(event: EventBridgeEvent<'AWS API Call via CloudTrail', unknown>, context?: Context): Promise<IncidentReport> {
  const deps = lambdaRuntime();
  // A CloudTrail event carries exactly one call.
  const [report] = await withMetrics(() => handleEvent(event, { mode: deps.config.mode, remainingTimeMs: context && (() => context.getRemainingTimeInMillis()) }, deps));
  return raiseOnFailure(report);
}
