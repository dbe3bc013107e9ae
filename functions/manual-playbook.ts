import { raiseOnFailure } from '../shared/handle-event';
import { lambdaRuntime } from '../shared/lambda-runtime';
import { runManualPlaybook } from '../shared/manual-invocation';
import { withMetrics } from '../shared/metrics';
import type { IncidentReport } from '../shared/model';

/** Invoked directly: {playbook, event | target: {cluster, namespace, pod}, mode?, reason?, allowProtected?}. */
export async function handler(payload: unknown): Promise<IncidentReport[]> {
  const deps = lambdaRuntime();
  const reports = await withMetrics(() => runManualPlaybook(payload, deps.config.mode, deps));
  return raiseOnFailure(reports);
}
