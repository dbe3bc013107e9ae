'use strict';

/**
 * Every resource serverless.yml generates at package time, read through
 * `${file(./deploy/resources.js):resources}`: EKS access entries and network permissions
 * (cluster-access.js), alarms per function (alarms.js), member-account access (member-accounts.js).
 *
 * One fragment, merged here: osls merges `resources` list items key by key and replaces arrays,
 * so two fragments each adding a function's DependsOn would keep only the last one.
 */
const alarms = require('./alarms');
const clusterAccess = require('./cluster-access');
const memberAccounts = require('./member-accounts');

function merge(fragments) {
  const merged = { Resources: {}, extensions: {} };
  for (const fragment of fragments) {
    for (const [id, resource] of Object.entries(fragment.Resources ?? {})) {
      if (merged.Resources[id]) throw new Error(`two generated resources are named ${id}`);
      merged.Resources[id] = resource;
    }
    for (const [id, extension] of Object.entries(fragment.extensions ?? {})) {
      const into = (merged.extensions[id] ??= {});
      if (extension.DependsOn) into.DependsOn = [...(into.DependsOn ?? []), ...extension.DependsOn];
      if (extension.Properties) into.Properties = { ...into.Properties, ...extension.Properties };
    }
  }
  if (Object.keys(merged.extensions).length === 0) delete merged.extensions;
  return merged;
}

module.exports = {
  merge,
  resources: async (context) => merge(await Promise.all([clusterAccess.resources(context), alarms.resources(context), memberAccounts.resources(context)])),
};
