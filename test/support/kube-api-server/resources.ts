// The API resources the fake kube-apiserver serves, and lookups by path, kind or a test's short reference.

/** One served resource: what a test passes to `registerResource`. */
export interface ResourceDefinition {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

/** How tests name a resource: `'pods'`, `'Pod'`, `'deployments.apps'`, or `{group, resource}` (version optional). */
export type ResourceRef = string | { group?: string; version?: string; resource: string };

/** The resources every server starts with. */
export const BUILTIN_RESOURCES: readonly ResourceDefinition[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
];

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Splits an object's apiVersion into group and version. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** True for resources served by this file's table (their list items carry no apiVersion/kind, as with kube-apiserver). */
export function isBuiltin(def: ResourceDefinition): boolean {
  return BUILTIN_RESOURCES.some((b) => b.group === def.group && b.resource === def.resource);
}

/** The set of served resources. */
export class ResourceRegistry {
  private readonly defs: ResourceDefinition[] = [];

  constructor(initial: readonly ResourceDefinition[] = BUILTIN_RESOURCES) {
    for (const def of initial) this.register(def);
  }

  /** Adds or replaces a resource; a new group or version becomes visible in discovery. */
  register(def: ResourceDefinition): void {
    if (!def.version || !def.resource || !def.kind) throw new Error('registerResource needs version, resource and kind');
    if (def.resource !== def.resource.toLowerCase()) throw new Error(`resource names are lower case plurals: ${def.resource}`);
    const index = this.defs.findIndex((d) => d.group === def.group && d.version === def.version && d.resource === def.resource);
    if (index >= 0) this.defs[index] = { ...def };
    else this.defs.push({ ...def });
  }

  /** The resource served at `/api(s)/{group}/{version}/{resource}`. */
  byPath(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.defs.find((d) => d.group === group && d.version === version && d.resource === resource);
  }

  /** The resource for an object's apiVersion and kind (any served version of the group when the exact one is absent). */
  byKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    const sameGroup = this.defs.filter((d) => d.group === group && d.kind === kind);
    return sameGroup.find((d) => d.version === version) ?? sameGroup[0];
  }

  /** Resolves a test's reference; throws when it matches nothing or more than one resource. */
  resolve(ref: ResourceRef): ResourceDefinition {
    let name: string;
    let group: string | undefined;
    let version: string | undefined;
    if (typeof ref === 'string') {
      const dot = ref.indexOf('.');
      name = dot < 0 ? ref : ref.slice(0, dot);
      group = dot < 0 ? undefined : ref.slice(dot + 1);
    } else {
      ({ resource: name, group, version } = ref);
    }
    const matches = this.defs.filter(
      (d) =>
        (d.resource === name || d.kind === name) &&
        (group === undefined || d.group === group) &&
        (version === undefined || d.version === version),
    );
    if (matches.length === 1) return matches[0];
    if (matches.length === 0) throw new Error(`unknown resource ${JSON.stringify(ref)}`);
    const all = matches.map((d) => `${d.resource}.${d.group || 'core'}/${d.version}`).join(', ');
    throw new Error(`ambiguous resource ${JSON.stringify(ref)}: ${all}; name the group`);
  }

  /** True when some resource is served in the group (and version, when given). */
  hasGroup(group: string, version?: string): boolean {
    return this.defs.some((d) => d.group === group && (version === undefined || d.version === version));
  }

  /** Body of `GET /apis`. */
  groupList(): Record<string, unknown> {
    const groups = [...new Set(this.defs.filter((d) => d.group).map((d) => d.group))];
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => this.group(g)) };
  }

  /** Body of `GET /apis/{group}`. */
  group(group: string): Record<string, unknown> {
    const versions = [...new Set(this.defs.filter((d) => d.group === group).map((d) => d.version))].map((version) => ({
      groupVersion: `${group}/${version}`,
      version,
    }));
    return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
  }

  /** Body of `GET /api/v1` or `GET /apis/{group}/{version}`. */
  resourceList(group: string, version: string): Record<string, unknown> {
    const resources: Array<Record<string, unknown>> = [];
    for (const d of this.defs.filter((x) => x.group === group && x.version === version)) {
      resources.push({ name: d.resource, singularName: d.kind.toLowerCase(), namespaced: d.namespaced, kind: d.kind, verbs: VERBS });
      if (!d.group && d.resource === 'pods') resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
  }
}
