import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { STSClient } from '@aws-sdk/client-sts';
import { SDK_CLIENT_DEFAULTS, SdkIam, SdkSns } from './adapters/aws';
import { SdkEks, eksClients } from './adapters/eks';
import { StsIdentity } from './adapters/identity';
import { SdkSecurityHub } from './adapters/securityhub';
import { EksClusterConnector, KubeconfigConnector } from './adapters/cluster-connector';
import type { Adapters } from './adapters/ports';
import { SlackWebhook, webhookUrlFromSecret } from './adapters/slack';
import type { ResponderConfig } from './config';

/**
 * The real adapters, created once per process (a Lambda cold start or a CLI run) and reused:
 * SDK clients, cached cluster connections and tokens live as long as the process.
 */
export function createAdapters(config: ResponderConfig, options: { kubeconfigPath?: string } = {}): Adapters {
  const eks = eksClients();
  const kubeconfigPath = options.kubeconfigPath ?? config.kubeconfigPath;
  const connector = kubeconfigPath ? new KubeconfigConnector(kubeconfigPath) : new EksClusterConnector((region) => eks.get(region), defaultProvider());
  const webhookUrl = config.slackWebhookUrl;
  const slack = webhookUrl
    ? new SlackWebhook(async () => webhookUrl)
    : config.slackWebhookSecretId
      ? new SlackWebhook(webhookUrlFromSecret(config.slackWebhookSecretId))
      : undefined;
  const identity = new StsIdentity(new STSClient({ region: config.region ?? 'us-east-1', ...SDK_CLIENT_DEFAULTS }));
  return { connector, eks: new SdkEks(eks), iam: new SdkIam(), sns: new SdkSns(), securityHub: new SdkSecurityHub(), identity, slack };
}
