import { join } from 'node:path';
import type { KubeObject } from '../../support/kube-api-server';
import { ORIGINAL_LABELS_ANNOTATION, QUARANTINE_LABEL, REVOKE_POLICY_NAME, quarantinePolicyName } from '../../../shared/markers';
import { revocationPolicy } from '../../../shared/playbooks/actions/revoke-role-sessions';
import { CLUSTER, NODES } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR } from '../../helpers/events';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);

/** The cluster's pods, nodes and NetworkPolicies, without the bookkeeping every write changes (resourceVersion, generation). */
function clusterState(sandbox: Sandbox): Record<string, unknown> {
  const strip = (object: KubeObject) => {
    const { resourceVersion: _version, generation: _generation, ...metadata } = object.metadata;
    return { ...object, metadata };
  };
  return Object.fromEntries(
    ['pods', 'nodes', 'networkpolicies'].flatMap((resource) => sandbox.kube.listObjects(resource).map((object) => [`${resource} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, strip(object)])),
  );
}

describe('eks-responder playbook release', () => {
  let sandbox: Sandbox;
  const start = async (withTables = false) => {
    sandbox = await startSandbox({ withTables });
  };
  afterEach(() => sandbox.stop());

  const run = (args: string[]) => runCommand(args, sandbox.env);
  const quarantine = async () => (await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json'])).reports[0];
  const release = (...extra: string[]) => run(['playbook', 'release', '--mode', 'enforce', '--json', ...extra]);

  it('returns the cluster to its before-state, from the markers alone, except the role revocation', async () => {
    await start();
    const before = clusterState(sandbox);
    const quarantined = await quarantine();

    const result = await release('--event', argocdFile);

    expect(result.code).toBe(0);
    const [report] = result.reports;
    expect(report.incidentId).toBe(quarantined.incidentId);
    expect(report.actions.filter((action) => action.action !== 'notify').map((action) => [action.action, action.status])).toEqual([
      ['release-pod', 'done'],
      ['restore-network-policies', 'done'],
      ['uncordon-node', 'done'],
      ['restore-role-sessions', 'skipped'],
      // The evidence marker goes; the bundle is kept.
      ['release-collect-evidence', 'done'],
      // The sandbox serves neither Cilium, Calico nor a mesh; the opt-in snapshot and image block did not run.
      ['release-cilium-deny', 'skipped'],
      ['release-calico-deny', 'skipped'],
      ['release-mesh-deny', 'skipped'],
      ['release-protect-instance', 'done'],
      ['release-snapshot-volumes', 'skipped'],
      ['release-block-image', 'skipped'],
      ['release-protect-from-disruption', 'skipped'],
      ['release-protect-from-disruption', 'done'],
      ['update-securityhub-finding', 'done'],
    ]);
    expect(clusterState(sandbox)).toEqual(before);
    expect(sandbox.aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: false, shutdownBehavior: 'terminate' });
    expect([...sandbox.aws.instance(NODES.a.instanceId)!.tags.keys()].filter((key) => key.startsWith('eks-responder:'))).toEqual([]);
    // Documented exception: sessions stay revoked unless asked, and then only once they have all expired.
    expect(sandbox.aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME)).toBeDefined();
    expect(report.actions.find((action) => action.action === 'restore-role-sessions')?.detail).toMatch(/^sessions issued before \S+ stay revoked: lifting the revocation could revive stolen credentials; pass --restore-role-sessions/);
  });

  it('shows in plan mode exactly what it would restore, changing nothing', async () => {
    await start();
    const quarantined = await quarantine();
    sandbox.kube.resetRequests();
    sandbox.aws.resetCalls();

    const result = await run(['playbook', 'release', '--event', argocdFile, '--json']);

    const details = Object.fromEntries(result.reports[0].actions.map((action) => [action.action, [action.status, action.detail]]));
    expect(details['release-pod']).toEqual(['planned', 'would restore the 2 original labels of pod argocd/privileged-pod (app=privileged-pod, team=danger) and remove the responder\'s annotations (plan mode)']);
    expect(details['restore-network-policies']).toEqual([
      'planned',
      `would delete NetworkPolicy ${quarantinePolicyName(quarantined.incidentId)}; remove the ${QUARANTINE_LABEL} DoesNotExist exclusion from allow-same-namespace (plan mode)`,
    ]);
    expect(details['uncordon-node']).toEqual(['planned', `would uncordon node ${NODES.a.name} and remove the responder's annotations (plan mode)`]);
    expect(sandbox.kube.mutations()).toEqual([]);
    expect(sandbox.aws.mutations()).toEqual([]);
  });

  it('lifts the revocation only with --restore-role-sessions and after the role\'s maximum session duration', async () => {
    await start();
    const quarantined = await quarantine();

    const early = await release('--event', argocdFile, '--restore-role-sessions');

    expect(early.reports[0].actions.find((action) => action.action === 'restore-role-sessions')?.detail).toMatch(
      /^not before \S+: a session issued just before the revocation \(\S+\) may be valid for the role's MaxSessionDuration of 3600 s, and would work again without the policy$/,
    );
    expect(sandbox.aws.callsTo('iam', 'DeleteRolePolicy')).toEqual([]);

    // The test moves the revocation two hours back, as if the release came later.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    sandbox.aws.role('privileged-app-irsa')?.inlinePolicies.set(REVOKE_POLICY_NAME, revocationPolicy(twoHoursAgo, quarantined.incidentId));
    const later = await release('--event', argocdFile, '--restore-role-sessions');

    expect(later.reports[0].actions.find((action) => action.action === 'restore-role-sessions')).toMatchObject({ status: 'done', detail: `${REVOKE_POLICY_NAME} removed (it denied sessions issued before ${twoHoursAgo})` });
    expect(sandbox.aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME)).toBeUndefined();
  });

  it('leaves a revocation written for another incident alone', async () => {
    await start();
    await quarantine();
    sandbox.aws.role('privileged-app-irsa')?.inlinePolicies.set(REVOKE_POLICY_NAME, revocationPolicy('2020-01-01T00:00:00.000Z', 'inc-ffffffffffffffff'));

    const result = await release('--event', argocdFile, '--restore-role-sessions');

    expect(result.reports[0].actions.find((action) => action.action === 'restore-role-sessions')?.detail).toBe(`the ${REVOKE_POLICY_NAME} policy was written for another incident; left as it is`);
  });

  it('releases by incident id with the incident table, and records the release on the incident', async () => {
    await start(true);
    const before = clusterState(sandbox);
    const quarantined = await quarantine();

    const result = await release('--incident', quarantined.incidentId);

    expect(result.code).toBe(0);
    expect(clusterState(sandbox)).toEqual(before);
    const record = JSON.parse((await run(['incident', 'show', quarantined.incidentId, '--json'])).stdout);
    expect(record.timeline.filter((entry: { kind: string }) => entry.kind === 'action').map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['isolate-pod', 'cordon-node', 'release-pod', 'restore-network-policies', 'uncordon-node', 'restore-role-sessions']),
    );
    expect(record.findingType).toBe('PrivilegeEscalation:Kubernetes/PrivilegedContainer');

    // The release drops the per-target claims it undid: quarantining again acts again.
    const again = await quarantine();
    expect(again.actions.filter((action) => action.action === 'isolate-pod' || action.action === 'cordon-node').map((action) => action.status)).toEqual(['done', 'done']);
    // So do the layered actions it undid: the instance is protected again.
    expect(again.actions.filter((action) => action.action === 'protect-instance').map((action) => action.status)).toEqual(['done']);
    expect(sandbox.aws.instance(NODES.a.instanceId)).toMatchObject({ disableApiTermination: true, shutdownBehavior: 'stop' });
  });

  it('releases one pod of a Deployment, keeping what the other quarantined pods still need', async () => {
    await start();
    const deployment = JSON.stringify({ ...JSON.parse(JSON.stringify(require(join(EVENTS_DIR, ARGOCD_FINDING)))) });
    const event = JSON.parse(deployment);
    event.Findings[0].Severity = 8;
    event.Findings[0].Resource.KubernetesDetails.KubernetesWorkloadDetails = { Name: 'frontend', Type: 'deployments', Namespace: 'web' };
    const [report] = (await runCommand(['respond', '--event', '-', '--mode', 'enforce', '--json'], sandbox.env, JSON.stringify(event))).reports;

    const result = await release('--cluster', CLUSTER, '--namespace', 'web', '--pod', 'frontend-7d4b9c8f6-m5t7z');

    const actions = Object.fromEntries(result.reports[0].actions.map((action) => [action.action, action]));
    expect(result.reports[0].incidentId).toBe(report.incidentId);
    expect(actions['release-pod']).toMatchObject({ status: 'done', detail: '2 original labels restored' });
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-7d4b9c8f6-m5t7z')?.metadata.labels).toEqual({ app: 'frontend', 'pod-template-hash': '7d4b9c8f6' });
    expect(actions['restore-network-policies']).toMatchObject({ status: 'skipped', detail: expect.stringMatching(new RegExp(`^${quarantinePolicyName(report.incidentId)} kept: it still isolates frontend-7d4b9c8f6-(q8n3v, frontend-7d4b9c8f6-x2k4p|x2k4p, frontend-7d4b9c8f6-q8n3v)$`)) });
    expect(sandbox.kube.getObject('networkpolicies', 'web', quarantinePolicyName(report.incidentId))).toBeDefined();
    expect(sandbox.kube.getObject('pods', 'web', 'frontend-7d4b9c8f6-x2k4p')?.metadata.labels).toEqual({ [QUARANTINE_LABEL]: report.incidentId });
  });

  it('leaves a pod detached when its controller already runs a replacement, and says so', async () => {
    await start();
    await run(['playbook', 'isolate-pod', '--cluster', CLUSTER, '--namespace', 'web', '--pod', 'frontend-7d4b9c8f6-m5t7z', '--mode', 'enforce']);

    const result = await release('--cluster', CLUSTER, '--namespace', 'web', '--pod', 'frontend-7d4b9c8f6-m5t7z');

    const releasePod = result.reports[0].actions.find((action) => action.action === 'release-pod');
    expect(releasePod).toMatchObject({ status: 'done', detail: 'quarantine label removed; left detached, original labels kept in the annotation' });
    const pod = sandbox.kube.getObject('pods', 'web', 'frontend-7d4b9c8f6-m5t7z');
    expect(pod?.metadata.labels ?? {}).toEqual({});
    expect(JSON.parse(pod?.metadata.annotations[ORIGINAL_LABELS_ANNOTATION])).toEqual({ app: 'frontend', 'pod-template-hash': '7d4b9c8f6' });
    expect(sandbox.kube.listObjects('networkpolicies', 'web').map((policy) => policy.metadata.name)).toEqual(['allow-frontend-http']);
  });

  it.each([
    [['--incident', 'inc-0123456789abcdef', '--event', argocdFile], 'eks-responder: give one of --event, --incident, or --cluster/--namespace/--pod, not several\n'],
    [['--incident', 'nope', '--cluster', CLUSTER], 'eks-responder: "nope" is not an incident id (inc- and 16 hex digits)\n'],
    [['--incident', 'inc-0123456789abcdef'], 'eks-responder: incident inc-0123456789abcdef: cluster unknown (not in the incident table); give --cluster\n'],
    [['--cluster', CLUSTER, '--namespace', 'web', '--pod', 'frontend-debug'], 'eks-responder: pod web/frontend-debug is not quarantined\n'],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    await start();

    const result = await release(...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(message);
    expect(sandbox.kube.mutations()).toEqual([]);
  });

  it('refuses --incident and --restore-role-sessions for other playbooks', async () => {
    await start();

    const result = await run(['playbook', 'quarantine', '--incident', 'inc-0123456789abcdef']);

    expect(result.stderr).toBe('eks-responder: --incident and --restore-role-sessions are for the release playbook\n');
  });
});
