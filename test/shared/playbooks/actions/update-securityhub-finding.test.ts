import { loadConfig } from '../../../../shared/config';
import type { ActionRecord, IncidentReport } from '../../../../shared/model';
import { securityHubNote, workflowStatusFor } from '../../../../shared/playbooks/actions/update-securityhub-finding';
import { incidentReport } from '../../../helpers/reports';

const record = (action: string, status: ActionRecord['status']): ActionRecord => ({ action, target: 't', status, detail: 'd' });

const report = (change: Partial<IncidentReport>): IncidentReport =>
  incidentReport({ actions: [record('isolate-pod', 'done'), record('isolate-pod', 'done'), record('cordon-node', 'done'), record('revoke-role-sessions', 'skipped')], ...change });

const resolving = loadConfig({ SECURITYHUB_STATUS_WHEN_CONTAINED: 'RESOLVED' }, 'cli');
const notifying = loadConfig({}, 'cli');

describe('update-securityhub-finding', () => {
  it('notes the incident and what each action did, counting repeated outcomes', () => {
    expect(securityHubNote(report({ actions: [...report({}).actions, record('cordon-node', 'failed')] }))).toBe(
      'eks-responder incident inc-0123456789abcdef (enforce mode, decision respond): isolate-pod 2 done, cordon-node 1 done 1 failed, revoke-role-sessions skipped',
    );
  });

  it('says that a change in progress is noted again only if it fails', () => {
    expect(securityHubNote(report({ actions: [record('isolate-pod', 'done'), record('protect-instance', 'in-progress')] }))).toBe(
      'eks-responder incident inc-0123456789abcdef (enforce mode, decision respond): isolate-pod done, protect-instance in-progress; in-progress changes are noted again only if they fail',
    );
  });

  it('falls back to the reason when nothing ran, and keeps within Security Hub\'s 512 characters', () => {
    expect(securityHubNote(report({ actions: [], decision: 'notify', reason: 'nothing to contain' }))).toBe('eks-responder incident inc-0123456789abcdef (enforce mode, decision notify): nothing to contain');
    const long = securityHubNote(report({ actions: Array.from({ length: 60 }, (_, index) => record(`action-${index}`, 'done')) }));
    expect(long).toHaveLength(512);
    expect(long.endsWith('…')).toBe(true);
  });

  it.each([
    ['a completed response, when configured', {}, resolving, 'RESOLVED'],
    ['a completed response, by default', {}, notifying, 'NOTIFIED'],
    ['a response with a failure', { actions: [record('isolate-pod', 'done'), record('cordon-node', 'failed')] }, resolving, 'NOTIFIED'],
    // The follow-up sets NOTIFIED if the change in progress then fails.
    ['a contained response with a preservation change in progress, when configured', { actions: [record('isolate-pod', 'done'), record('protect-instance', 'in-progress')] }, resolving, 'RESOLVED'],
    ['a notify-mode run', { mode: 'notify' as const, actions: [record('isolate-pod', 'planned')] }, resolving, 'NOTIFIED'],
    ['a notify decision', { decision: 'notify' as const }, resolving, 'NOTIFIED'],
    ['a response where everything was skipped', { actions: [record('isolate-pod', 'skipped')] }, resolving, 'NOTIFIED'],
  ])('sets %s to %s', (_name, change, config, status) => {
    expect(workflowStatusFor(report(change), config)).toBe(status);
  });
});
