import type { IncidentReport } from '../model';

/** Console pages a responder opens first. */
export function consoleLinks(report: IncidentReport, base: string): { label: string; url: string }[] {
  const region = encodeURIComponent(report.region);
  const links: { label: string; url: string }[] = [];
  if (report.source === 'guardduty') {
    links.push({ label: 'GuardDuty finding', url: `${base}/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(report.findingId)}` });
  }
  if (report.source === 'cloudtrail') {
    links.push({ label: 'CloudTrail event', url: `${base}/cloudtrailv2/home?region=${region}#/events/${encodeURIComponent(report.findingId)}` });
  }
  if (report.cluster) {
    links.push({ label: 'EKS cluster', url: `${base}/eks/home?region=${region}#/clusters/${encodeURIComponent(report.cluster)}` });
  }
  for (const roleArn of new Set(report.targets.map((target) => target.roleArn).filter(Boolean))) {
    const name = String(roleArn).split('/').pop() ?? '';
    links.push({ label: `IAM role ${name}`, url: `${base}/iam/home#/roles/details/${encodeURIComponent(name)}` });
  }
  return links;
}
