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

  it('reads the account allow list and the member role, and refuses bad values', () => {
    expect(loadConfig({ ALLOWED_ACCOUNTS: '111122223333, 444455556666', MEMBER_ROLE_NAME: 'eks-responder-member', MEMBER_ROLE_EXTERNAL_ID: 'ext-7f3c' }, 'lambda')).toMatchObject({
      allowedAccounts: ['111122223333', '444455556666'],
      memberRole: { name: 'eks-responder-member', externalId: 'ext-7f3c' },
    });
    expect(loadConfig({}, 'lambda')).toMatchObject({ allowedAccounts: undefined, memberRole: undefined });
    expect(() => loadConfig({ ALLOWED_ACCOUNTS: '111122223333,12' }, 'lambda')).toThrow('invalid ALLOWED_ACCOUNTS="111122223333,12": expected comma-separated 12-digit account IDs');
    expect(() => loadConfig({ MEMBER_ROLE_NAME: 'eks-responder-member' }, 'lambda')).toThrow(/MEMBER_ROLE_NAME needs MEMBER_ROLE_EXTERNAL_ID/);
    expect(() => loadConfig({ MEMBER_ROLE_NAME: 'a role', MEMBER_ROLE_EXTERNAL_ID: 'ext-7f3c' }, 'lambda')).toThrow(/MEMBER_ROLE_NAME.*an IAM role name/);
  });

  it('bounds the calls in flight to 10 unless MAX_CONCURRENT_CALLS says otherwise', () => {
    expect(loadConfig({}, 'lambda').maxConcurrentCalls).toBe(10);
    expect(loadConfig({ MAX_CONCURRENT_CALLS: '4' }, 'lambda').maxConcurrentCalls).toBe(4);
    expect(() => loadConfig({ MAX_CONCURRENT_CALLS: '0' }, 'lambda')).toThrow('invalid MAX_CONCURRENT_CALLS="0": expected a whole number from 1 to 1000');
    expect(() => loadConfig({ MAX_CONCURRENT_CALLS: 'many' }, 'lambda')).toThrow(/^invalid MAX_CONCURRENT_CALLS="many"/);
  });

  it('refuses a plain Slack webhook URL in Lambda', () => {
    expect(() => loadConfig({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' }, 'lambda')).toThrow(/SLACK_WEBHOOK_SECRET_ID/);
    expect(loadConfig({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' }, 'cli').slackWebhookUrl).toBe('https://hooks.slack.com/services/T/B/X');
  });
});
