'use strict';

/**
 * Every resource and output serverless.yml generates at package time, read through
 * `${file(./deploy/resources.js):resources}`: EKS access entries and network permissions
 * (cluster-access.js), alarms per function (alarms.js), member-account access (member-accounts.js),
 * the function role outputs (responder-roles.js).
 *
 * One fragment, merged here: osls merges `resources` list items key by key and replaces arrays,
 * so two fragments each adding a function's DependsOn would keep only the last one.
 */
const alarms = require('./alarms');
const clusterAccess = require('./cluster-access');
const memberAccounts = require('./member-accounts');
const responderRoles = require('./responder-roles');

function merge(fragments) {
  const merged = { Resources: {}, Outputs: {}, extensions: {} };
  for (const fragment of fragments) {
    for (const section of ['Resources', 'Outputs']) {
      for (const [id, item] of Object.entries(fragment[section] ?? {})) {
        if (merged[section][id]) throw new Error(`two generated ${section.toLowerCase()} are named ${id}`);
        merged[section][id] = item;
      }
    }
    for (const [id, extension] of Object.entries(fragment.extensions ?? {})) {
      const into = (merged.extensions[id] ??= {});
      if (extension.DependsOn) into.DependsOn = [...(into.DependsOn ?? []), ...extension.DependsOn];
      if (extension.Properties) into.Properties = { ...into.Properties, ...extension.Properties };
    }
  }
  for (const section of ['Outputs', 'extensions']) if (Object.keys(merged[section]).length === 0) delete merged[section];
  return merged;
}

module.exports = {
  merge,
  resources: async (context) =>
    merge(await Promise.all([clusterAccess.resources(context), alarms.resources(context), memberAccounts.resources(context), responderRoles.resources(context)])),
};
