// Runs the responder's command-line scenarios against the sandbox and checks the Kubernetes
// requests they made against deploy/rbac.yaml: every request is allowed by the ClusterRole, and
// every permission the ClusterRole grants is used by some scenario (no unused grants).
import { join } from 'node:path';
import { runCommand } from '../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR, loadEvent } from '../helpers/events';
import { argocdFinding } from '../helpers/findings';
import { install, type ADDONS } from '../helpers/cluster-addons';
import { allowedBy, grantedPermissions, loadRbacManifest, permissionKey } from '../helpers/rbac';
import { CLUSTER, NODES } from '../support/cluster-scenario';
import { ownerReferenceTo, type KubeApiServer, type KubeObject, type RecordedRequest } from '../support/kube-api-server';
import { startSandbox, type Sandbox } from '../support/sandbox';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);

function pod(namespace: string, name: string, labels: Record<string, string>, owner: KubeObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels, ownerReferences: [ownerReferenceTo(owner)] },
    spec: { nodeName: NODES.b.name, serviceAccountName: 'default', containers: [{ name: 'app', image: 'public.ecr.aws/docker/library/postgres:16' }] },
    status: { phase: 'Running' },
  };
}

/**
 * The sandbox has no StatefulSet or CronJob; these scenarios add one each (names invented here,
 * not samples) so the owner walks through statefulsets, cronjobs and jobs are exercised.
 */
function seedControllers(kube: KubeApiServer): void {
  kube.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data' } }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'data', name: 'default' } });
  const [statefulSet] = kube.seed({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { namespace: 'data', name: 'postgres' },
    spec: { selector: { matchLabels: { app: 'postgres' } }, template: { metadata: { labels: { app: 'postgres' } } } },
  });
  const [cronJob] = kube.seed({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { namespace: 'data', name: 'backup' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { metadata: { labels: { app: 'backup' } } } } } },
  });
  const [job] = kube.seed({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { namespace: 'data', name: 'backup-28930000', labels: { app: 'backup' }, ownerReferences: [ownerReferenceTo(cronJob)] },
    spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } } },
  });
  kube.seed(pod('data', 'postgres-0', { app: 'postgres' }, statefulSet), pod('data', 'backup-28930000-7xk2p', { app: 'backup' }, job));
}

