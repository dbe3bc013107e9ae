import { ARGOCD_FINDING, loadEvent } from './events';

/**
 * The real argocd finding (get-findings output), optionally pointed at another workload or
 * user. Public sources hold no real Deployment-, DaemonSet-, service-account- or node-level
 * EKS finding (events/PROVENANCE.md, "Gaps"), so tests derive those from this one, changing
 * only the fields named here.
 */
export function argocdFinding(change: {
  severity?: number;
  workload?: { Name: string; Type: string; Namespace: string; ServiceAccountName?: string } | null;
  username?: string;
  id?: string;
  /** The node's instance, as Runtime Monitoring findings name it (the audit-log sample names none). */
  instanceId?: string;
} = {}): string {
  const document = loadEvent(ARGOCD_FINDING);
  const finding = document.Findings[0];
  if (change.severity !== undefined) finding.Severity = change.severity;
  if (change.id) finding.Id = change.id;
  if (change.workload === null) delete finding.Resource.KubernetesDetails.KubernetesWorkloadDetails;
  else if (change.workload) finding.Resource.KubernetesDetails.KubernetesWorkloadDetails = change.workload;
  if (change.username) finding.Resource.KubernetesDetails.KubernetesUserDetails.Username = change.username;
  if (change.instanceId) finding.Resource.InstanceDetails = { InstanceId: change.instanceId };
  return JSON.stringify(document);
}
