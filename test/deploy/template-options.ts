// Checks the template packaged with every deployment option set (named clusters, private-endpoint
// subnets, Slack, a workload role path, member accounts, control-plane remediation, no Security
// Hub custom action): EKS access entries, VPC placement and the network-interface permissions it
// needs, the environment. template.test.ts packages it next to the default one.
import { loadRbacManifest } from '../helpers/rbac';
import { loadConfig } from '../../shared/config';
import {
  ACCOUNT,
  condition,
  FUNCTION_NAMES,
  FUNCTIONS,
  REGION,
  INSTANCE_UNSCOPABLE_ACTIONS,
  VPC_UNSCOPABLE_ACTIONS,
  danglingReferences,
  dependencyCycle,
  grantsOf,
  ofType,
  resolve,
  roleArnIn,
  roleOf,
  statementsOf,
  wildcardViolations,
  type FunctionName,
  type Json,
  type Template,
} from './cloudformation';
import { expectedActions, expectedGrants as expectedCalls, reachesKubernetes } from './expected-grants';

// Plain CommonJS read by osls at package time, so the test loads it the same way.
const { KUBERNETES_GROUP } = require('../../deploy/cluster-access.js') as { KUBERNETES_GROUP: string };

const CLUSTERS = ['prod-a', 'staging_eu'];
const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'];
const SECURITY_GROUPS = ['sg-0123456789abcdef0'];
export const MEMBER_ACCOUNT = '444455556666';
const SLACK_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:eks-responder/slack-AbCdEf`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/platform/break-glass`;
const EVIDENCE_BUCKET = 'incident-evidence-123456789012';
const EVIDENCE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/5d8f1a2e-0c4b-4e7a-9f3d-2b6c8e1a7f40`;
const POLICY_PARAMETER = '/eks-responder/response-policy';
const POLICY_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b7e3c1d-9a2f-4c6e-8d5b-1f4a7e2c9b30`;
export const OPTION_PARAMS = {
  clusterNames: CLUSTERS.join(','),
  subnetIds: SUBNETS.join(','),
  securityGroupIds: SECURITY_GROUPS.join(','),
  slackSecretArn: SLACK_SECRET,
  evidenceBucket: EVIDENCE_BUCKET,
  evidenceKmsKeyArn: EVIDENCE_KEY,
  workloadRolePath: '/workloads/',
  responseMode: 'enforce',
  allowedAccounts: `${ACCOUNT},${MEMBER_ACCOUNT}`,
  memberRoleName: 'eks-responder-member',
  memberRoleExternalId: 'eks-responder-7f3c',
  controlPlaneRemediation: 'restrict-public-endpoint, revoke-access-entry',
  allowedPublicCidrs: '203.0.113.0/24,2001:db8::/32',
  adminPrincipalAllowList: ADMIN,
  securityHubStatusWhenContained: 'RESOLVED',
  securityHubCustomAction: 'false',
  policySsmParameter: POLICY_PARAMETER,
  policySsmKmsKeyArn: POLICY_KEY,
  blockImage: 'true',
  snapshotVolumes: 'true',
};
const OPT_INS = { blockImage: true, snapshotVolumes: true };

const EC2 = `arn:aws:ec2:${REGION}:${ACCOUNT}`;

