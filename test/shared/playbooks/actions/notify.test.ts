import { runCommand } from '../../../helpers/cli';
import { ARGOCD_FINDING, EVENTS_DIR } from '../../../helpers/events';
import { startSandbox, type Sandbox } from '../../../support/sandbox';
import { join } from 'node:path';

describe('notify', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.stop());

  const quarantine = () => runCommand(['playbook', 'quarantine', '--event', join(EVENTS_DIR, ARGOCD_FINDING), '--mode', 'enforce', '--json'], sandbox.env);

  it('records a Slack failure without the webhook URL, without hiding the other results', async () => {
    sandbox.aws.setSlackFailure(500);

    const result = await quarantine();

    expect(result.code).toBe(1);
    const slack = result.reports[0].actions.find((action) => action.target === 'slack webhook');
    expect(slack).toMatchObject({ status: 'failed', detail: 'Slack webhook answered HTTP 500' });
    expect(result.stdout).not.toContain(sandbox.aws.slackWebhookUrl);
    expect(result.reports[0].actions.filter((action) => action.action !== 'notify' && action.status !== 'done').every((action) => action.status === 'skipped')).toBe(true);
    expect(result.reports[0].actions.filter((action) => ['isolate-pod', 'cordon-node', 'revoke-role-sessions'].includes(action.action)).map((action) => action.status)).toEqual(['done', 'done', 'done']);
    expect(sandbox.aws.callsTo('sns', 'Publish')).toHaveLength(1);
  });

  it('says so when no channel is configured', async () => {
    const result = await runCommand(['respond', '--event', join(EVENTS_DIR, ARGOCD_FINDING), '--mode', 'notify', '--json'], {});

    expect(result.reports[0].actions.find((action) => action.action === 'notify')).toMatchObject({
      status: 'skipped',
      detail: 'no notification channel configured (NOTIFY_TOPIC_ARN, Slack webhook)',
    });
  });

  it('sends the subject, readable text, JSON report and filterable attributes to SNS', async () => {
    await quarantine();

    const [publish] = sandbox.aws.callsTo('sns', 'Publish');
    const message = String(publish.params.Message);
    expect(String(publish.params.Subject)).toBe('[respond] Medium PrivilegeEscalation:Kubernetes/PrivilegedContainer on guardduty-blueprint');
    expect(message).toContain('[DONE] isolate-pod pod argocd/privileged-pod');
    expect(message).toContain('GuardDuty finding: https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=f2c3859c6ca25b3057d13470a992bbd7');
    expect(JSON.parse(message.split('--- JSON report ---\n')[1])).toMatchObject({ findingId: 'f2c3859c6ca25b3057d13470a992bbd7', mode: 'enforce' });
    expect(Object.keys(publish.params.MessageAttributes as object).sort()).toEqual(['cluster', 'decision', 'findingType', 'followUp', 'mode', 'severity', 'severityLabel', 'source', 'urgent']);
    expect(publish.params.MessageAttributes).toMatchObject({ urgent: { DataType: 'String', StringValue: 'false' }, followUp: { DataType: 'String', StringValue: 'false' } });
  });
});
