// Checks deploy/member-role.yml against the responder's packaged template (with the member role
// configured): it trusts exactly the responder's function roles with the external id, and grants
// the same EKS, IAM and EC2 actions the function roles hold, with the same self-protection.
import { join } from 'node:path';
import { ACCOUNT, FUNCTION_NAMES, ROOT, asList, grantsOf, loadYamlTemplate, resolve, roleArnIn, roleOf, statementsOf, wildcardViolations, type Json, type Template } from './cloudformation';
import { expectedActions } from './expected-grants';
import { MEMBER_ACCOUNT, OPTION_PARAMS } from './template-options';

export function describeMemberRole(responderTemplate: () => Template): void {
  let responder: Template;
  let member: Template;
  let responderRoles: string[];
  beforeAll(() => {
    responder = responderTemplate();
    responderRoles = FUNCTION_NAMES.map((name) => roleArnIn(responder, roleOf(responder, name)));
    // The responder stack's output FunctionRoleArns, as CloudFormation fills it in.
    expect(resolve(responder, responder.Outputs.FunctionRoleArns.Value).replace(/getatt:(\w+)\.Arn/g, (_: string, id: string) => roleArnIn(responder, id))).toBe(responderRoles.join(','));
    // Deployed in the member account, with what the responder's stack was given.
    member = loadYamlTemplate(join(ROOT, 'deploy', 'member-role.yml'), {
      ResponderRoleArns: responderRoles.join(','),
      ExternalId: OPTION_PARAMS.memberRoleExternalId,
      RoleName: OPTION_PARAMS.memberRoleName,
      WorkloadRolePath: OPTION_PARAMS.workloadRolePath,
    });
  });
  const role = () => member.Resources.MemberRole;

  it('creates the role the responder assumes, under its protected path', () => {
    const { Properties: properties } = role();
    expect(resolve(member, properties.RoleName)).toBe(OPTION_PARAMS.memberRoleName);
    expect(properties.Path).toBe('/eks-responder/');
    const assumable = FUNCTION_NAMES.flatMap((name) => grantsOf(responder, roleOf(responder, name)).get('sts:AssumeRole') ?? []);
    expect(assumable).toContain(`arn:aws:iam::${MEMBER_ACCOUNT}:role${properties.Path}${OPTION_PARAMS.memberRoleName}`);
  });

  it("trusts only the responder's function roles, and only with the external id", () => {
    expect(resolve(member, role().Properties.AssumeRolePolicyDocument.Statement)).toEqual([
      { Sid: 'ResponderFunctionsWithExternalId', Effect: 'Allow', Principal: { AWS: responderRoles }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': OPTION_PARAMS.memberRoleExternalId } } },
    ]);
  });

  it('grants the EKS, IAM and EC2 actions the function roles hold, on this account only, and nothing else', () => {
    // EC2: the playbooks' calls on the nodes' instances, not the functions' own VPC networking (ENIs), which stays at home.
    const playbookCalls = new Set(FUNCTION_NAMES.flatMap((name) => [...expectedActions(name)]));
    const responderActions = new Set(
      FUNCTION_NAMES.flatMap((name) => [...grantsOf(responder, roleOf(responder, name)).keys()]).filter((action) => /^(eks|iam):/.test(action) || (action.startsWith('ec2:') && playbookCalls.has(action))),
    );
    const memberGrants = grantsOf(member, 'MemberRole');
    expect([...memberGrants.keys()].sort()).toEqual([...responderActions].sort());
    for (const [action, resources] of memberGrants) {
      // EC2 Describe calls take no resource; everything else is this account's, in any region.
      const scoped = action.startsWith('ec2:Describe') ? /^\*$/ : new RegExp(`^arn:aws:(eks:\\*|iam:|ec2:\\*):${ACCOUNT}:`);
      for (const resource of resources) expect({ action, resource }).toEqual({ action, resource: expect.stringMatching(scoped) });
    }
    const condition = (sid: string) => statementsOf(member, 'MemberRole').find(({ statement }) => statement.Sid === sid)?.statement.Condition;
    const releasing = statementsOf(responder, roleOf(responder, 'manualPlaybook')).find(({ statement }) => asList(statement.Action ?? []).includes('ec2:DeleteTags'));
    expect(condition('RemoveInstanceProtectionTags')).toEqual(releasing?.statement.Condition);
    expect(condition('TagNewSnapshots')).toEqual({ StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } });
    expect(memberGrants.get('iam:PutRolePolicy')).toEqual([`arn:aws:iam::${ACCOUNT}:role/workloads/*`]);
    expect(wildcardViolations(member)).toEqual([]);
  });

  it('denies the same writes on the responder roles that the function roles deny themselves', () => {
    const denies = (template: Template, roleId: string) =>
      statementsOf(template, roleId)
        .filter(({ statement }) => statement.Effect === 'Deny' && asList(statement.Action ?? []).some((action) => action.startsWith('iam:')))
        .map(({ statement }) => ({ actions: asList(statement.Action ?? []), resource: resolve(template, statement.Resource) as Json }));
    expect(denies(member, 'MemberRole')).toEqual(denies(responder, roleOf(responder, 'guardduty')));
  });
}
