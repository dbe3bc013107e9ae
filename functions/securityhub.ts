import type { Context, EventBridgeEvent } from 'aws-lambda';
import { handleEvent, raiseOnFailure } from '../shared/handle-event';
import { lambdaRuntime } from '../shared/lambda-runtime';
import { withMetrics } from '../shared/metrics';
import type { IncidentReport } from '../shared/model';

/**
 * EventBridge rules: source aws.securityhub, detail-type "Security Hub Findings - Imported"
 * (active EKS findings only) and "Security Hub Findings - Custom Action" (the "Quarantine
 * workload" action). One report per finding of the event.
 */
export async function handler(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<IncidentReport[]> {
  const deps = lambdaRuntime();
  const reports = await withMetrics(() => handleEvent(event, { mode: deps.config.mode, remainingTimeMs: context && (() => context.getRemainingTimeInMillis()) }, deps));
  return raiseOnFailure(reports);
}
