'use strict';

/**
 * The functions of serverless.yml as osls resolves them, with the logical ids osls and
 * serverless-iam-roles-per-function give their CloudFormation resources. Used by the package-time
 * generators (deploy/cluster-access.js, deploy/alarms.js, ...) so that a function added to
 * serverless.yml gets its access entries, network permissions, alarms and outputs without another
 * edit.
 */
const { KUBERNETES_GRANT, grantsByFunction } = require('./iam');

/** osls naming (lib/plugins/aws/lib/naming.js getNormalizedResourceName): upper first, '-' Dash, '_' Underscore. */
function logicalName(name) {
  const normalized = String(name).replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalized.charAt(0).toUpperCase() + normalized.slice(1);
}

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Whether a function's own statements allow an action (exact name: the template test forbids wildcards). */
function allows(fn, action) {
  return fn.statements.some((statement) => statement.Effect === 'Allow' && asList(statement.Action).includes(action));
}

/** Whether a function connects to clusters (it holds the kubernetes grant), hence needs an EKS access entry. */
function reachesKubernetes(fn) {
  return fn.grants.includes(KUBERNETES_GRANT);
}

async function serviceFunctions(context) {
  const [functions, { functions: grants }] = await Promise.all([context.resolveConfigurationProperty(['functions']), grantsByFunction(context)]);
  return Object.entries(functions ?? {}).map(([name, definition]) => ({
    name,
    functionId: `${logicalName(name)}LambdaFunction`,
    roleId: `${logicalName(name)}IamRoleLambdaExecution`,
    statements: asList(definition.iamRoleStatements),
    grants: grants[name] ?? [],
  }));
}

module.exports = {
  allows,
  logicalName,
  reachesKubernetes,
  serviceFunctions,
  /** Every function role, for policies that all of them need (the Slack secret). */
  roleRefs: async (context) => (await serviceFunctions(context)).map((fn) => ({ Ref: fn.roleId })),
  /** The roles of the functions that collect evidence (the preserveEvidence grant), for the evidence bucket policy. */
  evidenceRoleRefs: async (context) => (await serviceFunctions(context)).filter((fn) => fn.grants.includes('preserveEvidence')).map((fn) => ({ Ref: fn.roleId })),
};
