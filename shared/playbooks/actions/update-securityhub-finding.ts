import type { SecurityHubFindingUpdate } from '../../adapters/ports';
import type { ResponderConfig } from '../../config';
import type { IncidentReport, SecurityHubFindingRef } from '../../model';
import type { Action, ActionContext } from '../action';

/** Security Hub's limit on a note's text. */
const MAX_NOTE = 512;

function requireReport(context: ActionContext): IncidentReport {
  if (!context.report) throw new Error('update-securityhub-finding runs after the report is built');
  return context.report;
}

/** `isolate-pod done, cordon-node 2 done 1 failed`: what happened, per action, in the order they ran. */
function summarizeActions(report: IncidentReport): string {
  const counts = new Map<string, Map<string, number>>();
  for (const record of report.actions) {
    const byStatus = counts.get(record.action) ?? new Map<string, number>();
    byStatus.set(record.status, (byStatus.get(record.status) ?? 0) + 1);
    counts.set(record.action, byStatus);
  }
  return [...counts.entries()]
    .map(([action, byStatus]) => {
      const statuses = [...byStatus.entries()].map(([status, count]) => (count > 1 || byStatus.size > 1 ? `${count} ${status}` : status));
      return `${action} ${statuses.join(' ')}`;
    })
    .join(', ');
}

export function securityHubNote(report: IncidentReport): string {
  const actions = summarizeActions(report);
  // The note stays as written: say that a change in progress is noted again only if it fails.
  const pending = report.actions.some((record) => record.status === 'in-progress') ? '; in-progress changes are noted again only if they fail' : '';
  const note = `eks-responder incident ${report.incidentId} (${report.mode} mode, decision ${report.decision}): ${actions || report.reason}${pending}`;
  return note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note;
}

/**
 * RESOLVED only when configured and the response is complete: something was done, nothing failed
 * or is left planned. A preservation change still in progress does not hold it back: if it fails,
 * the follow-up notification sets NOTIFIED.
 */
export function workflowStatusFor(report: IncidentReport, config: ResponderConfig): SecurityHubFindingUpdate['status'] {
  const contained =
    report.mode === 'enforce' &&
    report.decision === 'respond' &&
    report.actions.some((record) => record.status === 'done') &&
    report.actions.every((record) => record.status === 'done' || record.status === 'skipped' || record.status === 'in-progress');
  return contained && config.securityHubStatusWhenContained === 'RESOLVED' ? 'RESOLVED' : 'NOTIFIED';
}

/** A product ARN names the region that holds the finding: `arn:aws:securityhub:us-east-1::product/aws/guardduty`. */
function regionOf(target: SecurityHubFindingRef, fallback: string): string {
  return target.productArn.split(':')[3] || fallback;
}

/**
 * Records the response on the Security Hub finding, where analysts triage: a note with the
 * incident id and what was done, and the workflow status. For a GuardDuty finding it updates
 * the copy GuardDuty sent to Security Hub; when there is none (Security Hub not enabled, or the
 * finding not imported), that is a skip, not a failure.
 */
export const updateSecurityHubFinding: Action<SecurityHubFindingRef, { region: string; update: SecurityHubFindingUpdate }> = {
  name: 'update-securityhub-finding',
  description: 'Note the response on the Security Hub finding and set its workflow status (NOTIFIED, or RESOLVED when configured)',
  kind: 'notification',
  correlation: 'none',
  permissions: { kubernetes: [], iam: ['securityhub:BatchUpdateFindings'] },
  noTargetReason: 'the incident has no Security Hub finding',
  targetsOf: (context) => (context.finding.securityHubFinding ? [context.finding.securityHubFinding] : []),
  describe: (target) => `finding ${target.id}`,

  async plan(context, target) {
    const report = requireReport(context);
    const update = { note: securityHubNote(report), status: workflowStatusFor(report, context.config) };
    return { summary: `set workflow status ${update.status} with the note "${update.note}"`, change: { region: regionOf(target, context.finding.region), update } };
  },

  async apply(context, target, change) {
    const result = await context.adapters.securityHub.updateFinding(change.region, target, change.update);
    if (result.updated) return { status: 'done', detail: `workflow status ${change.update.status}, note added` };
    if (target.origin === 'copy') return { status: 'skipped', detail: `no Security Hub copy updated (${result.reason})` };
    throw new Error(`Security Hub did not update the finding: ${result.reason}`);
  },
};
