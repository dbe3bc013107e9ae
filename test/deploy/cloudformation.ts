// Packages the service with osls (no AWS credentials) and reads the CloudFormation template it
// would deploy: intrinsics resolved with fixed pseudo parameters, IAM statements per role.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';

export type Json = any;
export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Json;
}
export interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, Json>;
  Outputs: Record<string, { Value: Json; Condition?: string }>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
  /** Test-only: the values a deployment passes for Parameters (defaults otherwise). */
  ParameterValues?: Record<string, string>;
}

/** Top-level entries the packaging copy leaves out (dependencies are linked, outputs rebuilt). */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'coverage', 'dist', '.eks-responder']);

/**
 * The template for the given `--param` values. Without params, `EKS_RESPONDER_TEMPLATE` reuses a
 * template `npm run package` already wrote with the default stage, region and params
 * (.serverless/cloudformation-template-update-stack.json). Otherwise the service is packaged from
 * a temporary copy (withPackagedService).
 */
export async function loadTemplate(params: Record<string, string> = {}): Promise<Template> {
  const prebuilt = process.env.EKS_RESPONDER_TEMPLATE;
  if (Object.keys(params).length === 0 && prebuilt && existsSync(prebuilt)) return JSON.parse(readFileSync(prebuilt, 'utf8'));
  return withPackagedService(params, (artifacts) => JSON.parse(readFileSync(join(artifacts, TEMPLATE_FILE), 'utf8')));
}

/**
 * Packages the service with the given `--param` values and hands `use` the directory holding
 * what `npm run package` would write to .serverless (template, function zips); it is removed
 * afterwards. Packaged from a temporary copy: osls always empties the service's own
 * `.serverless` first, even with `--package DIR`, so packaging in place would wipe the artifacts
 * of an earlier `npm run package`.
 */
