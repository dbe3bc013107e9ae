import type { Finding } from '../../../shared/model';
import { cidrWithin } from '../../../shared/policy/cidr';
import { responderMatch } from '../../../shared/policy/control-plane-policy';
import { decide, DEFAULT_SETTINGS, type PolicySettings } from '../../../shared/policy/default-policy';
import { normalizeEvent } from '../../../shared/sources';
import { CLUSTER_ADMIN_POLICY, eksCall, PEER_ROLE, type CallOptions } from '../../helpers/cloudtrail';

const RESPONDER_ROLE = 'arn:aws:iam::123456789012:role/security/eks-responder-cloudtrail';

const call = (eventName: string, params: Record<string, unknown>, options?: CallOptions): Finding => normalizeEvent(eksCall(eventName, params, options))[0];
const openEndpoint = () => call('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] } });
const settings = (change: Partial<PolicySettings> = {}): PolicySettings => ({ ...DEFAULT_SETTINGS, responderPrincipals: [RESPONDER_ROLE], ...change });

describe('control-plane policy', () => {
  it('notifies by default and plans the remediation for a person', async () => {
    expect(await decide(openEndpoint(), { settings: settings() })).toEqual({
      decision: 'notify',
      playbook: 'restrict-public-endpoint',
      reason: 'public endpoint access allowed from 0.0.0.0/0: remediation restrict-public-endpoint is not enabled (CONTROL_PLANE_REMEDIATION), planned for a person to run',
      skipActions: [],
      trace: [],
    });
  });

  it('remediates on its own once the remediation is enabled', async () => {
    const verdict = await decide(openEndpoint(), { settings: settings({ controlPlaneRemediation: ['restrict-public-endpoint'] }) });

    expect(verdict).toMatchObject({ decision: 'respond', playbook: 'restrict-public-endpoint', reason: expect.stringContaining('remediation restrict-public-endpoint is enabled') });
  });

  it('only notifies on deletions, which no remediation undoes', async () => {
    expect(await decide(call('DeleteCluster', { name: 'prod' }), { settings: settings({ controlPlaneRemediation: ['restrict-public-endpoint', 'revoke-access-entry'] }) })).toEqual({
      decision: 'notify',
      playbook: 'notify',
      reason: 'cluster deleted: no automatic remediation, a person decides',
      skipActions: [],
      trace: [],
    });
  });

  it.each([
    ['the responder role, by its session', { actor: RESPONDER_ROLE, sessionName: 'eks-responder-cloudtrail' }],
    ['the responder caller identity, by another session of its role', { actor: 'arn:aws:iam::123456789012:role/other-path/eks-responder-cloudtrail', sessionName: 'awslambda_123' }],
  ])('ignores a call made by %s', async (_name, options) => {
    const finding = call('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] } }, options);

    const verdict = await decide(finding, { settings: settings({ responderPrincipals: [RESPONDER_ROLE, 'arn:aws:sts::123456789012:assumed-role/eks-responder-cloudtrail/other'] }) });

    expect(verdict).toMatchObject({ decision: 'ignore', reason: expect.stringMatching(/^made by the responder's own identity \(arn:aws:/) });
  });

  it('tells the responder apart from a role of the same name in another account', async () => {
    const actor = { arn: 'arn:aws:sts::999999999999:assumed-role/eks-responder-cloudtrail/s', roleArn: 'arn:aws:iam::999999999999:role/eks-responder-cloudtrail' };

    expect(responderMatch(actor, [RESPONDER_ROLE])).toBeUndefined();
    expect(responderMatch({ ...actor, arn: 'arn:aws:sts::123456789012:assumed-role/eks-responder-cloudtrail/s', roleArn: undefined }, [RESPONDER_ROLE])).toBe(RESPONDER_ROLE);
  });

  it('ignores a call that failed, a call by an AWS service, and a call that weakens nothing', async () => {
    const failed = call('DeleteCluster', { name: 'prod' }, { errorCode: 'AccessDeniedException' });
    const byService = call('CreateAccessEntry', { clusterName: 'prod', principalArn: PEER_ROLE });
    byService.controlPlane!.actor = { arn: 'eks.amazonaws.com', type: 'AWSService' };
    const harmless = call('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } });

    expect((await decide(failed, { settings: settings() })).reason).toBe('the call failed (AccessDeniedException): nothing changed');
    expect((await decide(byService, { settings: settings() })).reason).toBe('made by the AWS service eks.amazonaws.com');
    expect(await decide(harmless, { settings: settings() })).toMatchObject({ decision: 'ignore', reason: 'UpdateClusterConfig does not weaken the cluster' });
  });

  it('clears principals on the admin allow list and CIDRs within the allowed ones', async () => {
    const grant = call('AssociateAccessPolicy', { clusterName: 'prod', principalArn: PEER_ROLE, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } });
    const narrow = call('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { publicAccessCidrs: ['203.0.113.0/25'] } });
    const wide = call('UpdateClusterConfig', { name: 'prod', resourcesVpcConfig: { publicAccessCidrs: ['198.51.100.0/24'] } });
    const allowList = settings({ adminPrincipalAllowList: [PEER_ROLE], allowedPublicCidrs: ['203.0.113.0/24'] });

    expect((await decide(grant, { settings: allowList })).reason).toBe(`AssociateAccessPolicy does not weaken the cluster: ${PEER_ROLE} is on ADMIN_PRINCIPAL_ALLOW_LIST`);
    expect((await decide(grant, { settings: settings() })).decision).toBe('notify');
    expect((await decide(narrow, { settings: allowList })).reason).toBe('UpdateClusterConfig does not weaken the cluster: public access limited to 203.0.113.0/25 (within ALLOWED_PUBLIC_CIDRS)');
    expect(await decide(wide, { settings: allowList })).toMatchObject({ decision: 'notify', playbook: 'restrict-public-endpoint' });
    // Without an allow list, only a range open to the world is a risk.
    expect((await decide(wide, { settings: settings() })).decision).toBe('ignore');
  });

  it('does not report the access entries that deploying the responder creates for its own roles', async () => {
    const entry = call('CreateAccessEntry', { clusterName: 'prod', principalArn: RESPONDER_ROLE, kubernetesGroups: ['eks-responder'] });

    expect((await decide(entry, { settings: settings() })).reason).toBe(`CreateAccessEntry does not weaken the cluster: ${RESPONDER_ROLE} is the responder's own role`);
  });

  it('runs the requested playbook on a weakening call invoked by hand', async () => {
    expect(await decide(openEndpoint(), { manualPlaybook: 'restrict-public-endpoint', settings: settings() })).toMatchObject({ decision: 'respond', playbook: 'restrict-public-endpoint' });
  });

  it.each([
    ['10.1.2.0/24', ['10.0.0.0/8'], true],
    ['10.0.0.0/8', ['10.1.0.0/16'], false],
    ['203.0.113.7/32', ['203.0.113.0/24', '198.51.100.0/24'], true],
    ['0.0.0.0/0', ['203.0.113.0/24'], false],
    ['2001:db8::/32', ['2001:db8::/32'], true],
  ])('%s within %j: %s', (cidr, allowed, within) => {
    expect(cidrWithin(cidr, allowed)).toBe(within);
  });
});
