import { describeError } from '../../errors';
import { renderSlack } from '../../report/render-slack';
import { renderSnsMessage } from '../../report/render-sns';
import type { Action, ActionContext } from '../action';

type Channel = { kind: 'sns'; topicArn: string } | { kind: 'slack' };

function requireReport(context: ActionContext) {
  if (!context.report) throw new Error('notify runs after the report is built');
  return context.report;
}

/** Tells the team: SNS (e-mail, chat, ticketing subscribers) and Slack. Runs even when containment failed. */
export const notify: Action<Channel, Channel> = {
  name: 'notify',
  description: 'Publish the incident report to SNS and Slack',
  kind: 'notification',
  correlation: 'none',
  permissions: { kubernetes: [], iam: ['sns:Publish', 'secretsmanager:GetSecretValue'] },
  noTargetReason: 'no notification channel configured (NOTIFY_TOPIC_ARN, Slack webhook)',
  targetsOf(context) {
    const channels: Channel[] = [];
    if (context.config.notifyTopicArn) channels.push({ kind: 'sns', topicArn: context.config.notifyTopicArn });
    if (context.adapters.slack) channels.push({ kind: 'slack' });
    return channels;
  },
  describe: (channel) => (channel.kind === 'sns' ? `sns ${channel.topicArn}` : 'slack webhook'),

  async plan(_context, channel) {
    return { summary: channel.kind === 'sns' ? `publish the report to ${channel.topicArn}` : 'post the report to Slack', change: channel };
  },

  async apply(context, _target, channel) {
    const report = requireReport(context);
    if (channel.kind === 'sns') {
      const messageId = await context.adapters.sns.publish(channel.topicArn, renderSnsMessage(report, context.config.consoleBaseUrl));
      return { status: 'done', detail: `published (message ${messageId})` };
    }
    if (!context.adapters.slack) return { status: 'skipped', detail: 'no Slack webhook configured' };
    try {
      await context.adapters.slack.post(renderSlack(report, context.config.consoleBaseUrl));
    } catch (error) {
      // Never let the webhook URL reach a log or report through an error message.
      throw new Error(describeError(error).replace(/https?:\/\/\S+/g, '<webhook>'));
    }
    return { status: 'done', detail: 'posted' };
  },
};
