import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SdkEks, SdkIam, SdkSns, eksClients } from './adapters/aws';
import { EksClusterConnector, KubeconfigConnector } from './adapters/cluster-connector';
import { SdkEc2 } from './adapters/ec2';
import { DirectoryEvidenceStore, S3EvidenceStore } from './adapters/evidence-store';
import type { Adapters } from './adapters/ports';
import { SlackWebhook, webhookUrlFromSecret } from './adapters/slack';
import type { ResponderConfig } from './config';

/**
 * The real adapters, created once per process (a Lambda cold start or a CLI run) and reused:
 * SDK clients, cached cluster connections and tokens live as long as the process.
 */
export function createAdapters(config: ResponderConfig, options: { kubeconfigPath?: string; evidenceDir?: string } = {}): Adapters {
  const eks = eksClients();
  const kubeconfigPath = options.kubeconfigPath ?? config.kubeconfigPath;
  const connector = kubeconfigPath ? new KubeconfigConnector(kubeconfigPath) : new EksClusterConnector((region) => eks.get(region), defaultProvider());
  const webhookUrl = config.slackWebhookUrl;
  const slack = webhookUrl
    ? new SlackWebhook(async () => webhookUrl)
    : config.slackWebhookSecretId
      ? new SlackWebhook(webhookUrlFromSecret(config.slackWebhookSecretId))
      : undefined;
  // An evidence directory given on the command line wins over the configured bucket.
  const evidence = options.evidenceDir
    ? new DirectoryEvidenceStore(options.evidenceDir)
    : config.evidenceBucket
      ? new S3EvidenceStore(config.evidenceBucket, config.evidenceKmsKeyId)
      : undefined;
  return { connector, eks: new SdkEks(eks), iam: new SdkIam(), sns: new SdkSns(), ec2: new SdkEc2(), evidence, slack };
}
