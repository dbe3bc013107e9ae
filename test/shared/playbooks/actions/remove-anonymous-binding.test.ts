import { join } from 'node:path';
import { bindingNamedBy, removeAnonymousBinding } from '../../../../shared/playbooks/actions/remove-anonymous-binding';
import { CLUSTER } from '../../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../../support/sandbox';
import { actionContext } from '../../../helpers/action-context';
import { runCommand } from '../../../helpers/cli';
import { EVENTS_DIR, loadEvent } from '../../../helpers/events';

const SAMPLE = 'guardduty/eks-policy-anonymous-access-granted.json';
const CRB = { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' };
const RB = { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' };

/**
 * The real AnonymousAccessGranted sample names placeholders (cluster `GeneratedFindingEKSClusterName`,
 * request URI `GeneratedFindingRequestURI`); tests point it at the sandbox cluster and, where
 * they say so, at a binding through the request URI of an update, as GuardDuty records it.
 */
function anonymousGrant(requestUri?: string): string {
  const event = loadEvent(SAMPLE);
  event.detail.resource.eksClusterDetails.name = CLUSTER;
  if (requestUri) event.detail.service.action.kubernetesApiCallAction.requestUri = requestUri;
  return JSON.stringify(event);
}

const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, subjects: object[], namespace?: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { team: 'platform' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects,
});

const ANONYMOUS_USER = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' };

describe('remove-anonymous-binding', () => {
  it.each([
    [{ requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/anonymous-admin' }, { ref: { kind: 'ClusterRoleBinding', name: 'anonymous-admin' } }],
    [{ requestUri: '/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings/open-view?fieldManager=kubectl' }, { ref: { kind: 'RoleBinding', name: 'open-view', namespace: 'web' } }],
    [{ resource: 'clusterrolebindings', resourceName: 'named-directly', requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }, { ref: { kind: 'ClusterRoleBinding', name: 'named-directly' } }],
    [{ requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }, { unresolved: 'the finding names no binding (request URI "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")' }],
    [{ requestUri: 'GeneratedFindingRequestURI' }, { unresolved: 'the finding names no binding (request URI "GeneratedFindingRequestURI")' }],
    [undefined, { unresolved: 'the finding names no Kubernetes API call' }],
  ])('finds the binding in %j', (call, expected) => {
    expect(bindingNamedBy(call)).toEqual(expected);
  });

  describe('against the sandbox', () => {
    let sandbox: Sandbox;
    beforeEach(async () => {
      sandbox = await startSandbox();
    });
    afterEach(() => sandbox.stop());

    const respondTo = (event: string, mode: string, extra: string[] = []) => runCommand(['respond', '--event', '-', '--mode', mode, '--json', ...extra], sandbox.env, event);

    it('skips the real sample with its reason: its cluster is a placeholder', async () => {
      const result = await runCommand(['respond', '--event', join(EVENTS_DIR, SAMPLE), '--mode', 'enforce', '--json'], sandbox.env);

      expect(result.reports[0].actions[0]).toMatchObject({ action: 'correlate', status: 'skipped', detail: expect.stringMatching(/^cluster GeneratedFindingEKSClusterName in us-east-2: not found/) });
      expect(sandbox.kube.requests).toEqual([]);
    });

    it('skips a placeholder request URI with its reason', async () => {
      const result = await respondTo(anonymousGrant(), 'enforce');

      expect(result.code).toBe(0);
      expect(result.reports[0].actions[0]).toMatchObject({ action: 'remove-anonymous-binding', status: 'skipped', detail: 'the finding names no binding (request URI "GeneratedFindingRequestURI")' });
      expect(sandbox.kube.mutations()).toEqual([]);
    });

    it('plans, then deletes the ClusterRoleBinding, keeping it whole in the report', async () => {
      sandbox.kube.seed(binding('ClusterRoleBinding', 'anonymous-admin', [ANONYMOUS_USER]));
      const event = anonymousGrant('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/anonymous-admin');
      const saved = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'anonymous-admin', labels: { team: 'platform' }, annotations: {} },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [ANONYMOUS_USER],
      };

      const planned = await respondTo(event, 'plan');
      expect(planned.reports[0]).toMatchObject({ decision: 'respond' });
      expect(planned.reports[0].actions[0]).toMatchObject({ status: 'planned', before: saved });
      expect(sandbox.kube.mutations()).toEqual([]);

      const enforced = await respondTo(event, 'enforce');

      expect(enforced.reports[0].actions[0]).toMatchObject({ status: 'done', detail: 'ClusterRoleBinding anonymous-admin deleted; the report keeps it to restore', before: saved });
      expect(sandbox.kube.getObject(CRB, undefined, 'anonymous-admin')).toBeUndefined();
      expect(sandbox.kube.mutations()).toEqual([expect.objectContaining({ verb: 'delete', resource: 'clusterrolebindings', name: 'anonymous-admin', status: 200 })]);
      // The delete names the exact object that was saved.
      expect(sandbox.kube.mutations()[0].body).toMatchObject({ preconditions: { uid: expect.any(String), resourceVersion: expect.any(String) } });

      const again = await respondTo(event, 'enforce');
      expect(again.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'ClusterRoleBinding anonymous-admin no longer exists' });
    });

    it('deletes a RoleBinding for system:unauthenticated and warns about the other subjects it bound', async () => {
      sandbox.kube.seed(binding('RoleBinding', 'open-view', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' }, { kind: 'User', name: 'alice' }], 'web'));

      const result = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings/open-view'), 'enforce');

      expect(result.reports[0].actions[0]).toMatchObject({ status: 'done', target: 'RoleBinding web/open-view' });
      expect(sandbox.kube.getObject(RB, 'web', 'open-view')).toBeUndefined();
      const planned = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings/open-view'), 'plan');
      expect(planned.reports[0].actions[0].detail).toBe('RoleBinding web/open-view no longer exists');
    });

    it('warns in the plan when the binding also serves other subjects', async () => {
      sandbox.kube.seed(binding('RoleBinding', 'open-view', [ANONYMOUS_USER, { kind: 'User', name: 'alice' }], 'web'));

      const result = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings/open-view'), 'plan');

      expect(result.reports[0].actions[0].detail).toContain('warning: it also binds User alice, who lose that access too');
    });

    it('leaves protected namespaces and Kubernetes defaults alone unless asked', async () => {
      sandbox.kube.seed(binding('RoleBinding', 'anonymous', [ANONYMOUS_USER], 'kube-system'), binding('ClusterRoleBinding', 'system:public-info-viewer', [ANONYMOUS_USER]));

      const protectedNs = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/anonymous'), 'enforce');
      const systemDefault = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:public-info-viewer'), 'enforce');

      expect(protectedNs.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'protected: namespace kube-system is protected' });
      expect(systemDefault.reports[0].actions[0]).toMatchObject({ status: 'skipped', detail: 'protected: system:public-info-viewer is a Kubernetes default binding' });
      expect(sandbox.kube.mutations()).toEqual([]);

      const allowed = await runCommand(
        ['playbook', 'remove-anonymous-binding', '--event', '-', '--mode', 'enforce', '--allow-protected', '--json'],
        sandbox.env,
        anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/anonymous'),
      );
      expect(allowed.reports[0].actions[0]).toMatchObject({ status: 'done' });
      expect(sandbox.kube.getObject(RB, 'kube-system', 'anonymous')).toBeUndefined();
    });

    it('leaves a binding that no longer grants anything to anonymous users', async () => {
      sandbox.kube.seed(binding('ClusterRoleBinding', 'anonymous-admin', [{ kind: 'User', name: 'alice' }]));

      const result = await respondTo(anonymousGrant('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/anonymous-admin'), 'enforce');

      expect(result.reports[0].actions[0].detail).toBe('ClusterRoleBinding anonymous-admin no longer grants anything to system:anonymous or system:unauthenticated; left in place');
      expect(sandbox.kube.mutations()).toEqual([]);
    });

    it('refuses to delete a binding changed since it was read and saved', async () => {
      sandbox.kube.seed(binding('ClusterRoleBinding', 'anonymous-admin', [ANONYMOUS_USER]));
      const context = actionContext(sandbox);
      context.finding = { ...context.finding, kubernetesApiCall: { requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/anonymous-admin' } };
      const [target] = removeAnonymousBinding.targetsOf(context);
      const plan = await removeAnonymousBinding.plan(context, target);
      if ('skip' in plan) throw new Error(`expected a plan, got: ${plan.skip}`);
      // Someone edits the binding between the plan and the delete.
      sandbox.kube.seed({ ...sandbox.kube.getObject(CRB, undefined, 'anonymous-admin')!, subjects: [ANONYMOUS_USER, { kind: 'User', name: 'bob' }] });

      await expect(removeAnonymousBinding.apply(context, target, plan.change)).rejects.toThrow(/HTTP 409/);
      expect(sandbox.kube.getObject(CRB, undefined, 'anonymous-admin')?.subjects).toHaveLength(2);
    });
  });
});
