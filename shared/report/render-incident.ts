import type { IncidentRecord, IncidentSummary, TimelineEntry } from '../adapters/ports';
import { severityLabel } from './severity';

const STATUS_MARK: Record<string, string> = { planned: 'PLAN', done: 'DONE', skipped: 'SKIP', failed: 'FAIL' };

function entryLines(entry: TimelineEntry): string[] {
  if (entry.kind === 'delivery') {
    const duplicate = entry.duplicate ? ' (duplicate delivery: nothing done)' : '';
    return [`  ${entry.at}  ${entry.source} ${entry.findingId}: ${entry.decision}, ${entry.mode} mode${duplicate}: ${entry.reason}`];
  }
  const lines = [`  ${entry.at}    [${STATUS_MARK[entry.status ?? ''] ?? entry.status}] ${entry.action} ${entry.target}: ${entry.detail}`];
  if (entry.before !== undefined) lines.push(`${' '.repeat(30)}before: ${JSON.stringify(entry.before)}`);
  return lines;
}

/** `eks-responder incident show`: the incident, then its timeline, oldest first. */
export function renderIncident(record: IncidentRecord): string {
  return [
    ...(record.urgent ? [`URGENT: ${record.urgent}`] : []),
    `Incident ${record.incidentId} (${record.incidentKey})`,
    `  Finding   ${record.findingType}, severity ${record.severity} ${severityLabel(record.severity)} (highest ${record.maxSeverity})`,
    `  Title     ${record.title}`,
    `  Where     cluster ${record.cluster ?? '(none)'}, account ${record.account}, region ${record.region}`,
    `  Seen      ${record.firstSeen} to ${record.lastSeen}, ${record.deliveries} deliveries from ${record.sources.join(', ')}`,
    `  Decision  ${record.decision} in ${record.mode} mode${record.policyRule ? ` (rule ${record.policyRule})` : ''}: ${record.reason}`,
    '  Timeline',
    ...record.timeline.flatMap(entryLines),
  ].join('\n');
}

/** `eks-responder incident list`: one line per incident, most recent first. */
export function renderIncidentList(incidents: IncidentSummary[]): string {
  if (incidents.length === 0) return 'No incidents.';
  const rows = incidents.map((incident) => [incident.lastSeen, incident.incidentId, incident.cluster ?? '-', `${incident.maxSeverity}`, incident.decision, incident.mode, incident.findingType]);
  const header = ['LAST SEEN', 'INCIDENT', 'CLUSTER', 'SEV', 'DECISION', 'MODE', 'TYPE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
