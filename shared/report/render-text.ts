import type { ActionStatus, IncidentReport } from '../model';
import { severityLabel } from './severity';

const STATUS_MARK: Record<ActionStatus, string> = { planned: 'PLAN', done: 'DONE', skipped: 'SKIP', failed: 'FAIL', 'in-progress': 'BUSY' };

function describeTarget(target: IncidentReport['targets'][number]): string {
  const parts = [
    target.pod ? `pod ${target.namespace}/${target.pod}` : undefined,
    target.node ? `node ${target.node}` : undefined,
    target.instanceId ? `instance ${target.instanceId}` : undefined,
    target.serviceAccount ? `service account ${target.serviceAccount}` : undefined,
    target.roleArn ? `role ${target.roleArn}` : target.pod ? 'no IAM role' : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}

/** `UpdateClusterConfig by arn:… from 203.0.113.7 (aws-cli/2.15)`: who did what, for control-plane calls. */
export function describeCall(call: NonNullable<IncidentReport['controlPlane']>): string {
  const from = call.actor.sourceIp ? ` from ${call.actor.sourceIp}` : '';
  const agent = call.actor.userAgent ? ` (${call.actor.userAgent})` : '';
  return `${call.eventName} by ${call.actor.arn}${from}${agent}${call.eventTime ? ` at ${call.eventTime}` : ''}`;
}

/** The human-readable report: CLI output, SNS e-mail body. */
export function renderText(report: IncidentReport): string {
  const lines = [
    ...(report.followUp ? [`FOLLOW-UP: ${report.followUp}`] : []),
    ...(report.urgent ? [`URGENT: ${report.urgent}`] : []),
    `Incident ${report.incidentId} (${report.mode} mode)`,
    `  Finding   ${report.findingType}, severity ${report.severity} ${severityLabel(report.severity)}, ${report.source} ${report.findingId}`,
    `  Title     ${report.title}`,
    `  Where     cluster ${report.cluster ?? '(none)'}, account ${report.account}, region ${report.region}`,
    ...(report.controlPlane ? [`  Call      ${describeCall(report.controlPlane)}`] : []),
    `  Decision  ${report.decision}: ${report.reason}`,
  ];
  if (report.targets.length) {
    lines.push('  Targets');
    for (const target of report.targets) lines.push(`    - ${describeTarget(target)}`);
  }
  if (report.actions.length) {
    lines.push('  Actions');
    for (const action of report.actions) {
      lines.push(`    [${STATUS_MARK[action.status]}] ${action.action} ${action.target}: ${action.detail}`);
    }
  }
  if (report.notes.length) {
    lines.push('  Notes');
    for (const note of report.notes) lines.push(`    - ${note}`);
  }
  return lines.join('\n');
}