/** Two bindings that grant unauthenticated callers access (names invented here, not samples). */
function seedAnonymousBindings(kube: KubeApiServer): void {
  const binding = (kind: string, name: string, subject: object, namespace?: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [subject],
  });
  kube.seed(
    binding('ClusterRoleBinding', 'anonymous-admin', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' }),
    binding('RoleBinding', 'open-view', { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' }, 'web'),
  );
}

/**
 * The real AnonymousAccessGranted sample names placeholders; pointed here at the sandbox cluster
 * and, through the request URI of an update as GuardDuty records it, at one of those bindings.
 */
function anonymousGrant(requestUri: string): string {
  const event = loadEvent('guardduty/eks-policy-anonymous-access-granted.json');
  event.detail.resource.eksClusterDetails.name = CLUSTER;
  event.detail.service.action.kubernetesApiCallAction.requestUri = requestUri;
  return JSON.stringify(event);
}

const DIGEST = `sha256:${'c'.repeat(64)}`;

/** The argocd pod as it would run in an Istio sidecar mesh, its image digest reported by the kubelet (as in test/shared/cli/defense-in-depth.test.ts). */
function meshThePod(kube: KubeApiServer): void {
  const pod = kube.getObject('pods', 'argocd', 'privileged-pod')!;
  kube.seed({
    ...pod,
    spec: { ...pod.spec, containers: [...pod.spec.containers, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'centos', imageID: `docker.io/library/centos@${DIGEST}` }] },
  });
}

const quarantineArgocd = ['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json'];
const releaseArgocd = ['playbook', 'release', '--event', argocdFile, '--mode', 'enforce', '--json'];

const workload = (Name: string, Type: string, Namespace: string) => argocdFinding({ severity: 8, workload: { Name, Type, Namespace } });
const protectedPod = ['playbook', 'quarantine', '--cluster', CLUSTER, '--namespace', 'kube-system', '--pod', 'aws-node-4lhp7', '--mode', 'enforce', '--json'];

/** What a user runs: the CLI scenarios of test/shared/cli/respond.test.ts, in enforce mode where they change things. */
interface Scenario {
  name: string;
  args: string[];
  stdin?: string;
  twice?: boolean;
  kubeconfig?: boolean;
  bindings?: true;
  /** A second command after the first (and its repeat): the release of what it did. */
  then?: string[];
  /** Add-ons whose APIs the sandbox serves, the argocd pod in the mesh with a known image digest, and the responder's opt-ins. */
  addons?: (keyof typeof ADDONS)[];
  env?: Record<string, string>;
}

const SCENARIOS: Scenario[] = [
  { name: 'quarantine the argocd pod (and again: already done)', args: quarantineArgocd, twice: true },
  { name: 'quarantine then release the argocd pod', args: quarantineArgocd, then: releaseArgocd },
  // Every add-on layer, each storage of Calico and each admission engine, added then removed.
  {
    name: 'quarantine then release with Cilium, Calico (API server), Istio, Karpenter and Kyverno, blocking the image',
    args: quarantineArgocd,
    then: releaseArgocd,
    addons: ['cilium', 'calicoApiServer', 'istio', 'karpenter', 'kyverno'],
    env: { BLOCK_IMAGE: 'true' },
  },
  {
    name: 'quarantine then release with Calico (CRDs) and Gatekeeper, blocking the image',
    args: quarantineArgocd,
    then: releaseArgocd,
    addons: ['calicoCrds', 'gatekeeper', 'gatekeeperBlockedImageKind'],
    env: { BLOCK_IMAGE: 'true' },
  },
  { name: 'contain a Deployment', args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: workload('frontend', 'deployments', 'web') },
  { name: 'contain a DaemonSet', args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: workload('node-agent', 'daemonsets', 'monitoring') },
  { name: 'contain a StatefulSet', args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: workload('postgres', 'statefulsets', 'data') },
  { name: 'contain a CronJob', args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: workload('backup', 'cronjobs', 'data') },
  { name: "contain a service account's pods", args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: argocdFinding({ severity: 8, workload: null, username: 'system:serviceaccount:web:frontend' }) },
  { name: 'cordon a node identity', args: ['respond', '--event', '-', '--mode', 'enforce', '--json'], stdin: argocdFinding({ severity: 8, workload: null, username: `system:node:${NODES.b.name}` }) },
  { name: 'refuse a protected pod', args: protectedPod },
  { name: 'contain a protected pod when allowed', args: [...protectedPod, '--allow-protected'] },
  { name: 'plan a pod through a kubeconfig', args: ['playbook', 'quarantine', '--event', argocdFile, '--json'], kubeconfig: true },
  // Bindings are no pods, nodes or roles: these scenarios have no targets, only a done action.
  {
    name: 'remove an anonymous ClusterRoleBinding (and again: already gone)',
    args: ['respond', '--event', '-', '--mode', 'enforce', '--json'],
    stdin: anonymousGrant('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/anonymous-admin'),
    twice: true,
    bindings: true,
  },
  {
    name: 'remove an anonymous RoleBinding',
    args: ['respond', '--event', '-', '--mode', 'enforce', '--json'],
    stdin: anonymousGrant('/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings/open-view'),
    bindings: true,
  },
];

interface Outcome {
  name: string;
  bindings: boolean;
  codes: number[];
  statuses: string[];
  /** Actions that changed something. */
  done: string[];
  targets: number;
  requests: RecordedRequest[];
}

async function runScenario(scenario: Scenario): Promise<Outcome> {
  const sandbox: Sandbox = await startSandbox();
  try {
    seedControllers(sandbox.kube);
    if (scenario.bindings) seedAnonymousBindings(sandbox.kube);
    if (scenario.addons) {
      install(sandbox.kube, ...scenario.addons);
      meshThePod(sandbox.kube);
    }
    const env = { ...sandbox.env, ...scenario.env };
    const args = scenario.kubeconfig ? [...scenario.args, '--kubeconfig', sandbox.kubeconfigPath] : scenario.args;
    const runs = [];
    for (let i = 0; i < (scenario.twice ? 2 : 1); i++) runs.push(await runCommand(args, env, scenario.stdin));
    const first = runs.length;
    if (scenario.then) runs.push(await runCommand(scenario.then, env));
    return {
      name: scenario.name,
      bindings: scenario.bindings === true,
      codes: runs.map((run) => run.code),
      statuses: runs.flatMap((run) => run.reports.flatMap((report) => report.actions.map((action) => action.status))),
      done: runs.flatMap((run) => run.reports.flatMap((report) => report.actions.filter((action) => action.status === 'done').map((action) => action.action))),
      targets: Math.min(...runs.slice(0, first).map((run) => run.reports[0]?.targets.length ?? 0)),
      requests: [...sandbox.kube.requests],
    };
  } finally {
    await sandbox.stop();
  }
}

const permissionOf = (request: RecordedRequest) => permissionKey(request.group, request.subresource ? `${request.resource}/${request.subresource}` : request.resource, request.verb);

describe('deploy/rbac.yaml against the requests the responder makes', () => {
  const { role } = loadRbacManifest();
  const granted = grantedPermissions(role);
  const outcomes: Outcome[] = [];
  // Discovery (/api, /apis, /version) is readable by every authenticated user through the
  // default system:discovery ClusterRole, so it needs no rule here.
  const used = () => new Set(outcomes.flatMap((outcome) => outcome.requests.filter((request) => request.verb !== 'discovery').map(permissionOf)));

  beforeAll(async () => {
    // One fresh sandbox per scenario, one after the other: each sandbox points the process's AWS environment at itself.
    for (const scenario of SCENARIOS) outcomes.push(await runScenario(scenario));
  }, 90_000);

  it.each(SCENARIOS.map((scenario) => scenario.name))('runs "%s" to completion on its targets, without failed actions', (name) => {
    const outcome = outcomes.find((item) => item.name === name)!;
    expect(outcome.codes.every((code) => code === 0)).toBe(true);
    if (outcome.bindings) expect(outcome.done).toContain('remove-anonymous-binding');
    else expect(outcome.targets).toBeGreaterThan(0);
    expect(outcome.statuses).not.toContain('failed');
    expect(outcome.requests.length).toBeGreaterThan(0);
  });

  it('makes only requests the ClusterRole allows', () => {
    const denied = outcomes.flatMap((outcome) =>
      outcome.requests
        .filter((request) => request.verb !== 'discovery' && !allowedBy(role, permissionOf(request), request.name))
        .map((request) => `${outcome.name}: ${request.method} ${permissionOf(request)}${request.name ? ` ${request.name}` : ''}`),
    );
    expect(denied).toEqual([]);
  });

  it('uses every permission the ClusterRole grants', () => {
    const usedPermissions = used();
    expect([...granted].filter((permission) => !usedPermissions.has(permission))).toEqual([]);
  });

  it('adds every layer the add-ons allow, and the release removes each one', () => {
    const layered = ['cilium-deny', 'calico-deny', 'mesh-deny', 'block-image'];
    for (const name of SCENARIOS.filter((scenario) => scenario.addons).map((scenario) => scenario.name)) {
      const outcome = outcomes.find((item) => item.name === name)!;
      const expected = name.includes('Cilium') ? layered : ['calico-deny', 'block-image'];
      expect({ name, done: outcome.done.filter((action) => layered.includes(action.replace(/^release-/, ''))).sort() }).toEqual({
        name,
        done: [...expected, ...expected.map((action) => `release-${action}`)].sort(),
      });
    }
  });

  it('changes the cluster in the scenarios that enforce', () => {
    const writes = outcomes.flatMap((outcome) => outcome.requests.filter((request) => ['create', 'patch', 'update', 'delete'].includes(request.verb)));
    expect(new Set(writes.map(permissionOf))).toEqual(
      new Set([
        '/pods:patch',
        '/nodes:patch',
        'networking.k8s.io/networkpolicies:create',
        'networking.k8s.io/networkpolicies:patch',
        'networking.k8s.io/networkpolicies:delete',
        ...['cilium.io/ciliumnetworkpolicies', 'projectcalico.org/networkpolicies', 'crd.projectcalico.org/networkpolicies', 'security.istio.io/authorizationpolicies', 'kyverno.io/clusterpolicies']
          .concat('constraints.gatekeeper.sh/eksresponderblockedimage')
          .flatMap((resource) => [`${resource}:create`, `${resource}:delete`]),
        // The shared Gatekeeper template is created once and stays for other incidents.
        'templates.gatekeeper.sh/constrainttemplates:create',
        'rbac.authorization.k8s.io/clusterrolebindings:delete',
        'rbac.authorization.k8s.io/rolebindings:delete',
      ]),
    );
  });
});
