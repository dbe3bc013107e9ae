import type { IncidentReport } from '../../shared/model';

/** An incident report of a High GuardDuty finding, acted on in enforce mode; `change` sets what a test looks at. */
export const incidentReport = (change: Partial<IncidentReport> = {}): IncidentReport => ({
  incidentId: 'inc-0123456789abcdef',
  incidentKey: 'guardduty:1',
  source: 'guardduty',
  findingId: '1',
  findingType: 'PrivilegeEscalation:Kubernetes/PrivilegedContainer',
  title: 't',
  severity: 8,
  cluster: 'prod',
  account: '123456789012',
  region: 'us-east-1',
  mode: 'enforce',
  decision: 'respond',
  reason: 'severity 8 (High) is at least 7',
  targets: [],
  actions: [],
  notes: [],
  ...change,
});
