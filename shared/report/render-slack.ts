import type { ActionStatus, IncidentReport } from '../model';
import { consoleLinks } from './links';
import { describeCall } from './render-text';
import { severityLabel } from './severity';

const STATUS_EMOJI: Record<ActionStatus, string> = { planned: ':memo:', done: ':white_check_mark:', skipped: ':fast_forward:', failed: ':x:', 'in-progress': ':hourglass_flowing_sand:' };

/** Slack's limit on a section's text. */
const MAX_SECTION = 2900;

function clip(text: string): string {
  return text.length > MAX_SECTION ? `${text.slice(0, MAX_SECTION - 1)}…` : text;
}

/** Block Kit message for an incoming webhook. */
export function renderSlack(report: IncidentReport, consoleBaseUrl: string): { text: string; blocks: unknown[] } {
  const headline = `${report.followUp ? 'Follow-up: ' : ''}${report.urgent ? 'URGENT: ' : ''}${severityLabel(report.severity)} ${report.findingType} on ${report.cluster ?? 'no cluster'}`;
  const targets = report.targets.map((target) => (target.pod ? `• pod \`${target.namespace}/${target.pod}\`${target.node ? ` on \`${target.node}\`` : ''}${target.roleArn ? `, role \`${target.roleArn}\`` : ''}` : `• node \`${target.node}\``));
  const actions = report.actions.map((action) => `${STATUS_EMOJI[action.status]} *${action.action}* ${action.target}: ${action.detail}`);
  const links = consoleLinks(report, consoleBaseUrl).map((link) => `<${link.url}|${link.label}>`);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `eks-responder: ${headline}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Incident*\n${report.incidentId}` },
        { type: 'mrkdwn', text: `*Mode / decision*\n${report.mode} / ${report.decision}` },
        { type: 'mrkdwn', text: `*Severity*\n${report.severity} (${severityLabel(report.severity)})` },
        { type: 'mrkdwn', text: `*Account / region*\n${report.account} / ${report.region}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*${report.title}*\n${report.reason}`) } },
  ];
  if (report.controlPlane) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Call*\n${describeCall(report.controlPlane)}`) } });
  if (report.urgent) blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: clip(`:rotating_light: *${report.urgent}*`) } });
  if (report.followUp) blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: clip(`:warning: *Follow-up: ${report.followUp}*`) } });
  if (targets.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Targets*\n${targets.join('\n')}`) } });
  if (actions.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Actions*\n${actions.join('\n')}`) } });
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  return { text: `eks-responder: ${headline} (${report.decision}, ${report.mode} mode)`, blocks };
}
