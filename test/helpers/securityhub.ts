import { loadEvent } from './events';

export const CUSTOM_ACTION = 'securityhub/custom-action-guardduty-eks-discovery-malicious-ip-caller.json';
export const EKS_1 = 'securityhub/imported-eks-1-cluster-endpoint-public.json';

export interface AsffChange {
  cluster?: { name: string; account: string; region: string };
  workload?: { name: string; type: string; namespace: string };
  severity?: { Label: string; Normalized: number };
  /** The GuardDuty finding this is the copy of: its ARN becomes the ASFF id. */
  guardDutyArn?: string;
  /** GuardDuty's type, written the ASFF way (`TTPs/.../Tactic:Kubernetes-Name`). */
  types?: string[];
}

/**
 * The real GuardDuty EKS finding of the custom-action sample, pointed elsewhere. Public sources
 * hold no Security Hub GuardDuty-EKS finding that names a workload (events/PROVENANCE.md,
 * "Gaps"), so tests derive one: only the fields named in `change` are replaced, with the
 * `kubernetesDetails/...` keys the sample's `Details.Other` uses and the identifiers GuardDuty
 * gives its Security Hub copies (GuardDuty ARN as Id, GuardDuty's product ARN in its region).
 */
export function asffFinding(change: AsffChange = {}): any {
  const finding = loadEvent(CUSTOM_ACTION).detail.findings[0];
  const [resource] = finding.Resources;
  if (change.cluster) {
    const { name, account, region } = change.cluster;
    const arn = `arn:aws:eks:${region}:${account}:cluster/${name}`;
    Object.assign(resource, { Id: arn, Region: region });
    Object.assign(resource.Details.AwsEksCluster, { Arn: arn, Name: name });
    Object.assign(finding, { AwsAccountId: account, Region: region });
  }
  if (change.workload) {
    delete resource.Details.Other['kubernetesDetails/kubernetesWorkloadDetails'];
    Object.assign(resource.Details.Other, {
      'kubernetesDetails/kubernetesWorkloadDetails/name': change.workload.name,
      'kubernetesDetails/kubernetesWorkloadDetails/type': change.workload.type,
      'kubernetesDetails/kubernetesWorkloadDetails/namespace': change.workload.namespace,
    });
  }
  if (change.severity) finding.Severity = { ...change.severity, Product: change.severity.Normalized / 10 };
  if (change.types) finding.Types = change.types;
  if (change.guardDutyArn) {
    const region = change.guardDutyArn.split(':')[3];
    const productArn = `arn:aws:securityhub:${region}::product/aws/guardduty`;
    Object.assign(finding, { Id: change.guardDutyArn, ProductArn: productArn, GeneratorId: change.guardDutyArn.split('/finding/')[0] });
    finding.ProductFields['aws/securityhub/FindingId'] = `${productArn}/${change.guardDutyArn}`;
  }
  return finding;
}

export function importedEvent(...findings: any[]): any {
  const event = loadEvent(EKS_1);
  return { ...event, account: findings[0].AwsAccountId, region: findings[0].Region, resources: findings.map((finding) => finding.ProductFields['aws/securityhub/FindingId']), detail: { findings } };
}

export function customActionEvent(...findings: any[]): any {
  const event = loadEvent(CUSTOM_ACTION);
  return { ...event, detail: { ...event.detail, actionName: 'Quarantine workload', actionDescription: 'Quarantine the workload of the finding', findings } };
}
