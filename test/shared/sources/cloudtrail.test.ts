import { BadInputError } from '../../../shared/errors';
import { normalizeEvent } from '../../../shared/sources';
import { CLUSTER_ADMIN_POLICY, eksCall, PEER_ROLE } from '../../helpers/cloudtrail';
import { eventFiles, loadEvent } from '../../helpers/events';

const risksOf = (eventName: string, params: Record<string, unknown>) => normalizeEvent(eksCall(eventName, params))[0].controlPlane?.risks;

describe('CloudTrail source', () => {
  it.each(eventFiles('cloudtrail'))('parses %s', (file) => {
    const [finding] = normalizeEvent(loadEvent(file));

    expect(finding.source).toBe('cloudtrail');
    expect(finding.controlPlane?.actor.arn).toMatch(/\S/);
  });

  it('normalizes the real CreateCluster call with its actor, and finds nothing weakened', () => {
    const [finding] = normalizeEvent(loadEvent('cloudtrail/eks-create-cluster.json'));

    expect(finding).toMatchObject({
      findingId: 'eab22523-174a-499c-9dd6-91e7be3ff8e3',
      incidentKey: 'cloudtrail:eab22523-174a-499c-9dd6-91e7be3ff8e3',
      type: 'AwsApiCall:eks/CreateCluster',
      severity: 0,
      account: '111122223333',
      region: 'region-code',
      cluster: { name: 'test' },
      controlPlane: {
        eventName: 'CreateCluster',
        actor: { arn: 'arn:aws:iam::111122223333:user/username', type: 'IAMUser', sourceIp: '205.251.233.178', userAgent: 'PostmanRuntime/6.4.0' },
        risks: [],
      },
    });
    expect(finding.notEksReason).toBeUndefined();
  });

  it.each([
    ['iam-delete-instance-profile-by-eks-nodegroup-slr.json', 'event source iam.amazonaws.com is not the EKS control plane'],
    ['eks-auth-assume-role-for-pod-identity.json', 'event source eks-auth.amazonaws.com is not the EKS control plane'],
    ['neg-s3-create-bucket.json', 'event source s3.amazonaws.com is not the EKS control plane'],
  ])('says why %s is not an EKS control-plane call', (file, reason) => {
    expect(normalizeEvent(loadEvent(`cloudtrail/${file}`))[0].notEksReason).toBe(reason);
  });

  it('names the role behind an assumed-role session', () => {
    const [finding] = normalizeEvent(eksCall('DeleteCluster', { name: 'prod' }));

    expect(finding.controlPlane?.actor).toEqual({
      arn: 'arn:aws:sts::123456789012:assumed-role/ci-deployer/deploy-42',
      type: 'AssumedRole',
      roleArn: PEER_ROLE,
      sourceIp: '198.51.100.23',
      userAgent: 'aws-cli/2.17.0 md/command#eks.deletecluster',
    });
  });

  describe('what a call weakens', () => {
    it.each([
      [{ resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] } }, [{ kind: 'public-endpoint', publicAccessCidrs: ['0.0.0.0/0'] }]],
      [{ resourcesVpcConfig: { endpointPublicAccess: true } }, [{ kind: 'public-endpoint', publicAccessCidrs: undefined }]],
      [{ resourcesVpcConfig: { publicAccessCidrs: ['203.0.113.0/24'] } }, [{ kind: 'public-endpoint', publicAccessCidrs: ['203.0.113.0/24'] }]],
      [{ resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, []],
      [{ logging: { clusterLogging: [{ types: ['api', 'audit', 'scheduler'], enabled: false }] } }, [{ kind: 'logging-disabled', types: ['api', 'audit'] }]],
      [{ logging: { clusterLogging: [{ types: ['scheduler'], enabled: false }, { types: ['api'], enabled: true }] } }, []],
      [{ accessConfig: { authenticationMode: 'CONFIG_MAP' } }, [{ kind: 'authentication-downgrade', mode: 'CONFIG_MAP' }]],
      [{ accessConfig: { authenticationMode: 'API' } }, []],
    ])('UpdateClusterConfig %j', (change, risks) => {
      expect(risksOf('UpdateClusterConfig', { name: 'prod', ...change })).toEqual(risks.map((risk) => expect.objectContaining(risk)));
    });

    it.each([
      [{ policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'namespace', namespaces: ['web'] } }, true],
      [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy', accessScope: { type: 'cluster' } }, true],
      [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy', accessScope: { type: 'namespace', namespaces: ['web'] } }, false],
      [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'cluster' } }, false],
    ])('AssociateAccessPolicy %j grants admin: %s', (request, admin) => {
      const risks = risksOf('AssociateAccessPolicy', { clusterName: 'prod', principalArn: PEER_ROLE, ...request });

      expect(risks).toEqual(admin ? [expect.objectContaining({ kind: 'admin-access', principalArn: PEER_ROLE, policyArn: request.policyArn })] : []);
    });

    it('flags standard access entries, not node entries', () => {
      expect(risksOf('CreateAccessEntry', { clusterName: 'prod', principalArn: PEER_ROLE })).toEqual([
        { kind: 'access-entry-created', summary: `access entry created for ${PEER_ROLE}`, principalArn: PEER_ROLE },
      ]);
      expect(risksOf('CreateAccessEntry', { clusterName: 'prod', principalArn: PEER_ROLE, type: 'EC2_LINUX' })).toEqual([]);
    });

    it('flags deletions of the cluster and of node groups', () => {
      const [cluster] = normalizeEvent(eksCall('DeleteCluster', { name: 'prod' }));
      const [nodegroup] = normalizeEvent(eksCall('DeleteNodegroup', { clusterName: 'prod', nodegroupName: 'general' }));

      expect(cluster).toMatchObject({ severity: 8, title: 'DeleteCluster on cluster prod: cluster deleted', cluster: { name: 'prod' } });
      expect(nodegroup).toMatchObject({ severity: 5, controlPlane: { risks: [{ kind: 'nodegroup-deleted', nodegroup: 'general' }] } });
    });
  });

  it('keeps the error code of a call that failed', () => {
    const [finding] = normalizeEvent(eksCall('DeleteCluster', { name: 'prod' }, { errorCode: 'AccessDeniedException' }));

    expect(finding.controlPlane?.errorCode).toBe('AccessDeniedException');
  });

  it.each([
    ['without userIdentity', (event: any) => delete event.detail.userIdentity, /^CloudTrail record: userIdentity: /],
    ['without an event name', (event: any) => delete event.detail.eventName, /^CloudTrail record: eventName: /],
    ['with a non-object detail', (event: any) => (event.detail = 'UpdateClusterConfig'), /^CloudTrail record: /],
    ['with requestParameters that are not an object', (event: any) => (event.detail.requestParameters = ['prod']), /^CloudTrail record: requestParameters: /],
  ])('rejects an event %s with a one-line message naming the field', (_name, breakIt, message) => {
    const event = eksCall('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: true } });
    breakIt(event);

    expect(() => normalizeEvent(event)).toThrow(BadInputError);
    expect(() => normalizeEvent(event)).toThrow(message);
  });
});
