// A whole sandbox: the local Kubernetes test API server seeded with the scenario cluster, a
// local AWS endpoint that knows its roles, and the environment that points the real SDK
// clients and the real Kubernetes client at them. Used by the demo, integration tests and the benchmark.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamo, type LocalDynamo } from './dynamo';
import { FakeAws } from './fake-aws';
import { KubeApiServer } from './kube-api-server';
import { ACCOUNT, CLUSTER, NODES, POD_IDENTITY_ASSOCIATIONS, REGION, ROLES, seedClusterScenario } from './cluster-scenario';
import { TEST_TLS } from './tls-files';

export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:eks-responder-incidents`;
export const EVIDENCE_BUCKET = 'eks-responder-evidence-123456789012';

export interface Sandbox {
  kube: KubeApiServer;
  aws: FakeAws;
  kubeconfigPath: string;
  /** The local DynamoDB, when started with `withTables`. */
  dynamo?: LocalDynamo;
  /**
   * Responder environment: NOTIFY_TOPIC_ARN, SLACK_WEBHOOK_URL, EVIDENCE_BUCKET. Without KUBECONFIG the responder
   * takes the EKS path: DescribeCluster (answered locally with the test API server's endpoint
   * and CA) and a presigned token.
   */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  latencyMs?: number;
  /** Leave out the Slack webhook. */
  withoutSlack?: boolean;
  /** Leave out EVIDENCE_BUCKET (the bucket itself still exists). */
  withoutEvidenceBucket?: boolean;
  /** Start a local DynamoDB with the incident and idempotency tables, named in `env`. */
  withTables?: boolean;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const [kube, aws, dynamo] = await Promise.all([
    KubeApiServer.start({ latencyMs: options.latencyMs, tls: TEST_TLS }),
    FakeAws.start({ latencyMs: options.latencyMs, accountId: ACCOUNT, region: REGION }),
    options.withTables ? startDynamo({ latencyMs: options.latencyMs }) : Promise.resolve(undefined),
  ]);
  seedClusterScenario(kube);
  aws.addCluster({ name: CLUSTER, endpoint: kube.url, caData: Buffer.from(TEST_TLS.cert).toString('base64') });
  for (const arn of Object.values(ROLES)) aws.addRole({ name: arn.split('/').pop() as string });
  for (const association of POD_IDENTITY_ASSOCIATIONS) aws.addPodIdentityAssociation(association);
  aws.addNodegroup(CLUSTER, 'general', ROLES.nodes);
  aws.addBucket(EVIDENCE_BUCKET);
  // The worker nodes' EC2 instances, as a managed node group launches them: shutdown terminates, no protection.
  for (const node of Object.values(NODES)) {
    aws.addInstance({
      instanceId: node.instanceId,
      shutdownBehavior: 'terminate',
      tags: { 'eks:cluster-name': CLUSTER, 'eks:nodegroup-name': 'general' },
      volumes: [{ deviceName: '/dev/xvda', volumeId: `vol-${node.instanceId.slice(2)}` }],
    });
  }

  const directory = mkdtempSync(join(tmpdir(), 'eks-responder-sandbox-'));
  const kubeconfigPath = join(directory, 'kubeconfig.json');
  kube.writeKubeconfig(kubeconfigPath);
  const restoreEnv = aws.applyEndpointEnv();
  const savedDynamoEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (dynamo) process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  return {
    kube,
    aws,
    kubeconfigPath,
    dynamo,
    env: {
      NOTIFY_TOPIC_ARN: TOPIC_ARN,
      ...(options.withoutSlack ? {} : { SLACK_WEBHOOK_URL: aws.slackWebhookUrl }),
      ...(options.withoutEvidenceBucket ? {} : { EVIDENCE_BUCKET }),
      ...(dynamo?.env ?? {}),
    },
    async stop() {
      restoreEnv();
      if (savedDynamoEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = savedDynamoEndpoint;
      rmSync(directory, { recursive: true, force: true });
      await Promise.all([kube.stop(), aws.stop(), dynamo?.stop()]);
    },
  };
}
