'use strict';

/**
 * The IAM statements of each function's role, assembled at package time from serverless.yml:
 * `custom.iam.grants` names lists of statements by what they let a function do, and
 * `custom.iam.functions` says which grants each function gets. A function reads its own through
 * `iamRoleStatements: ${file(./deploy/iam.js):statements.FUNCTION}`.
 *
 * Grants are named once and combined per function so each role holds only what the playbooks
 * that function can run call (test/deploy/template.test.ts derives the same from the playbooks).
 */

/** The grant that connects a function to clusters: such a function gets an EKS access entry per named cluster. */
const KUBERNETES_GRANT = 'kubernetes';

const asList = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** Function name -> names of its grants, checked against the grants serverless.yml defines. */
async function grantsByFunction({ resolveConfigurationProperty }) {
  const [grants, functions] = await Promise.all([resolveConfigurationProperty(['custom', 'iam', 'grants']), resolveConfigurationProperty(['custom', 'iam', 'functions'])]);
  const known = grants ?? {};
  const result = {};
  for (const [name, list] of Object.entries(functions ?? {})) {
    const unknown = asList(list).filter((grant) => !Object.hasOwn(known, grant));
    if (unknown.length) throw new Error(`custom.iam.functions.${name}: no grant named ${unknown.join(', ')} in custom.iam.grants (${Object.keys(known).join(', ')})`);
    result[name] = asList(list);
  }
  return { grants: known, functions: result };
}

module.exports = {
  KUBERNETES_GRANT,
  grantsByFunction,
  /** Function name -> its statements, in the order of its grants. */
  statements: async (context) => {
    const { grants, functions } = await grantsByFunction(context);
    return Object.fromEntries(Object.entries(functions).map(([name, list]) => [name, list.flatMap((grant) => asList(grants[grant]))]));
  },
};
