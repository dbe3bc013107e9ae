import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SdkEks, SdkIam, SdkSns, eksClients } from './adapters/aws';
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
  return { connector, eks: new SdkEks(eks), iam: new SdkIam(), sns: new SdkSns(), slack, ...tableAdapters(config) };
}

/**
 * The DynamoDB-backed adapters, loaded only when their tables are configured: a deployment
 * without them does not pay for the DynamoDB client and Powertools idempotency at cold start.
 */
type TableAdapters = Pick<Adapters, 'claims' | 'dedup' | 'breaker' | 'incidentLog'>;

function tableAdapters(config: ResponderConfig): TableAdapters {
  const adapters: TableAdapters = {};
  if (config.incidentTable) {
    const { documentClient } = require('./adapters/dynamodb') as typeof import('./adapters/dynamodb');
    const { DynamoTargetClaims } = require('./adapters/dynamodb-claims') as typeof import('./adapters/dynamodb-claims');
    const { DynamoBreakerCounters } = require('./adapters/dynamodb-breaker') as typeof import('./adapters/dynamodb-breaker');
    const { DynamoIncidentLog } = require('./adapters/dynamodb-incidents') as typeof import('./adapters/dynamodb-incidents');
    const client = documentClient();
    adapters.claims = new DynamoTargetClaims(client, config.incidentTable);
    adapters.breaker = new DynamoBreakerCounters(client, config.incidentTable);
    adapters.incidentLog = new DynamoIncidentLog(client, config.incidentTable);
  }
  if (config.idempotencyTable) {
    const { PowertoolsDeliveryDedup } = require('./adapters/delivery-dedup') as typeof import('./adapters/delivery-dedup');
    adapters.dedup = new PowertoolsDeliveryDedup(config.idempotencyTable);
  }
  return adapters;
}
