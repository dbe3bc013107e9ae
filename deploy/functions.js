'use strict';

/**
 * The functions of serverless.yml as osls resolves them, with the logical ids osls and
 * serverless-iam-roles-per-function give their CloudFormation resources. Used by the package-time
 * generators (deploy/cluster-access.js, deploy/alarms.js) so that a function added to
 * serverless.yml gets its access entries, network permissions and alarms without another edit.
 */

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

async function serviceFunctions({ resolveConfigurationProperty }) {
  const functions = (await resolveConfigurationProperty(['functions'])) ?? {};
  return Object.entries(functions).map(([name, definition]) => ({
    name,
    functionId: `${logicalName(name)}LambdaFunction`,
    roleId: `${logicalName(name)}IamRoleLambdaExecution`,
    statements: asList(definition.iamRoleStatements),
  }));
}

module.exports = { allows, logicalName, serviceFunctions };
