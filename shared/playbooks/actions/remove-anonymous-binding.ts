import { describeBinding } from '../../adapters/kubernetes-rbac';
import type { BindingRef, KubeBinding } from '../../adapters/ports';
import type { KubernetesApiCall } from '../../model';
import type { Action } from '../action';
import { requireKube } from './require-kube';

/** The identities Kubernetes gives unauthenticated requests. */
export const ANONYMOUS_SUBJECTS = ['system:anonymous', 'system:unauthenticated'];

type BindingTarget = { ref: BindingRef } | { unresolved: string };

const RBAC_PATH = '/apis/rbac.authorization.k8s.io/v1/';

/**
 * The binding a GuardDuty `Policy:Kubernetes/AnonymousAccessGranted` finding is about: named
 * directly by newer findings (`resource`, `resourceName`), otherwise by the request URI of an
 * update or patch. A create's URI is the collection, which names no binding.
 */
export function bindingNamedBy(call: KubernetesApiCall | undefined): BindingTarget {
  if (!call) return { unresolved: 'the finding names no Kubernetes API call' };
  if (call.resourceName && call.resource === 'clusterrolebindings') return { ref: { kind: 'ClusterRoleBinding', name: call.resourceName } };
  if (call.resourceName && call.resource === 'rolebindings' && call.namespace) {
    return { ref: { kind: 'RoleBinding', name: call.resourceName, namespace: call.namespace } };
  }
  const path = (call.requestUri ?? '').split('?')[0];
  const rest = path.startsWith(RBAC_PATH) ? path.slice(RBAC_PATH.length).split('/').map(decodeURIComponent) : [];
  if (rest.length === 2 && rest[0] === 'clusterrolebindings' && rest[1]) return { ref: { kind: 'ClusterRoleBinding', name: rest[1] } };
  if (rest.length === 4 && rest[0] === 'namespaces' && rest[2] === 'rolebindings' && rest[1] && rest[3]) {
    return { ref: { kind: 'RoleBinding', name: rest[3], namespace: rest[1] } };
  }
  return { unresolved: `the finding names no binding (request URI ${JSON.stringify(call.requestUri ?? '')})` };
}

/** What the report keeps: the binding as it can be created again (server-filled uid and resourceVersion left out). */
function restorable(binding: KubeBinding): KubeBinding {
  const { uid: _uid, resourceVersion: _version, ...metadata } = binding.metadata;
  return { ...binding, metadata };
}

function protectedBinding(ref: BindingRef, protectedNamespaces: string[]): string | undefined {
  // Kubernetes' own defaults (system:public-info-viewer, ...) keep clusters working.
  if (ref.name.startsWith('system:')) return `${ref.name} is a Kubernetes default binding`;
  if (ref.namespace && protectedNamespaces.includes(ref.namespace)) return `namespace ${ref.namespace} is protected`;
  return undefined;
}

const subjectName = (subject: KubeBinding['subjects'][number]) => `${subject.kind} ${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}`;

/**
 * Takes back what a binding granted to unauthenticated callers by deleting it, after saving it
 * whole in the report (`before`) so a release can create it again. The delete is conditional on
 * the binding being the one that was read and saved.
 */
export const removeAnonymousBinding: Action<BindingTarget, { ref: BindingRef; uid?: string; resourceVersion?: string }> = {
  name: 'remove-anonymous-binding',
  description: 'Delete the ClusterRoleBinding or RoleBinding that grants access to system:anonymous or system:unauthenticated, saving it in the report',
  kind: 'containment',
  correlation: 'cluster',
  permissions: {
    kubernetes: [
      { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verbs: ['get', 'delete'] },
      { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: ['get', 'delete'] },
    ],
    iam: [],
  },
  noTargetReason: 'the finding names no binding',
  targetsOf: (context) => [bindingNamedBy(context.finding.kubernetesApiCall)],
  describe: (target) => ('ref' in target ? describeBinding(target.ref) : 'binding (not named)'),

  async plan(context, target) {
    if (!('ref' in target)) return { skip: target.unresolved };
    const { ref } = target;
    const protectedReason = protectedBinding(ref, context.config.protectedNamespaces);
    if (protectedReason && !context.allowProtected) return { skip: `protected: ${protectedReason}` };
    const binding = await requireKube(context).readBinding(ref);
    if (!binding) return { skip: `${describeBinding(ref)} no longer exists` };
    const anonymous = binding.subjects.filter((subject) => ANONYMOUS_SUBJECTS.includes(subject.name));
    if (anonymous.length === 0) return { skip: `${describeBinding(ref)} no longer grants anything to ${ANONYMOUS_SUBJECTS.join(' or ')}; left in place` };
    const others = binding.subjects.filter((subject) => !ANONYMOUS_SUBJECTS.includes(subject.name));
    const steps = [
      `delete ${describeBinding(ref)} (binds ${binding.roleRef.kind} ${binding.roleRef.name} to ${anonymous.map(subjectName).join(', ')}), saved in the report`,
      others.length ? `warning: it also binds ${others.map(subjectName).join(', ')}, who lose that access too` : undefined,
    ].filter(Boolean);
    return {
      summary: steps.join('; '),
      change: { ref, uid: binding.metadata.uid, resourceVersion: binding.metadata.resourceVersion },
      before: restorable(binding),
    };
  },

  async apply(context, _target, change) {
    const deleted = await requireKube(context).deleteBinding(change.ref, { uid: change.uid, resourceVersion: change.resourceVersion });
    if (!deleted) return { status: 'skipped', detail: `${describeBinding(change.ref)} already deleted` };
    return { status: 'done', detail: `${describeBinding(change.ref)} deleted; the report keeps it to restore` };
  },
};
