import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';

export const RBAC_MANIFEST = join(__dirname, '..', '..', 'deploy', 'rbac.yaml');

export interface RbacManifest {
  documents: any[];
  role: any;
  binding: any;
}

/** deploy/rbac.yaml, parsed the way kubectl would read it. */
export function loadRbacManifest(): RbacManifest {
  const documents = loadAllYaml(readFileSync(RBAC_MANIFEST, 'utf8'));
  return {
    documents,
    role: documents.find((document) => document.kind === 'ClusterRole'),
    binding: documents.find((document) => document.kind === 'ClusterRoleBinding'),
  };
}

/** One RBAC permission as `group/resource:verb` (core group empty, subresources as `pods/log`). */
export const permissionKey = (group: string, resource: string, verb: string): string => `${group}/${resource}:${verb}`;

/** Every permission a ClusterRole grants, expanded rule by rule. */
export function grantedPermissions(role: any): Set<string> {
  return new Set<string>(
    role.rules.flatMap((rule: any) =>
      rule.apiGroups.flatMap((group: string) => rule.resources.flatMap((resource: string) => rule.verbs.map((verb: string) => permissionKey(group, resource, verb)))),
    ),
  );
}

/**
 * Whether a ClusterRole allows one request (`group/resource:verb`, and the object's name when the
 * request names one): a rule with resourceNames admits only those names.
 */
export function allowedBy(role: any, permission: string, name?: string): boolean {
  return role.rules.some((rule: any) => {
    const matches = rule.apiGroups.some((group: string) => rule.resources.some((resource: string) => rule.verbs.some((verb: string) => permissionKey(group, resource, verb) === permission)));
    return matches && (!rule.resourceNames || (name !== undefined && rule.resourceNames.includes(name)));
  });
}
