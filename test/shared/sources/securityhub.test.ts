import { BadInputError } from '../../../shared/errors';
import { normalizeEvent, splitInput } from '../../../shared/sources';
import { incidentIdFor } from '../../../shared/sources/guardduty';
import { asffSeverity } from '../../../shared/sources/securityhub';
import { eventFiles, loadEvent } from '../../helpers/events';
import { asffFinding, CUSTOM_ACTION, EKS_1, importedEvent } from '../../helpers/securityhub';

/** The Security Hub copy of a GuardDuty EventBridge finding (derived, see asffFinding). */
function securityHubCopyOf(guardDutyEvent: any): any {
  return importedEvent(asffFinding({ guardDutyArn: guardDutyEvent.detail.arn }));
}

describe('Security Hub source', () => {
  it.each(eventFiles('securityhub'))('parses %s', (file) => {
    const findings = normalizeEvent(loadEvent(file));

    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding.source).toBe('securityhub');
      expect(finding.securityHubFinding).toMatchObject({ id: finding.findingId, origin: 'own' });
    }
  });

  it('normalizes a GuardDuty EKS finding chosen through a custom action', () => {
    const [finding] = normalizeEvent(loadEvent(CUSTOM_ACTION));

    expect(finding).toMatchObject({
      findingId: 'arn:aws:guardduty:us-east-1:0123456789101:detector/abcd/finding/1234',
      incidentKey: 'guardduty:1234',
      type: 'Discovery:Kubernetes/MaliciousIPCaller',
      severity: 5,
      account: '0123456789101',
      region: 'us-east-1',
      product: 'GuardDuty',
      sample: false,
      cluster: { name: 'cleanroom-test-eks', arn: 'arn:aws:eks:us-east-1:0123456789101:cluster/cleanroom-test-eks' },
      kubernetesUser: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      kubernetesApiCall: { verb: 'get', requestUri: '/version' },
      customAction: { name: 'Forensic Triage', arn: 'arn:aws:securityhub:us-east-1:0123456789101:action/custom/ForensicTriageAction' },
      securityHubFinding: { id: 'arn:aws:guardduty:us-east-1:0123456789101:detector/abcd/finding/1234', productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
    });
    // `kubernetesWorkloadDetails` is present but empty: no workload.
    expect(finding.workload).toBeUndefined();
    expect(finding.notEksReason).toBeUndefined();
  });

  it('normalizes a Security Hub control finding about an EKS cluster, keyed by its own id', () => {
    const [finding] = normalizeEvent(loadEvent(EKS_1));

    expect(finding).toMatchObject({
      incidentKey: 'securityhub:arn:aws:securityhub:us-east-1:XXXXXXXXXXX:security-control/EKS.1/finding/931a06d9-1b1d-431b-8b91-1ff86829b400',
      type: 'security-control/EKS.1',
      title: 'EKS cluster endpoints should not be publicly accessible',
      severity: 7,
      cluster: { name: 'starter-blueprint', arn: 'arn:aws:eks:us-east-1:XXXXXXXXXXX:cluster/starter-blueprint' },
      product: 'Security Hub',
    });
    expect(finding.customAction).toBeUndefined();
  });

  it.each([
    ['neg-imported-guardduty-ec2-ssh-bruteforce.json', 'resource type AwsEc2Instance is not an EKS cluster'],
    ['neg-imported-iam-6-root-hardware-mfa.json', 'resource type AwsAccount is not an EKS cluster'],
    ['neg-imported-afsbp-ec2-7-ebs-default-encryption.json', 'resource type AwsAccount is not an EKS cluster'],
    ['neg-custom-action-cloudtrail-1.json', 'resource type AwsAccount is not an EKS cluster'],
  ])('says why %s is not about EKS', (file, reason) => {
    expect(normalizeEvent(loadEvent(`securityhub/${file}`))[0].notEksReason).toBe(reason);
  });

  it('gives a GuardDuty finding and its Security Hub copy one incident key', () => {
    const guardDutyEvent = loadEvent('guardduty/eks-discovery-malicious-ip-caller.json');
    const [direct] = normalizeEvent(guardDutyEvent);
    const [copy] = normalizeEvent(securityHubCopyOf(guardDutyEvent));

    expect(copy.type).toBe(direct.type);
    expect(copy.incidentKey).toBe(direct.incidentKey);
    expect(incidentIdFor(copy.incidentKey)).toBe(incidentIdFor(direct.incidentKey));
    // The GuardDuty finding points at exactly the copy Security Hub holds.
    expect(direct.securityHubFinding).toEqual({ id: copy.securityHubFinding?.id, productArn: copy.securityHubFinding?.productArn, origin: 'copy' });
  });

  it('finds the GuardDuty id in Security Hub\'s own finding id when the ASFF id is not the GuardDuty ARN', () => {
    const event = loadEvent(CUSTOM_ACTION);
    event.detail.findings[0].Id = 'aggregated-copy-1';

    expect(normalizeEvent(event)[0].incidentKey).toBe('guardduty:1234');
  });

  it('reads the workload, user and images GuardDuty puts in Details.Other', () => {
    const event = loadEvent(CUSTOM_ACTION);
    const other = event.detail.findings[0].Resources[0].Details.Other;
    // Derived: the sample's workload details are empty; these keys follow its kubernetesDetails/... naming.
    delete other['kubernetesDetails/kubernetesWorkloadDetails'];
    Object.assign(other, {
      'kubernetesDetails/kubernetesWorkloadDetails/name': 'privileged-pod',
      'kubernetesDetails/kubernetesWorkloadDetails/type': 'pods',
      'kubernetesDetails/kubernetesWorkloadDetails/namespace': 'argocd',
      'kubernetesDetails/kubernetesWorkloadDetails/containers.0_/image': 'centos',
      'kubernetesDetails/kubernetesWorkloadDetails/containers.1_/image': 'busybox',
    });

    const [finding] = normalizeEvent(event);

    expect(finding.workload).toEqual({ kind: 'pods', name: 'privileged-pod', namespace: 'argocd', uid: undefined });
    expect(finding.images).toEqual(['centos', 'busybox']);
  });

  it('turns every finding of a custom action into its own finding', () => {
    const event = loadEvent(CUSTOM_ACTION);
    const second = structuredClone(event.detail.findings[0]);
    second.Id = 'arn:aws:guardduty:us-east-1:0123456789101:detector/abcd/finding/5678';
    event.detail.findings.push(second);

    const findings = normalizeEvent(event);

    expect(findings.map((finding) => finding.incidentKey)).toEqual(['guardduty:1234', 'guardduty:5678']);
    expect(findings.every((finding) => finding.customAction?.name === 'Forensic Triage')).toBe(true);
  });

  it.each([
    [{ RecordState: 'ARCHIVED' }, 'record state is ARCHIVED'],
    [{ Workflow: { Status: 'SUPPRESSED' } }, 'workflow status is SUPPRESSED'],
    [{ Workflow: { Status: 'RESOLVED' } }, 'workflow status is RESOLVED'],
    [{ Workflow: null, WorkflowState: 'RESOLVED' }, 'workflow status is RESOLVED'],
    [{ Workflow: { Status: 'NOTIFIED' } }, undefined],
  ])('marks %j as closed: %s', (change, reason) => {
    const event = loadEvent(EKS_1);
    Object.assign(event.detail.findings[0], change);

    expect(normalizeEvent(event)[0].inactiveReason).toBe(reason);
  });

  it.each([
    [{ Label: 'HIGH', Normalized: 80 }, 8],
    [{ Label: 'MEDIUM', Normalized: 50 }, 5],
    [{ Normalized: 95 }, 9.5],
    [{ Label: 'CRITICAL' }, 9],
    [{ Label: 'LOW' }, 0.1],
    [{ Label: 'INFORMATIONAL', Normalized: 0 }, 0],
    // Relabelled by an analyst: the label wins, at the bottom of its band.
    [{ Label: 'HIGH', Normalized: 40 }, 7],
  ])('maps ASFF severity %j to %s on the 0-10 scale', (severity, expected) => {
    expect(asffSeverity(severity as never)).toBe(expected);
  });

  it('accepts `aws securityhub get-findings` output as one Imported event per finding', () => {
    const asff = loadEvent(EKS_1).detail.findings[0];

    const events = splitInput({ Findings: [asff, asff] });

    expect(events).toEqual([
      { source: 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported', detail: { findings: [asff] } },
      { source: 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported', detail: { findings: [asff] } },
    ]);
    expect(normalizeEvent(events[0])[0].cluster?.name).toBe('starter-blueprint');
  });

  it.each([
    ['without resources', (event: any) => delete event.detail.findings[0].Resources, /^Security Hub finding: Resources: /],
    ['without a severity', (event: any) => delete event.detail.findings[0].Severity && delete event.detail.findings[0].FindingProviderFields, 'Security Hub finding: Severity: expected Label or Normalized'],
    ['with an unknown severity label', (event: any) => (event.detail.findings[0].Severity = { Label: 'SEVERE' }), /^Security Hub finding: Severity\.Label: /],
    ['without findings', (event: any) => (event.detail.findings = []), 'Security Hub event: detail.findings: expected at least one finding'],
    ['of another detail-type', (event: any) => (event['detail-type'] = 'Security Hub Insight Results'), /^Security Hub event: detail-type: /],
  ])('rejects an event %s with a one-line message naming the field', (_name, breakIt, message) => {
    const event = loadEvent(EKS_1);
    breakIt(event);

    expect(() => normalizeEvent(event)).toThrow(BadInputError);
    expect(() => normalizeEvent(event)).toThrow(message);
  });

  it('names which finding of several is malformed', () => {
    const event = loadEvent(CUSTOM_ACTION);
    event.detail.findings.push({ Id: 'broken' });

    expect(() => normalizeEvent(event)).toThrow(/^Security Hub finding 2: /);
  });
});