export async function withPackagedService<T>(params: Record<string, string>, use: (artifacts: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'eks-responder-package-'));
  cpSync(ROOT, dir, { recursive: true, filter: (source) => dirname(source) !== ROOT || !NOT_COPIED.has(basename(source)) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // No credentials of any kind: packaging must work offline on a fresh machine.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(key)));
  Object.assign(env, { CI: 'true', AWS_CONFIG_FILE: join(dir, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials') });
  const args = ['--no', 'serverless', 'package', ...Object.entries(params).map(([key, value]) => `--param=${key}=${value}`)];
  try {
    try {
      await promisify(execFile)('npx', args, { cwd: dir, env, timeout: 110_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`serverless package failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
    }
    return await use(join(dir, '.serverless'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A hand-written CloudFormation template (scalar short forms !Ref, !Sub, !GetAtt allowed), with values for its parameters. */
export function loadYamlTemplate(path: string, parameterValues: Record<string, string> = {}): Template {
  const tag = (name: string, long: string) => ({ tag: `!${name}`, resolve: (value: string) => ({ [long]: name === 'GetAtt' ? value.split('.') : value }) });
  const template = parse(readFileSync(path, 'utf8'), { customTags: [tag('Ref', 'Ref'), tag('Sub', 'Fn::Sub'), tag('GetAtt', 'Fn::GetAtt')] }) as Template;
  return { ...template, ParameterValues: parameterValues };
}

// ---- CloudFormation intrinsics, resolved with fixed pseudo parameters -----------------------

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
const NO_VALUE = Symbol('AWS::NoValue');

/** Resource references become `ref:Id` / `getatt:Id.Attr`; unknown intrinsics fail the test. */
export function resolve(t: Template, value: Json): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(t, item)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || !(key === 'Ref' || key.startsWith('Fn::'))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(t, v)]).filter(([, v]) => v !== NO_VALUE));
  }
  const arg = value[key];
  const known = (id: string) => {
    if (!t.Resources[id]) throw new Error(`reference to unknown resource ${id}`);
    return id;
  };
  const parameter = (ref: string) => {
    const value = t.ParameterValues?.[ref] ?? t.Parameters![ref].Default;
    if (value === undefined) throw new Error(`parameter ${ref} has no value`);
    return t.Parameters![ref].Type === 'CommaDelimitedList' ? value.split(',') : value;
  };
  const name = (ref: string) => (ref === 'AWS::NoValue' ? NO_VALUE : (PSEUDO[ref] ?? (t.Parameters?.[ref] ? parameter(ref) : `ref:${known(ref)}`)));
  switch (key) {
    case 'Ref':
      return name(arg);
    case 'Fn::GetAtt':
      return `getatt:${known(arg[0])}.${arg[1]}`;
    case 'Fn::Join':
      // CloudFormation refuses functions in the delimiter (and in the Fn::Sub string below).
      if (typeof arg[0] !== 'string') throw new Error('Fn::Join delimiter must be a literal string');
      return (resolve(t, arg[1]) as string[]).join(arg[0]);
    case 'Fn::Split':
      return (resolve(t, arg[1]) as string).split(resolve(t, arg[0]));
    case 'Fn::If':
      return condition(t, arg[0]) ? resolve(t, arg[1]) : resolve(t, arg[2]);
    case 'Fn::Sub': {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : [arg[0], resolve(t, arg[1])];
      if (typeof text !== 'string') throw new Error('Fn::Sub string must be a literal string');
      return (text as string).replace(/\$\{([^}!]+)\}/g, (_, ref: string) =>
        ref in vars ? vars[ref] : ref.includes('.') ? resolve(t, { 'Fn::GetAtt': ref.split('.') }) : String(name(ref)),
      );
    }
    default:
      throw new Error(`unsupported intrinsic ${key}`);
  }
}

export function condition(t: Template, nameOrExpr: Json): boolean {
  const expr = typeof nameOrExpr === 'string' ? t.Conditions?.[nameOrExpr] : nameOrExpr;
  if (expr === undefined) throw new Error(`unknown condition ${nameOrExpr}`);
  const [key] = Object.keys(expr);
  const arg = expr[key];
  if (key === 'Fn::Equals') return JSON.stringify(resolve(t, arg[0])) === JSON.stringify(resolve(t, arg[1]));
  if (key === 'Fn::Not') return !condition(t, arg[0]);
  if (key === 'Fn::And') return arg.every((item: Json) => condition(t, item));
  if (key === 'Fn::Or') return arg.some((item: Json) => condition(t, item));
  if (key === 'Condition') return condition(t, arg);
  throw new Error(`unsupported condition ${key}`);
}

export const deployed = (t: Template, resource: Resource) => resource.Condition === undefined || condition(t, resource.Condition);
export const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, resource]) => resource.Type === type && deployed(t, resource));
export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Whether an ARN pattern with `*` wildcards (as IAM reads them) covers a value. */
export function covers(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

// ---- IAM -------------------------------------------------------------------------------------

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Json;
  NotResource?: unknown;
  Condition?: Json;
}

/**
 * Statements that reach a role: its inline policies and every AWS::IAM::Policy naming it. A
 * conditional statement (`Fn::If` in the list) or policy counts with `deployed` telling whether
 * this template's parameters deploy it.
 */
export function statementsOf(t: Template, roleId: string): { statement: Statement; deployed: boolean }[] {
  const expand = (statements: Json[], live: boolean) =>
    statements.flatMap((item: Json) => {
      if (!item['Fn::If']) return [{ statement: item as Statement, deployed: live }];
      const [name, whenTrue, whenFalse] = item['Fn::If'];
      const holds = condition(t, name);
      return [
        ...(whenTrue.Ref === 'AWS::NoValue' ? [] : [{ statement: whenTrue as Statement, deployed: live && holds }]),
        ...(whenFalse.Ref === 'AWS::NoValue' ? [] : [{ statement: whenFalse as Statement, deployed: live && !holds }]),
      ];
    });
  const role = t.Resources[roleId];
  const inline = (role.Properties.Policies ?? []).flatMap((policy: Json) => expand(policy.PolicyDocument.Statement, true));
  const attached = Object.values(t.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((ref: Json) => ref.Ref === roleId))
    .flatMap((policy) => expand(policy.Properties.PolicyDocument.Statement, deployed(t, policy)));
  return [...inline, ...attached];
}

/** Allowed action -> resolved resources (each once), over every statement that reaches the role (conditional ones too). */
export function grantsOf(t: Template, roleId: string): Map<string, string[]> {
  const grants = new Map<string, string[]>();
  for (const { statement } of statementsOf(t, roleId).filter(({ statement }) => statement.Effect === 'Allow')) {
    for (const action of asList(statement.Action ?? [])) grants.set(action, [...new Set([...(grants.get(action) ?? []), ...asList(resolve(t, statement.Resource)).flat()])].sort());
  }
  return grants;
}

/**
 * Actions AWS does not allow to be scoped to a resource, with the reason; only these may take
 * Resource '*'. The VPC ones are granted only with subnetIds/securityGroupIds (private-endpoint clusters).
 */
export const VPC_UNSCOPABLE_ACTIONS = new Map<string, string>([
  ['ec2:DescribeNetworkInterfaces', "Lambda's VPC networking needs it; EC2 Describe calls support no resource-level permissions (the Lambda guide: it only works on Resource '*')"],
  ['ec2:DescribeSubnets', "Lambda's VPC networking (AWSLambdaVPCAccessExecutionRole) needs it; EC2 Describe calls support no resource-level permissions"],
]);
const NO_RESOURCE_LEVEL = 'EC2 Describe calls support no resource-level permissions';
/** The node instance behind a finding (protect-instance, snapshot-volumes): granted with the preserveEvidence grant. */
export const INSTANCE_UNSCOPABLE_ACTIONS = new Map<string, string>([
  ['ec2:DescribeInstances', `the instance behind a node and its volumes; ${NO_RESOURCE_LEVEL}`],
  ['ec2:DescribeInstanceAttribute', `its termination and stop protection; ${NO_RESOURCE_LEVEL}`],
  ['ec2:DescribeSnapshots', `the snapshots already taken for the incident; ${NO_RESOURCE_LEVEL}`],
]);
export const UNSCOPABLE_ACTIONS = new Map<string, string>([...VPC_UNSCOPABLE_ACTIONS, ...INSTANCE_UNSCOPABLE_ACTIONS]);

/** Wildcard actions, NotAction/NotResource, empty resources, and Resource '*' outside UNSCOPABLE_ACTIONS, in every role's statements. */
export function wildcardViolations(t: Template): string[] {
  const roles = ofType(t, 'AWS::IAM::Role').map(([id]) => id);
  return roles.flatMap((role) =>
    statementsOf(t, role).flatMap(({ statement, deployed: live }) => {
      const where = `${role} ${statement.Sid ?? statement.Effect}`;
      const found: string[] = [];
      if (statement.NotAction !== undefined || statement.NotResource !== undefined) found.push(`${where}: NotAction/NotResource`);
      for (const action of asList(statement.Action ?? [])) if (action.includes('*')) found.push(`${where}: action ${action}`);
      // A conditional statement the parameters leave out is still checked for wildcard actions above.
      if (!live) return found;
      const resources = asList(resolve(t, statement.Resource)).flat();
      if (resources.length === 0) found.push(`${where}: no resource`);
      if (resources.includes('*')) {
        for (const action of asList(statement.Action ?? [])) if (!UNSCOPABLE_ACTIONS.has(action)) found.push(`${where}: ${action} on Resource '*'`);
      }
      return found;
    }),
  );
}

export const FUNCTIONS = {
  guardduty: 'GuarddutyLambdaFunction',
  securityhub: 'SecurityhubLambdaFunction',
  cloudtrail: 'CloudtrailLambdaFunction',
  manualPlaybook: 'ManualPlaybookLambdaFunction',
} as const;
export type FunctionName = keyof typeof FUNCTIONS;
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The role a function runs as. */
export const roleOf = (t: Template, name: FunctionName): string => t.Resources[FUNCTIONS[name]].Properties.Role['Fn::GetAtt'][0];

/** The ARN CloudFormation gives a role of the template (`getatt:Role.Arn` otherwise stays symbolic). */
export function roleArnIn(t: Template, roleId: string): string {
  const { Path: path = '/', RoleName: name } = t.Resources[roleId].Properties;
  return `arn:aws:iam::${ACCOUNT}:role${path}${resolve(t, name)}`;
}

/**
 * Resources a value refers to: Ref, Fn::GetAtt, ${Id} in Fn::Sub. With `taken`, only the branch of
 * each Fn::If the conditions take (what CloudFormation deploys), otherwise both.
 */
function referencesIn(t: Template, value: Json, taken = false): Set<string> {
  const found = new Set<string>();
  const visit = (item: Json): void => {
    if (Array.isArray(item)) return item.forEach(visit);
    if (item === null || typeof item !== 'object') return;
    for (const [key, arg] of Object.entries(item)) {
      if (key === 'Ref' && typeof arg === 'string' && t.Resources[arg]) found.add(arg);
      else if (key === 'Fn::GetAtt') found.add((arg as string[])[0]);
      else if (key === 'Fn::If' && taken) visit(condition(t, (arg as Json[])[0]) ? (arg as Json[])[1] : (arg as Json[])[2]);
      else if (key === 'Fn::Sub') {
        const text = typeof arg === 'string' ? arg : (arg as Json[])[0];
        for (const [, ref] of String(text).matchAll(/\$\{([^}!]+)\}/g)) if (t.Resources[ref.split('.')[0]]) found.add(ref.split('.')[0]);
        if (Array.isArray(arg)) visit(arg[1]);
      } else visit(arg);
    }
  };
  visit(value);
  return found;
}

/** References from deployed resources and outputs to resources their conditions leave out: CloudFormation refuses them. */
export function danglingReferences(t: Template): string[] {
  const absent = (id: string) => !t.Resources[id] || !deployed(t, t.Resources[id]);
  const sources: [string, Json, string[]][] = [
    ...Object.entries(t.Resources)
      .filter(([, resource]) => deployed(t, resource))
      .map(([id, resource]): [string, Json, string[]] => [id, resource.Properties, asList(resource.DependsOn ?? [])]),
    ...Object.entries(t.Outputs)
      .filter(([, output]) => output.Condition === undefined || condition(t, output.Condition))
      .map(([id, output]): [string, Json, string[]] => [`Outputs.${id}`, output.Value, []]),
  ];
  return sources.flatMap(([id, value, dependsOn]) => [...referencesIn(t, value, true), ...dependsOn].filter(absent).map((target) => `${id} -> ${target}`));
}

/** A dependency cycle among the resources (CloudFormation refuses such a template), or undefined. */
export function dependencyCycle(t: Template): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const next of new Set([...asList(t.Resources[id].DependsOn ?? []), ...referencesIn(t, t.Resources[id].Properties)])) {
      if (!t.Resources[next]) throw new Error(`${id} depends on unknown resource ${next}`);
      const cycle = walk(next, [...path, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(t.Resources)) {
    const cycle = walk(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}
