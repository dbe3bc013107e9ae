import { BadInputError } from '../../../shared/errors';
import { normalizeEvent, parseJsonText, splitInput } from '../../../shared/sources';
import { incidentIdFor } from '../../../shared/sources/guardduty';
import { ARGOCD_FINDING, eventFiles, loadEvent } from '../../helpers/events';

describe('GuardDuty source', () => {
  it.each(eventFiles('guardduty'))('parses %s', (file) => {
    const [finding] = normalizeEvent(loadEvent(file));

    expect(finding.source).toBe('guardduty');
    expect(finding.findingId).toMatch(/\w+/);
    expect(finding.severity).toBeGreaterThan(0);
  });

  it('recognises EKS findings and names why others are not', () => {
    const [eks] = normalizeEvent(loadEvent('guardduty/eks-privileged-container.json'));
    const [ec2] = normalizeEvent(loadEvent('guardduty/neg-ec2-tor-relay.json'));
    const [docker] = normalizeEvent(loadEvent('guardduty/runtime-docker-socket-accessed-container-LOWFIDELITY.json'));

    expect(eks.notEksReason).toBeUndefined();
    expect(eks.cluster).toEqual({ name: 'GeneratedFindingEKSClusterName', arn: 'GeneratedFindingEKSClusterArn' });
    expect(eks.sample).toBe(true);
    expect(ec2.notEksReason).toBe('resource type Instance is not an EKS cluster');
    expect(docker.notEksReason).toBe('resource type Container is not an EKS cluster');
  });

  it('reads sample markers in the 2022 additionalInfo format', () => {
    const [finding] = normalizeEvent(loadEvent('guardduty/eks-persistence-successful-anonymous-access-2022.json'));

    expect(finding.sample).toBe(true);
    expect(finding.kubernetesUser?.username).toBe('system:anonymous');
  });

  it('accepts get-findings output (PascalCase) as one event per finding', () => {
    const events = splitInput(loadEvent(ARGOCD_FINDING));
    const [finding] = normalizeEvent(events[0]);

    expect(events).toHaveLength(1);
    expect(finding).toMatchObject({
      findingId: 'f2c3859c6ca25b3057d13470a992bbd7',
      type: 'PrivilegeEscalation:Kubernetes/PrivilegedContainer',
      severity: 5,
      account: '123456789012',
      region: 'us-east-1',
      cluster: { name: 'guardduty-blueprint' },
      workload: { kind: 'pods', name: 'privileged-pod', namespace: 'argocd' },
      kubernetesUser: { username: 'system:serviceaccount:argocd:argocd-application-controller' },
      images: ['centos'],
      sample: false,
      createdAt: '2023-03-22T21:28:07.748Z',
    });
  });

  it("keeps the service account a recent finding names for its workload", () => {
    const document = loadEvent(ARGOCD_FINDING);
    document.Findings[0].Resource.KubernetesDetails.KubernetesWorkloadDetails.ServiceAccountName = 'privileged-app';
    const [finding] = normalizeEvent(splitInput(document)[0]);
    const [older] = normalizeEvent(splitInput(loadEvent(ARGOCD_FINDING))[0]);

    expect(finding.workload).toEqual({ kind: 'pods', name: 'privileged-pod', namespace: 'argocd', uid: expect.any(String), serviceAccount: 'privileged-app' });
    expect(older.workload?.serviceAccount).toBeUndefined();
  });

  it('derives a stable, label-safe incident id from the finding id', () => {
    const [first] = normalizeEvent(loadEvent('guardduty/eks-privileged-container.json'));
    const [again] = normalizeEvent(loadEvent('guardduty/eks-privileged-container.json'));

    expect(incidentIdFor(first.incidentKey)).toBe(incidentIdFor(again.incidentKey));
    expect(incidentIdFor(first.incidentKey)).toMatch(/^inc-[0-9a-f]{16}$/);
  });

  it('rejects a GuardDuty event without a resource with a one-line message naming the field', () => {
    const event = loadEvent('guardduty/eks-privileged-container.json');
    delete event.detail.resource;

    expect(() => normalizeEvent(event)).toThrow(BadInputError);
    expect(() => normalizeEvent(event)).toThrow(/^GuardDuty finding: resource: /);
  });

  it('rejects a severity outside 0-10', () => {
    const event = loadEvent('guardduty/eks-privileged-container.json');
    event.detail.severity = 42;

    expect(() => normalizeEvent(event)).toThrow(/severity/);
  });

  it('rejects events of other sources and non-events', () => {
    expect(() => normalizeEvent({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toThrow('unsupported event: source "aws.s3"');
    expect(() => normalizeEvent({ hello: 'world' })).toThrow('event is not an EventBridge event');
    expect(() => normalizeEvent('text')).toThrow('event is not a JSON object');
  });

  it('reports malformed and truncated JSON as bad input', () => {
    expect(() => parseJsonText('{"source": "aws.guardduty", "detail": {', 'event.json')).toThrow(BadInputError);
    expect(() => parseJsonText('', 'event.json')).toThrow('event.json is empty');
  });
});
