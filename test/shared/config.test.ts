import { loadConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

describe('config', () => {
  it('defaults to notify in Lambda and plan in the CLI', () => {
    expect(loadConfig({}, 'lambda').mode).toBe('notify');
    expect(loadConfig({}, 'cli').mode).toBe('plan');
  });

  it('reads every documented key', () => {
    const config = loadConfig(
      {
        RESPONSE_MODE: 'enforce',
        NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:incidents',
        PROTECTED_NAMESPACES: 'kube-system, karpenter ,',
        SLACK_WEBHOOK_SECRET_ID: 'eks-responder/slack',
      },
      'lambda',
    );

    expect(config).toMatchObject({
      mode: 'enforce',
      notifyTopicArn: 'arn:aws:sns:us-east-1:111122223333:incidents',
      protectedNamespaces: ['kube-system', 'karpenter'],
      slackWebhookSecretId: 'eks-responder/slack',
    });
  });

  it('names the key and the expected value when a value is bad', () => {
    expect(() => loadConfig({ RESPONSE_MODE: 'yolo' }, 'lambda')).toThrow(ConfigError);
    expect(() => loadConfig({ RESPONSE_MODE: 'yolo' }, 'lambda')).toThrow(/^invalid RESPONSE_MODE="yolo": expected/);
    expect(() => loadConfig({ NOTIFY_TOPIC_ARN: 'incidents' }, 'cli')).toThrow(/NOTIFY_TOPIC_ARN.*an sns ARN/);
  });

  it('refuses a plain Slack webhook URL in Lambda', () => {
    expect(() => loadConfig({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' }, 'lambda')).toThrow(/SLACK_WEBHOOK_SECRET_ID/);
    expect(loadConfig({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' }, 'cli').slackWebhookUrl).toBe('https://hooks.slack.com/services/T/B/X');
  });
});
