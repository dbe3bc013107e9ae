// Findings about member accounts: acted on through the member role (STS AssumeRole with the
// external id), per account and region; findings from accounts outside ALLOWED_ACCOUNTS ignored.
import { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, CREDENTIALS_REFRESH_MARGIN_MS } from '../../shared/adapters/member-accounts';
import { QUARANTINE_LABEL, REVOKE_POLICY_NAME } from '../../shared/markers';
import { runCommand } from '../helpers/cli';
import { argocdFinding } from '../helpers/findings';
import { FAKE_CREDENTIALS, FakeAws } from '../support/fake-aws';
import { ACCOUNT, CLUSTER } from '../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../support/sandbox';

const MEMBER = '444455556666';
const FOREIGN = '999988887777';
const MEMBER_ROLE_ARN = `arn:aws:iam::${MEMBER}:role/eks-responder/eks-responder-member`;

/**
 * The real argocd finding moved to another account (and region): derived here, changing only the
 * account and region fields, since public sources hold no finding about a member account.
 */
function findingIn(account: string, region = 'us-east-1', ids: string[] = ['member-finding']): string {
  const document = JSON.parse(argocdFinding({ severity: 8 }));
  const [template] = document.Findings;
  document.Findings = ids.map((id) => {
    const finding = structuredClone(template);
    Object.assign(finding, { Id: id, AccountId: account, Region: region, Arn: `arn:aws:guardduty:${region}:${account}:detector/d/finding/${id}` });
    finding.Resource.EksClusterDetails.Arn = `arn:aws:eks:${region}:${account}:cluster/${CLUSTER}`;
    return finding;
  });
  return JSON.stringify(document);
}

/** The access key a presigned EKS token was signed with. */
function tokenAccessKey(token: string | undefined): string | undefined {
  const url = new URL(Buffer.from(String(token).replace('k8s-aws-v1.', ''), 'base64url').toString());
  return url.searchParams.get('X-Amz-Credential')?.split('/')[0];
}