/** The calls of the function's playbooks on the named clusters, plus its VPC networking and the member role. */
function expectedGrants(name: FunctionName): Record<string, string[]> {
  const networkInterfaces = [`${EC2}:network-interface/*`];
  return {
    ...expectedCalls(name, { clusters: [...CLUSTERS].sort(), workloadRolePath: OPTION_PARAMS.workloadRolePath, slackSecret: SLACK_SECRET, evidenceBucket: EVIDENCE_BUCKET, evidenceKmsKey: EVIDENCE_KEY,
      policyParameter: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${POLICY_PARAMETER}`, policyKmsKey: POLICY_KEY, optIns: OPT_INS }),
    'ec2:CreateNetworkInterface': [...SUBNETS.map((id) => `${EC2}:subnet/${id}`), ...SECURITY_GROUPS.map((id) => `${EC2}:security-group/${id}`), ...networkInterfaces].sort(),
    'ec2:DeleteNetworkInterface': networkInterfaces,
    'ec2:AssignPrivateIpAddresses': networkInterfaces,
    'ec2:UnassignPrivateIpAddresses': networkInterfaces,
    'ec2:DescribeNetworkInterfaces': ['*'],
    'ec2:DescribeSubnets': ['*'],
    // Every function calls EKS in the finding's account.
    'sts:AssumeRole': [ACCOUNT, MEMBER_ACCOUNT].map((account) => `arn:aws:iam::${account}:role/eks-responder/eks-responder-member`),
  };
}

export function describeTemplateWithOptions(template: () => Template): void {
  let t: Template;
  beforeAll(() => {
    t = template();
  });

  it('creates an EKS access entry per named cluster for each function that connects to clusters, in the group deploy/rbac.yaml binds', () => {
    const { binding } = loadRbacManifest();
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'Group', name: KUBERNETES_GROUP })]);
    // Derived from the playbooks: cloudtrail only calls the EKS API.
    const reaching = FUNCTION_NAMES.filter(reachesKubernetes);
    expect(reaching).toEqual(['guardduty', 'securityhub', 'manualPlaybook']);
    const entries = ofType(t, 'AWS::EKS::AccessEntry').map(([, entry]) => resolve(t, entry.Properties));
    const expected = reaching.flatMap((name) =>
      CLUSTERS.map((cluster) => ({ ClusterName: cluster, PrincipalArn: `getatt:${roleOf(t, name)}.Arn`, Type: 'STANDARD', KubernetesGroups: [KUBERNETES_GROUP] })),
    );
    expect(entries).toHaveLength(expected.length);
    expect(entries).toEqual(expect.arrayContaining(expected));
  });

  it('runs every function in the cluster subnets with the given security groups', () => {
    for (const [id, fn] of ofType(t, 'AWS::Lambda::Function')) {
      expect({ id, vpc: fn.Properties.VpcConfig }).toEqual({ id, vpc: { SubnetIds: SUBNETS, SecurityGroupIds: SECURITY_GROUPS } });
      // Lambda checks the network-interface permissions when it creates the function; the first
      // findings after a deployment may need the member role.
      expect(fn.DependsOn).toEqual(expect.arrayContaining(['LambdaNetworkInterfacesPolicy', 'MemberAccountsPolicy']));
    }
  });

  it('replaces the managed VPC policy with network-interface permissions scoped to the subnets, security groups and account', () => {
    for (const name of FUNCTION_NAMES) {
      const role = t.Resources[roleOf(t, name)];
      expect(role.Properties.ManagedPolicyArns).toEqual([]);
      const unscoped = statementsOf(t, roleOf(t, name)).filter(({ statement }) => asArray(resolve(t, statement.Resource)).includes('*'));
      const instanceDescribes = [...INSTANCE_UNSCOPABLE_ACTIONS.keys()].filter((action) => expectedActions(name, OPT_INS).has(action));
      expect(unscoped.flatMap(({ statement }) => statement.Action).sort()).toEqual([...VPC_UNSCOPABLE_ACTIONS.keys(), ...instanceDescribes].sort());
    }
    expect(wildcardViolations(t)).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grants %s exactly the actions the responder calls, scoped to the named clusters and the workload role path', (name) => {
    const grants = grantsOf(t, roleOf(t, name));
    const expected = expectedGrants(name);
    expect([...grants.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [action, resources] of Object.entries(expected)) expect({ action, resources: grants.get(action) }).toEqual({ action, resources: [...resources].sort() });
  });

  it('passes the mode, the Slack secret, the accounts, the member role and the control-plane settings to every function', () => {
    const memberRoles = [ACCOUNT, MEMBER_ACCOUNT].map((account) => `arn:aws:iam::${account}:role/eks-responder/eks-responder-member`);
    for (const name of FUNCTION_NAMES) {
      const variables = resolve(t, t.Resources[FUNCTIONS[name]].Properties.Environment.Variables);
      expect(variables).toMatchObject({
        RESPONSE_MODE: 'enforce',
        SLACK_WEBHOOK_SECRET_ID: SLACK_SECRET,
        ALLOWED_ACCOUNTS: `${ACCOUNT},${MEMBER_ACCOUNT}`,
        MEMBER_ROLE_NAME: 'eks-responder-member',
        MEMBER_ROLE_EXTERNAL_ID: 'eks-responder-7f3c',
        CONTROL_PLANE_REMEDIATION: 'restrict-public-endpoint,revoke-access-entry',
        ALLOWED_PUBLIC_CIDRS: '203.0.113.0/24,2001:db8::/32',
        ADMIN_PRINCIPAL_ALLOW_LIST: ADMIN,
        SECURITYHUB_STATUS_WHEN_CONTAINED: 'RESOLVED',
        POLICY_SSM_PARAMETER: POLICY_PARAMETER,
        BLOCK_IMAGE: 'true',
        SNAPSHOT_VOLUMES: 'true',
      });
      const responderRoles = variables.RESPONDER_ROLE_ARNS.replace(/getatt:(\w+)\.Arn/g, (_: string, id: string) => roleArnIn(t, id));
      const { INCIDENT_TABLE: _incidents, IDEMPOTENCY_TABLE: _idempotency, ...rest } = variables;
      const env = { ...rest, NOTIFY_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:eks-responder-NotifyTopic`, RESPONDER_ROLE_ARNS: responderRoles };
      expect(loadConfig(env, 'lambda')).toMatchObject({
        allowedAccounts: [ACCOUNT, MEMBER_ACCOUNT],
        memberRole: { name: 'eks-responder-member', externalId: 'eks-responder-7f3c' },
        controlPlaneRemediation: ['restrict-public-endpoint', 'revoke-access-entry'],
        allowedPublicCidrs: ['203.0.113.0/24', '2001:db8::/32'],
        adminPrincipalAllowList: [ADMIN],
        securityHubStatusWhenContained: 'RESOLVED',
        policySsmParameter: POLICY_PARAMETER,
        blockImage: true,
        snapshotVolumes: true,
        // The member roles act for the responder too: their control-plane calls are its own.
        responderRoleArns: [...FUNCTION_NAMES.map((other) => roleArnIn(t, roleOf(t, other))), ...memberRoles],
      });
    }
  });

  it('gives the finding functions the snapshot grants when snapshotVolumes turns snapshot-volumes on in quarantine', () => {
    for (const name of ['guardduty', 'securityhub'] as const) {
      const sids = statementsOf(t, roleOf(t, name)).map(({ statement }) => statement.Sid);
      expect(sids).toEqual(expect.arrayContaining(['FindIncidentSnapshots', 'SnapshotVolumes', 'TagNewSnapshots']));
    }
    expect(statementsOf(t, roleOf(t, 'cloudtrail')).map(({ statement }) => statement.Sid)).not.toContain('SnapshotVolumes');
  });

  it('grants the response policy parameter, and its key only through SSM, to every function', () => {
    const policy = t.Resources.PolicyParameterPolicy;
    expect(condition(t, policy.Condition!)).toBe(true);
    expect(policy.Properties.Roles.map((ref: Json) => ref.Ref).sort()).toEqual(FUNCTION_NAMES.map((name) => roleOf(t, name)).sort());
    const [read, decrypt] = statementsOf(t, roleOf(t, 'cloudtrail')).filter(({ statement }) => /ResponsePolicy$/.test(statement.Sid ?? ''));
    expect([read.deployed, decrypt.deployed]).toEqual([true, true]);
    expect(decrypt.statement.Condition).toEqual({ StringLike: { 'kms:ViaService': 'ssm.*.amazonaws.com' } });
  });

  it('leaves out the Security Hub custom action, its rule and its permission when securityHubCustomAction is false', () => {
    for (const type of ['AWS::SecurityHub::ActionTarget', 'AWS::Lambda::Permission', 'AWS::Events::Rule']) {
      const names = ofType(t, type).map(([id]) => id);
      expect(names.filter((id) => /CustomAction|QuarantineWorkload/.test(id))).toEqual([]);
    }
    expect(ofType(t, 'AWS::Events::Rule')).toHaveLength(3);
    expect(danglingReferences(t)).toEqual([]);
    expect(dependencyCycle(t)).toBeUndefined();
  });
}

const asArray = (value: Json): Json[] => (Array.isArray(value) ? value.flat() : [value]);
