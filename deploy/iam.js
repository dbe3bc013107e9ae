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

/**
 * Function name -> names of its grants, checked against the grants serverless.yml defines: those
 * of `custom.iam.functions`, then those of `custom.iam.optIn` whose parameter is 'true'.
 */
async function grantsByFunction({ resolveConfigurationProperty, resolveVariable }) {
  const [grants, functions, optIn] = await Promise.all(
    [['custom', 'iam', 'grants'], ['custom', 'iam', 'functions'], ['custom', 'iam', 'optIn']].map((path) => resolveConfigurationProperty(path)),
  );
  const known = grants ?? {};
  const check = (where, list) => {
    const unknown = list.filter((grant) => !Object.hasOwn(known, grant));
    if (unknown.length) throw new Error(`${where}: no grant named ${unknown.join(', ')} in custom.iam.grants (${Object.keys(known).join(', ')})`);
    return list;
  };
  const result = {};
  for (const [name, list] of Object.entries(functions ?? {})) result[name] = check(`custom.iam.functions.${name}`, asList(list));
  for (const [parameter, { grant, functions: names }] of Object.entries(optIn ?? {})) {
    check(`custom.iam.optIn.${parameter}`, [grant]);
    const value = String(await resolveVariable(`param:${parameter}`));
    if (value !== 'true' && value !== 'false') throw new Error(`${parameter} must be true or false, got ${JSON.stringify(value)}`);
    if (value !== 'true') continue;
    for (const name of asList(names)) {
      if (!result[name]) throw new Error(`custom.iam.optIn.${parameter}: no function named ${name} in custom.iam.functions`);
      if (!result[name].includes(grant)) result[name] = [...result[name], grant];
    }
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