describe('multi-account response', () => {
  let sandbox: Sandbox;
  let env: Record<string, string>;
  beforeEach(async () => {
    sandbox = await startSandbox({ withoutSlack: true });
    env = { ...sandbox.env, ALLOWED_ACCOUNTS: `${ACCOUNT},${MEMBER}`, MEMBER_ROLE_NAME: 'eks-responder-member', MEMBER_ROLE_EXTERNAL_ID: 'eks-responder-7f3c' };
  });
  afterEach(() => sandbox.stop());

  it("acts on a member account's finding with the member role's credentials, assumed once with the external id", async () => {
    const result = await runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], env, findingIn(MEMBER, 'us-east-1', ['member-1', 'member-2']));

    expect(result.code).toBe(0);
    expect(result.reports.map((report) => [report.account, report.decision])).toEqual([
      [MEMBER, 'respond'],
      [MEMBER, 'respond'],
    ]);
    const { aws, kube } = sandbox;
    // One AssumeRole for both findings, signed by the responder's own credentials.
    expect(aws.callsTo('sts', 'AssumeRole').map((call) => [call.params, call.accessKeyId])).toEqual([
      [{ RoleArn: MEMBER_ROLE_ARN, RoleSessionName: 'eks-responder', ExternalId: 'eks-responder-7f3c', DurationSeconds: '3600' }, FAKE_CREDENTIALS.accessKeyId],
    ]);
    const [issued] = aws.issuedCredentials();
    expect(issued.roleArn).toBe(MEMBER_ROLE_ARN);
    // Everything that acts in the member account uses the assumed credentials ...
    // (the node's instance lives in the member account: protect-instance describes and changes it there).
    const memberCalls = aws.calls.filter((call) => call.service === 'eks' || call.service === 'iam' || call.service === 'ec2');
    expect(memberCalls.map((call) => call.operation)).toEqual(
      expect.arrayContaining(['DescribeCluster', 'ListPodIdentityAssociations', 'GetRolePolicy', 'PutRolePolicy', 'DescribeInstances', 'ModifyInstanceAttribute', 'CreateTags']),
    );
    expect(new Set(memberCalls.map((call) => call.accessKeyId))).toEqual(new Set([issued.accessKeyId]));
    expect(new Set(kube.requests.map((request) => tokenAccessKey(request.bearerToken)))).toEqual(new Set([issued.accessKeyId]));
    // ... while the responder's own calls (who am I, notifications) keep its own.
    expect(aws.callsTo('sts', 'GetCallerIdentity').map((call) => call.accessKeyId)).toEqual([FAKE_CREDENTIALS.accessKeyId]);
    expect(new Set(aws.callsTo('sns', 'Publish').map((call) => call.accessKeyId))).toEqual(new Set([FAKE_CREDENTIALS.accessKeyId]));
    // And the containment happened.
    expect(kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toHaveProperty([QUARANTINE_LABEL]);
    expect(aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME)).toBeDefined();
  });

  it('reaches the cluster in the region the finding names', async () => {
    const result = await runCommand(['respond', '--event', '-', '--json'], env, findingIn(MEMBER, 'eu-west-1'));

    expect(result.code).toBe(0);
    expect(result.reports[0]).toMatchObject({ account: MEMBER, region: 'eu-west-1' });
    expect(sandbox.aws.callsTo('eks').map((call) => call.region)).toEqual(expect.arrayContaining(['eu-west-1']));
    expect(new Set(sandbox.aws.callsTo('eks').map((call) => call.region))).toEqual(new Set(['eu-west-1']));
  });

  it("acts on the responder's own account with its own credentials, assuming nothing", async () => {
    const result = await runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], env, findingIn(ACCOUNT));

    expect(result.reports[0]).toMatchObject({ account: ACCOUNT, decision: 'respond' });
    expect(sandbox.aws.callsTo('sts', 'AssumeRole')).toEqual([]);
    expect(new Set(sandbox.aws.calls.map((call) => call.accessKeyId))).toEqual(new Set([FAKE_CREDENTIALS.accessKeyId]));
  });

  it('ignores a finding about an account outside ALLOWED_ACCOUNTS, without a single call', async () => {
    const result = await runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], env, findingIn(FOREIGN));

    expect(result.code).toBe(0);
    expect(result.reports[0]).toMatchObject({ account: FOREIGN, decision: 'ignore', reason: `account ${FOREIGN} is not in ALLOWED_ACCOUNTS`, actions: [] });
    expect(sandbox.aws.calls).toEqual([]);
    expect(sandbox.kube.requests).toEqual([]);
  });

  it('reports a member role it cannot assume as a failure to retry, and still notifies', async () => {
    sandbox.aws.failNext({ service: 'sts', operation: 'AssumeRole' }, { status: 403, code: 'AccessDenied', message: 'not authorized to perform sts:AssumeRole' });

    const result = await runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], env, findingIn(MEMBER));

    expect(result.code).toBe(1);
    expect(result.reports[0].actions[0]).toMatchObject({ action: 'correlate', status: 'failed', detail: expect.stringContaining(`cannot assume ${MEMBER_ROLE_ARN}: not authorized to perform sts:AssumeRole`) });
    expect(sandbox.kube.requests).toEqual([]);
    expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
  });

  it('refuses a member role without an external id', async () => {
    const result = await runCommand(['respond', '--event', '-', '--json'], { ...env, MEMBER_ROLE_EXTERNAL_ID: '' }, findingIn(MEMBER));

    expect(result).toMatchObject({ code: 2, stderr: 'eks-responder: MEMBER_ROLE_NAME needs MEMBER_ROLE_EXTERNAL_ID: the member roles trust the responder only with it\n' });
  });
});

describe('assumed-role credentials', () => {
  let fake: FakeAws;
  let sts: STSClient;
  beforeEach(async () => {
    fake = await FakeAws.start();
    sts = new STSClient({ region: 'us-east-1', endpoint: fake.url, credentials: FAKE_CREDENTIALS });
  });
  afterEach(async () => {
    sts.destroy();
    await fake.stop();
  });

  it('keeps credentials until shortly before they expire, then assumes the role again', async () => {
    let now = Date.now();
    const provider = assumedRoleCredentials(sts, MEMBER_ROLE_ARN, 'ext-1', () => now);

    const [first, concurrent] = await Promise.all([provider(), provider()]);
    now += 30 * 60 * 1000;
    const later = await provider();
    now = first.expiration!.getTime() - CREDENTIALS_REFRESH_MARGIN_MS + 1;
    const renewed = await provider();

    expect(concurrent.accessKeyId).toBe(first.accessKeyId);
    expect(later.accessKeyId).toBe(first.accessKeyId);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(fake.issuedCredentials().map((credentials) => credentials.accessKeyId)).toEqual([first.accessKeyId, renewed.accessKeyId]);
    expect(first.sessionToken).toEqual(expect.any(String));
  });

  it('does not keep a failed AssumeRole', async () => {
    fake.failNext({ service: 'sts', operation: 'AssumeRole' }, { status: 403, code: 'AccessDenied' });
    const provider = assumedRoleCredentials(sts, MEMBER_ROLE_ARN, 'ext-1');

    await expect(provider()).rejects.toMatchObject({ name: 'CorrelationError', retryable: true });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
  });
});
