import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { RegionalClients, SDK_CLIENT_DEFAULTS, SdkIam, SdkSns } from './adapters/aws';
import { SdkEks, eksClients } from './adapters/eks';
import { StsIdentity } from './adapters/identity';
import { EksClusterConnector, KubeconfigConnector, prepareOnConnect } from './adapters/cluster-connector';
import { defaultCredentials } from './adapters/eks-token';
import { MemberAccounts } from './adapters/member-accounts';
import type { Adapters, ClusterConnector } from './adapters/ports';
import { Limiter } from './adapters/limiter';
import { shareEc2Reads, shareEksReads, shareIamReads } from './adapters/shared-aws-reads';
import { DirectoryEvidenceStore, S3EvidenceStore } from './adapters/evidence-store';
import { SdkEc2 } from './adapters/ec2';
import { lazyPort } from './adapters/lazy-port';
import { SlackWebhook, webhookUrlFromSecret } from './adapters/slack';
import type { ResponderConfig } from './config';
import { UNKNOWN_ACCOUNT } from './policy/account-scope';

/** EKS (one client per region), cluster access and IAM, acting with the given credentials. */
function accountAdapters(credentials: AwsCredentialIdentityProvider, kubeconfig?: ClusterConnector): Pick<Adapters, 'connector' | 'eks' | 'iam'> {
  const eks = new RegionalClients((region) => new EKSClient({ region, credentials, ...SDK_CLIENT_DEFAULTS }));
  return {
    connector: kubeconfig ?? new EksClusterConnector((region) => eks.get(region), credentials),
    eks: new SdkEks(eks),
    // IAM is a global service: one client, in the partition's home region.
    iam: new SdkIam(new IAMClient({ region: 'us-east-1', credentials, ...SDK_CLIENT_DEFAULTS })),
  };
}

/**
 * The real adapters, created once per process (a Lambda cold start or a CLI run) and reused:
 * SDK clients, cached cluster connections, tokens and assumed-role credentials live as long as
 * the process. With a member role configured, `forAccount` gives adapters per member account.
 */
export function createAdapters(config: ResponderConfig, options: { kubeconfigPath?: string; evidenceDir?: string } = {}): Adapters {
  const eks = eksClients();
  const kubeconfigPath = options.kubeconfigPath ?? config.kubeconfigPath;
  const limits = { maxConcurrentCalls: config.maxConcurrentCalls };
  const kubeconfig = kubeconfigPath ? new KubeconfigConnector(kubeconfigPath, limits) : undefined;
  const clusters = kubeconfig ?? new EksClusterConnector((region) => eks.get(region), defaultCredentials(), limits);
  const webhookUrl = config.slackWebhookUrl;
  const slack = webhookUrl
    ? new SlackWebhook(async () => webhookUrl)
    : config.slackWebhookSecretId
      ? new SlackWebhook(webhookUrlFromSecret(config.slackWebhookSecretId))
      : undefined;
  const connector = slack ? prepareOnConnect(clusters, () => slack.prepare()) : clusters;
  // An evidence directory given on the command line wins over the configured bucket.
  const evidence = options.evidenceDir
    ? new DirectoryEvidenceStore(options.evidenceDir)
    : config.evidenceBucket
      ? new S3EvidenceStore(config.evidenceBucket, config.evidenceKmsKeyId)
      : undefined;
  const sts = new STSClient({ region: config.region ?? 'us-east-1', ...SDK_CLIENT_DEFAULTS });
  const own: Adapters = {
    connector,
    // Reads shared by concurrent invocations for a moment; calls in flight bounded per API.
    eks: shareEksReads(new SdkEks(eks), { limiter: new Limiter(config.maxConcurrentCalls) }),
    iam: shareIamReads(new SdkIam(), { limiter: new Limiter(config.maxConcurrentCalls) }),
    sns: new SdkSns(),
    securityHub: lazyPort(() => import('./adapters/securityhub').then(({ SdkSecurityHub }) => new SdkSecurityHub())),
    identity: new StsIdentity(sts),
    // Loaded with the function: protect-instance calls EC2 alongside isolate-pod, and loading the
    // client then would hold up the isolation requests still to be sent.
    ec2: shareEc2Reads(new SdkEc2()),
    evidence,
    slack,
    ...tableAdapters(config),
  };
  if (!config.memberRole) return own;
  // A kubeconfig names one cluster the operator already reaches: only the AWS calls change account.
  const members = new MemberAccounts(sts, config.memberRole, (credentials) => accountAdapters(credentials, kubeconfig));
  return { ...own, forAccount: (account) => (account === UNKNOWN_ACCOUNT ? Promise.resolve(own) : members.adaptersFor(account, own)) };
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
