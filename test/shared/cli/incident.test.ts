import { join } from 'node:path';
import type { IncidentRecord } from '../../../shared/adapters/ports';
import { EVIDENCE_ANNOTATION } from '../../../shared/markers';
import { NODES, ROLES } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';
import { runCommand } from '../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR } from '../../helpers/events';
import { argocdFinding } from '../../helpers/findings';

const argocdFile = join(EVENTS_DIR, ARGOCD_FINDING);

describe('eks-responder incident (audit trail)', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ withTables: true });
  });
  afterEach(() => sandbox.stop());

  const run = (args: string[], stdin?: string, env: Record<string, string> = {}) => runCommand(args, { ...sandbox.env, ...env }, stdin);
  const show = async (id: string): Promise<IncidentRecord> => JSON.parse((await run(['incident', 'show', id, '--json'])).stdout);

  it('records the incident, the delivery and every action with its before-state', async () => {
    const [report] = (await run(['playbook', 'quarantine', '--event', argocdFile, '--mode', 'enforce', '--json'])).reports;

    const record = await show(report.incidentId);

    expect(record).toMatchObject({
      incidentId: report.incidentId,
      incidentKey: 'guardduty:f2c3859c6ca25b3057d13470a992bbd7',
      cluster: 'guardduty-blueprint',
      sources: ['guardduty'],
      findingIds: ['f2c3859c6ca25b3057d13470a992bbd7'],
      deliveries: 1,
      decision: 'respond',
      mode: 'enforce',
      severity: 5,
      maxSeverity: 5,
    });
    expect(record.firstSeen).toBe(record.lastSeen);
    expect(record.timeline.map((entry) => [entry.kind, entry.action ?? entry.decision, entry.status])).toEqual([
      ['delivery', 'respond', undefined],
      ['action', 'collect-evidence', 'done'],
      ['action', 'isolate-pod', 'done'],
      ['action', 'cordon-node', 'done'],
      ['action', 'revoke-role-sessions', 'done'],
      // The sandbox serves neither Cilium, Calico nor a mesh.
      ['action', 'cilium-deny', 'skipped'],
      ['action', 'calico-deny', 'skipped'],
      ['action', 'mesh-deny', 'skipped'],
      ['action', 'protect-instance', 'done'],
      ['action', 'protect-from-disruption', 'skipped'],
      ['action', 'protect-from-disruption', 'done'],
      ['action', 'notify', 'done'],
      ['action', 'notify', 'done'],
      ['action', 'update-securityhub-finding', 'done'],
    ]);
    const before = Object.fromEntries(record.timeline.filter((entry) => entry.before).map((entry) => [entry.action, entry.before]));
    expect(before).toEqual({
      // Evidence is collected before anything changes: its marker is part of the pod's before-state.
      'isolate-pod': {
        labels: { app: 'privileged-pod', team: 'danger' },
        annotations: { [EVIDENCE_ANNOTATION]: expect.stringMatching(new RegExp(`^\\{"incident":"${report.incidentId}","manifest":"s3://[^"]+/manifest\\.json"\\}$`)) },
        admittingPolicies: ['allow-team-danger-egress'],
        narrowedPolicies: ['allow-same-namespace'],
      },
      'cordon-node': { unschedulable: false },
      'revoke-role-sessions': { revokedBefore: null },
      'protect-instance': { disableApiTermination: false, shutdownBehavior: 'terminate' },
      'protect-from-disruption': { alreadySet: [] },
    });
    expect(record.timeline.find((entry) => entry.action === 'revoke-role-sessions')?.target).toBe(`role ${ROLES.privilegedApp}`);
  });

  it('adds later deliveries to the same incident, with what they did', async () => {
    const args = ['respond', '--event', '-', '--mode', 'enforce', '--json'];
    const [first] = (await run(args, argocdFinding({ severity: 8 }))).reports;
    await run(args, argocdFinding({ severity: 9 }));

    const record = await show(first.incidentId);

    expect(record).toMatchObject({ deliveries: 2, severity: 9, maxSeverity: 9 });
    expect(record.lastSeen >= record.firstSeen).toBe(true);
    const deliveries = record.timeline.filter((entry) => entry.kind === 'delivery');
    expect(deliveries).toHaveLength(2);
    const second = record.timeline.filter((entry) => entry.kind === 'action' && entry.at === deliveries[1].at && entry.action === 'isolate-pod');
    expect(second).toEqual([expect.objectContaining({ status: 'skipped', detail: `already isolated (incident ${first.incidentId})` })]);
  });

  it('shows an incident as readable text', async () => {
    const [report] = (await run(['playbook', 'cordon-node', '--event', argocdFile, '--mode', 'enforce', '--json'])).reports;

    const result = await run(['incident', 'show', report.incidentId]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Incident ${report.incidentId} (guardduty:f2c3859c6ca25b3057d13470a992bbd7)`);
    expect(result.stdout).toContain('1 deliveries from guardduty');
    expect(result.stdout).toMatch(new RegExp(`\\[DONE\\] cordon-node node ${NODES.a.name}: node ${NODES.a.name} cordoned\\n\\s+before: \\{"unschedulable":false\\}`));
  });

  it('lists incidents, filtered by cluster and time', async () => {
    await run(['respond', '--event', argocdFile, '--json']);
    await run(['playbook', 'isolate-pod', '--cluster', 'guardduty-blueprint', '--namespace', 'web', '--pod', 'frontend-debug', '--json']);

    const all = (await run(['incident', 'list', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line));
    const elsewhere = await run(['incident', 'list', '--cluster', 'another-cluster']);
    const recent = await run(['incident', 'list', '--since', '1h']);

    expect(all.map((incident) => incident.incidentKey).sort()).toEqual(['guardduty:f2c3859c6ca25b3057d13470a992bbd7', 'manual:guardduty-blueprint/web/frontend-debug']);
    expect(elsewhere.stdout.trim()).toBe('No incidents.');
    expect(recent.stdout.split('\n')[0]).toMatch(/^LAST SEEN\s+INCIDENT\s+CLUSTER\s+SEV\s+DECISION\s+MODE\s+TYPE$/);
    expect(recent.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('keeps EKS findings the policy ignores on record, and nothing about findings without a cluster', async () => {
    const [ignored] = (await run(['respond', '--event', '-', '--json'], argocdFinding({ severity: 2 }))).reports;
    await run(['respond', '--event', join(EVENTS_DIR, 'guardduty/neg-ec2-tor-relay.json'), '--json']);

    const all = (await run(['incident', 'list', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(all).toEqual([expect.objectContaining({ incidentId: ignored.incidentId, decision: 'ignore', reason: 'no rule matched (default): logged only' })]);
  });

  it('says which incident it cannot find, and what it needs without a table', async () => {
    expect((await run(['incident', 'show', 'inc-0000000000000000'])).stderr).toBe('eks-responder: incident inc-0000000000000000 not found\n');
    const noTable = await run(['incident', 'list'], undefined, { INCIDENT_TABLE: '' });
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toBe('eks-responder: the incident commands read the incident table: pass --table or set INCIDENT_TABLE\n');
  });

  it('reports an incident it could not record as a failure, so the delivery is retried', async () => {
    const result = await run(['respond', '--event', argocdFile, '--json'], undefined, { INCIDENT_TABLE: 'no-such-table' });

    expect(result.code).toBe(1);
    expect(result.reports[0].actions.at(-1)).toMatchObject({ action: 'record', target: 'incident table', status: 'failed', detail: expect.stringMatching(/^cannot write incident inc-\w+ to table no-such-table: /) });
  });
});
