import type { V1ClusterRoleBinding, V1RoleBinding } from '@kubernetes/client-node';
import type { BindingRef, KubeBinding } from './ports';

/** A stored binding as the report keeps it: everything needed to create it again, nothing the server fills in. */
export function toBinding(kind: BindingRef['kind'], binding: V1ClusterRoleBinding | V1RoleBinding): KubeBinding {
  const metadata = binding.metadata;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: {
      name: metadata?.name ?? '',
      ...(metadata?.namespace ? { namespace: metadata.namespace } : {}),
      uid: metadata?.uid,
      resourceVersion: metadata?.resourceVersion,
      labels: { ...(metadata?.labels ?? {}) },
      annotations: { ...(metadata?.annotations ?? {}) },
    },
    roleRef: { apiGroup: binding.roleRef.apiGroup, kind: binding.roleRef.kind, name: binding.roleRef.name },
    subjects: (binding.subjects ?? []).map((subject) => ({
      kind: subject.kind,
      name: subject.name,
      ...(subject.namespace ? { namespace: subject.namespace } : {}),
      ...(subject.apiGroup ? { apiGroup: subject.apiGroup } : {}),
    })),
  };
}

export function describeBinding(ref: BindingRef): string {
  return ref.kind === 'RoleBinding' ? `RoleBinding ${ref.namespace}/${ref.name}` : `ClusterRoleBinding ${ref.name}`;
}
