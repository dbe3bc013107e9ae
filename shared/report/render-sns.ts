import type { NotificationMessage } from '../adapters/ports';
import type { IncidentReport } from '../model';
import { consoleLinks } from './links';
import { renderText } from './render-text';
import { severityLabel } from './severity';

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
function subjectOf(report: IncidentReport): string {
  // The decision comes first so truncation never hides it; the sender already says eks-responder.
  const urgent = report.urgent ? '[URGENT] ' : '';
  const followUp = report.followUp ? '[follow-up] ' : '';
  const subject = `${followUp}${urgent}[${report.decision}] ${severityLabel(report.severity)} ${report.findingType} on ${report.cluster ?? 'no cluster'}`;
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** Text for people, then the JSON report for machines; attributes let subscribers filter. */
export function renderSnsMessage(report: IncidentReport, consoleBaseUrl: string): NotificationMessage {
  const links = consoleLinks(report, consoleBaseUrl).map((link) => `  ${link.label}: ${link.url}`);
  const text = [renderText(report), links.length ? `\nLinks\n${links.join('\n')}` : '', '\n--- JSON report ---', JSON.stringify(report, null, 2)].join('\n');
  return {
    subject: subjectOf(report),
    text,
    attributes: {
      severity: report.severity,
      severityLabel: severityLabel(report.severity),
      cluster: report.cluster ?? 'none',
      findingType: report.findingType,
      decision: report.decision,
      mode: report.mode,
      source: report.source,
      urgent: report.urgent ? 'true' : 'false',
      followUp: report.followUp ? 'true' : 'false',
    },
  };
}
