import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { SdkEks, eksClients } from './adapters/eks';
import { EksClusterConnector, KubeconfigConnector, prepareOnConnect } from './adapters/cluster-connector';
import { defaultCredentials } from './adapters/eks-token';
import type { Adapters, ClusterConnector } from './adapters/ports';
import { Limiter } from './adapters/limiter';
import { shareEc2Reads, shareEksReads, shareIamReads } from './adapters/shared-aws-reads';
import { DirectoryEvidenceStore, S3EvidenceStore } from './adapters/evidence-store';
import { openSdkConnectionsAhead } from './adapters/connection-pool';
import { afterPendingIo } from './adapters/event-loop';
import { lazyPort, onDemand, preparePort } from './adapters/lazy-port';
import { Preloader } from './adapters/preload';
import { SlackWebhook, webhookUrlFromSecret } from './adapters/slack';
import type { ResponderConfig } from './config';
import { UNKNOWN_ACCOUNT } from './policy/account-scope';
import { tableAdapters } from './adapters/tables';

/*
 * Module init loads only what the first step needs: the configuration, the pipeline and the EKS
 * client for the cluster lookup. Every other SDK client, and the Kubernetes client
 * (cluster-connector.ts), is a separate module, loaded on first use; those a playbook is going
 * to call load while its targets are resolved (Preloader).
 */
const modules = {
  iam: onDemand(() => import('./adapters/iam')),
  sns: onDemand(() => import('./adapters/sns')),
  ec2: onDemand(() => import('./adapters/ec2')),
  securityHub: onDemand(() => import('./adapters/securityhub')),
  identity: onDemand(() => import('./adapters/identity')),
};

/**
 * EKS (one client per region), cluster access, IAM and EC2 (the nodes' instances live in the
 * member account too), acting with the given credentials.
 */
function accountAdapters(credentials: AwsCredentialIdentityProvider, kubeconfig?: ClusterConnector): Pick<Adapters, 'connector' | 'eks' | 'iam' | 'ec2'> {
  const eks = eksClients(credentials);
  return {
    connector: kubeconfig ?? new EksClusterConnector((region) => eks.get(region), credentials),
    eks: new SdkEks(eks),
    iam: lazyPort(async () => (await modules.iam()).sdkIam(credentials)),
    ec2: shareEc2Reads(lazyPort(async () => (await modules.ec2()).sdkEc2(credentials))),
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
  const tables = tableAdapters(config);
  const ports = {
    iam: lazyPort(async () => (await modules.iam()).sdkIam()),
    ec2: lazyPort(async () => (await modules.ec2()).sdkEc2()),
    sns: lazyPort(async () => new (await modules.sns()).SdkSns()),
    securityHub: lazyPort(async () => new (await modules.securityHub()).SdkSecurityHub()),
  };
  const preloader = new Preloader({
    iam: () => preparePort(ports.iam),
    ec2: () => preparePort(ports.ec2),
    sns: () => preparePort(ports.sns),
    securityhub: () => preparePort(ports.securityHub),
    dynamodb: tables.load,
  });
  // Every incident that reaches a cluster is claimed or recorded in the tables, when there are any.
  preloader.want(['dynamodb']);
  // The services the latest incident is going to call (prepare); concurrent incidents share a process, and mostly a playbook.
  let calledNext: string[] = [];
  const connector = prepareOnConnect(clusters, () => {
    slack?.prepare();
    preloader.start();
    // Once the incident's first reads have gone out: its later AWS calls find their connections open.
    void afterPendingIo().then(() => openSdkConnectionsAhead(calledNext, config.maxConcurrentCalls));
  });
  // An evidence directory given on the command line wins over the configured bucket.
  const evidence = options.evidenceDir
    ? new DirectoryEvidenceStore(options.evidenceDir)
    : config.evidenceBucket
      ? new S3EvidenceStore(config.evidenceBucket, config.evidenceKmsKeyId)
      : undefined;
  const sts = onDemand(async () => (await modules.identity()).stsClient(config.region ?? 'us-east-1'));
  const own: Adapters = {
    connector,
    // Reads shared by concurrent invocations for a moment; calls in flight bounded per API.
    eks: shareEksReads(new SdkEks(eks), { limiter: new Limiter(config.maxConcurrentCalls) }),
    iam: shareIamReads(ports.iam, { limiter: new Limiter(config.maxConcurrentCalls) }),
    sns: ports.sns,
    securityHub: ports.securityHub,
    identity: lazyPort(async () => new (await modules.identity()).StsIdentity(await sts())),
    ec2: shareEc2Reads(ports.ec2),
    evidence,
    slack,
    ...tables.adapters,
    prepare(services) {
      preloader.want(services);
      calledNext = services;
    },
  };
  if (!config.memberRole) return own;
  const memberRole = config.memberRole;
  // A kubeconfig names one cluster the operator already reaches: only the AWS calls change account.
  const members = onDemand(async () => {
    const { MemberAccounts } = await import('./adapters/member-accounts');
    return new MemberAccounts(await sts(), memberRole, (credentials) => accountAdapters(credentials, kubeconfig));
  });
  return { ...own, forAccount: async (account) => (account === UNKNOWN_ACCOUNT ? own : (await members()).adaptersFor(account, own)) };
}
