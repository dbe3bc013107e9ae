/**
 * Drives FakeAws with the real AWS SDK v3 clients, so the fake's wire formats are checked against
 * the SDK's own serializers and deserializers.
 */
import {
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  DescribeUpdateCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAddonsCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import { GetDetectorCommand, GetFindingsCommand, GuardDutyClient, ListDetectorsCommand, ListFindingsCommand } from '@aws-sdk/client-guardduty';
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
// client-sts is not a direct dependency of the project (it comes with the serverless dev
// dependency); the responder reaches STS through the credential providers and presigned URLs.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { FAKE_CREDENTIALS, FakeAws } from './fake-aws';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };
const CLUSTER_ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const DENY_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Quarantine', Effect: 'Deny', Action: '*', Resource: '*' }] });

/** The SDK error fields tests look at. */
interface SdkError {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

let fake: FakeAws;
const clients: { destroy(): void }[] = [];

function client<T extends { destroy(): void }>(make: (config: { region: string; endpoint: string; credentials: typeof credentials; maxAttempts: number }) => T, maxAttempts = 3): T {
  const c = make({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  fake = await FakeAws.start();
});

afterEach(async () => {
  clients.splice(0).forEach((c) => c.destroy());
  await fake.stop();
});

describe('EKS', () => {
  let eks: EKSClient;
  beforeEach(() => {
    eks = client((c) => new EKSClient(c));
    fake.addCluster({
      name: 'prod',
      endpoint: 'https://127.0.0.1:6443',
      caData: 'Q0EtREFUQQ==',
      tags: { team: 'platform' },
      resourcesVpcConfig: { publicAccessCidrs: ['203.0.113.0/24'] },
      accessConfig: { authenticationMode: 'API' },
    });
  });

  it('describes a seeded cluster', async () => {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'prod' }));
    expect(cluster).toMatchObject({
      name: 'prod',
      arn: 'arn:aws:eks:us-east-1:111122223333:cluster/prod',
      endpoint: 'https://127.0.0.1:6443',
      certificateAuthority: { data: 'Q0EtREFUQQ==' },
      status: 'ACTIVE',
      roleArn: 'arn:aws:iam::111122223333:role/prod-cluster-role',
      version: '1.31',
      tags: { team: 'platform' },
      resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['203.0.113.0/24'] },
      accessConfig: { authenticationMode: 'API' },
    });
    expect(cluster?.createdAt).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(fake.callsTo('eks', 'DescribeCluster')).toEqual([
      expect.objectContaining({ service: 'eks', kind: 'read', params: { name: 'prod' }, status: 200, accessKeyId: 'AKIDTEST', region: 'us-east-1' }),
    ]);
  });

  it('answers ResourceNotFoundException (404) for an unknown cluster', async () => {
    const err = await sdkError(eks.send(new DescribeClusterCommand({ name: 'nope' })));
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', message: 'No cluster found for name: nope.', clusterName: 'nope' });
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(err.$metadata.requestId).toEqual(expect.any(String));
  });

  it('lists pod identity associations filtered by namespace and service account, and describes them', async () => {
    const seeded = fake.addPodIdentityAssociation({ cluster: 'prod', namespace: 'payments', serviceAccount: 'api', roleArn: 'arn:aws:iam::111122223333:role/payments-api' });
    fake.addPodIdentityAssociation({ cluster: 'prod', namespace: 'payments', serviceAccount: 'worker', roleArn: 'arn:aws:iam::111122223333:role/payments-worker' });
    fake.addPodIdentityAssociation({ cluster: 'prod', namespace: 'web', serviceAccount: 'api', roleArn: 'arn:aws:iam::111122223333:role/web-api' });

    const { associations } = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'prod', namespace: 'payments', serviceAccount: 'api' }));
    expect(associations).toEqual([
      {
        clusterName: 'prod',
        namespace: 'payments',
        serviceAccount: 'api',
        associationArn: seeded.associationArn,
        associationId: seeded.associationId,
      },
    ]);
    expect(seeded.associationId).toMatch(/^a-[a-z0-9]{17}$/);
    expect(fake.callsTo('eks', 'ListPodIdentityAssociations')[0]?.params).toEqual({ clusterName: 'prod', namespace: 'payments', serviceAccount: 'api' });

    const all = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'prod', namespace: 'payments' }));
    expect(all.associations?.map((a) => a.serviceAccount)).toEqual(['api', 'worker']);

    const { association } = await eks.send(new DescribePodIdentityAssociationCommand({ clusterName: 'prod', associationId: seeded.associationId }));
    expect(association).toMatchObject({ roleArn: 'arn:aws:iam::111122223333:role/payments-api', namespace: 'payments', serviceAccount: 'api' });
  });

  it('lists and describes node groups', async () => {
    fake.addNodegroup('prod', 'general', 'arn:aws:iam::111122223333:role/prod-nodes');
    fake.addNodegroup('prod', 'gpu', 'arn:aws:iam::111122223333:role/prod-gpu-nodes');
    const { nodegroups } = await eks.send(new ListNodegroupsCommand({ clusterName: 'prod' }));
    expect(nodegroups).toEqual(['general', 'gpu']);
    const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName: 'prod', nodegroupName: 'gpu' }));
    expect(nodegroup).toMatchObject({ nodegroupName: 'gpu', clusterName: 'prod', nodeRole: 'arn:aws:iam::111122223333:role/prod-gpu-nodes', status: 'ACTIVE' });
    const err = await sdkError(eks.send(new DescribeNodegroupCommand({ clusterName: 'prod', nodegroupName: 'missing' })));
    expect(err.name).toBe('ResourceNotFoundException');
  });

  it('records UpdateClusterConfig, applies it and rejects a no-op update like EKS does', async () => {
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: 'prod', resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }));
    expect(update).toMatchObject({ status: 'InProgress', type: 'EndpointAccessUpdate' });
    expect(update?.params).toEqual(expect.arrayContaining([{ type: 'EndpointPublicAccess', value: 'false' }]));
    expect(update?.createdAt).toBeInstanceOf(Date);

    const [call] = fake.callsTo('eks', 'UpdateClusterConfig');
    expect(call).toMatchObject({ kind: 'write', status: 200, params: { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } } });
    expect(call?.params.clientRequestToken).toEqual(expect.any(String)); // the SDK fills in an idempotency token
    expect(fake.cluster('prod')?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });

    const described = await eks.send(new DescribeUpdateCommand({ name: 'prod', updateId: update!.id! }));
    expect(described.update?.status).toBe('Successful');

    const err = await sdkError(eks.send(new UpdateClusterConfigCommand({ name: 'prod', resourcesVpcConfig: { endpointPublicAccess: false } })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toMatch(/already at the desired configuration/);
  });

  it('shows control-plane logging in DescribeCluster and applies logging updates, refusing a no-op like EKS', async () => {
    fake.addCluster({ name: 'logged', enabledLogTypes: ['audit'] });

    const before = await eks.send(new DescribeClusterCommand({ name: 'logged' }));
    expect(before.cluster?.logging?.clusterLogging).toEqual([
      { types: ['audit'], enabled: true },
      { types: ['api', 'authenticator', 'controllerManager', 'scheduler'], enabled: false },
    ]);
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: 'logged', logging: { clusterLogging: [{ types: ['api', 'authenticator'], enabled: true }] } }));
    expect(update).toMatchObject({ status: 'InProgress', type: 'LoggingUpdate' });
    expect([...(fake.cluster('logged')?.enabledLogTypes ?? [])].sort()).toEqual(['api', 'audit', 'authenticator']);

    const err = await sdkError(eks.send(new UpdateClusterConfigCommand({ name: 'logged', logging: { clusterLogging: [{ types: ['api'], enabled: true }] } })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('No changes needed for the logging config provided');
  });

  it('manages access entries addressed by ARNs containing slashes', async () => {
    const intruder = 'arn:aws:iam::111122223333:role/team/intruder';
    fake.addAccessEntry('prod', intruder, { policies: [CLUSTER_ADMIN] });
    fake.addAccessEntry('prod', 'arn:aws:iam::111122223333:role/ops');

    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: 'prod' }))).accessEntries).toEqual([intruder, 'arn:aws:iam::111122223333:role/ops']);
    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: 'prod', associatedPolicyArn: CLUSTER_ADMIN }))).accessEntries).toEqual([intruder]);

    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'prod', principalArn: intruder, policyArn: CLUSTER_ADMIN }));
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'prod', principalArn: intruder }));
    const created = await eks.send(new CreateAccessEntryCommand({ clusterName: 'prod', principalArn: 'arn:aws:iam::111122223333:role/break-glass', kubernetesGroups: ['responders'] }));
    expect(created.accessEntry).toMatchObject({ principalArn: 'arn:aws:iam::111122223333:role/break-glass', kubernetesGroups: ['responders'], type: 'STANDARD' });

    expect([...(fake.cluster('prod')?.accessEntries.keys() ?? [])]).toEqual(['arn:aws:iam::111122223333:role/ops', 'arn:aws:iam::111122223333:role/break-glass']);
    expect(fake.mutations().map((c) => [c.operation, c.params])).toEqual([
      ['DisassociateAccessPolicy', { clusterName: 'prod', principalArn: intruder, policyArn: CLUSTER_ADMIN }],
      ['DeleteAccessEntry', { clusterName: 'prod', principalArn: intruder }],
      ['CreateAccessEntry', expect.objectContaining({ clusterName: 'prod', principalArn: 'arn:aws:iam::111122223333:role/break-glass' })],
    ]);

    const err = await sdkError(eks.send(new DeleteAccessEntryCommand({ clusterName: 'prod', principalArn: intruder })));
    expect(err.name).toBe('ResourceNotFoundException');
  });

  it('surfaces an injected TooManyRequestsException (429)', async () => {
    const eksOnce = client((c) => new EKSClient(c), 1);
    fake.failNext({ service: 'eks', operation: 'DescribeCluster' }, { status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' });
    const err = await sdkError(eksOnce.send(new DescribeClusterCommand({ name: 'prod' })));
    expect(err).toMatchObject({ name: 'TooManyRequestsException', message: 'Rate exceeded' });
    expect(err.$metadata.httpStatusCode).toBe(429);
    await expect(eksOnce.send(new DescribeClusterCommand({ name: 'prod' }))).resolves.toBeDefined();
    expect(fake.callsTo('eks').map((c) => [c.status, c.errorCode])).toEqual([
      [429, 'TooManyRequestsException'],
      [200, undefined],
    ]);
  });

  it('lets the SDK retry through an injected 503', async () => {
    fake.failNext({ service: 'eks' }, { status: 503, code: 'ServiceUnavailableException' }, 1);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'prod' }));
    expect(cluster?.name).toBe('prod');
    expect(fake.callsTo('eks', 'DescribeCluster').map((c) => c.status)).toEqual([503, 200]);
  });
});

describe('IAM', () => {
  let iam: IAMClient;
  beforeEach(() => {
    iam = client((c) => new IAMClient(c));
    fake.addRole({ name: 'payments-api', maxSessionDuration: 7200, inlinePolicies: { existing: '{"Version":"2012-10-17","Statement":[]}' } });
  });

  it('gets a role', async () => {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'payments-api' }));
    expect(Role).toMatchObject({ RoleName: 'payments-api', Arn: 'arn:aws:iam::111122223333:role/payments-api', MaxSessionDuration: 7200, Path: '/' });
    expect(Role?.CreateDate).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(Role?.RoleId).toMatch(/^AROA/);
    expect(fake.callsTo('iam', 'GetRole')[0]).toMatchObject({ params: { RoleName: 'payments-api' }, kind: 'read', status: 200 });
  });

  it('puts, reads (URL-encoded like IAM), lists and deletes inline policies', async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'quarantine', PolicyDocument: DENY_ALL }));
    expect(fake.rolePolicy('payments-api', 'quarantine')).toBe(DENY_ALL);
    expect(fake.callsTo('iam', 'PutRolePolicy')[0]).toMatchObject({ kind: 'write', params: { RoleName: 'payments-api', PolicyName: 'quarantine', PolicyDocument: DENY_ALL } });

    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'quarantine' }));
    expect(got.PolicyDocument).not.toBe(DENY_ALL); // the SDK does not decode it
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(DENY_ALL);

    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'payments-api' }))).PolicyNames).toEqual(['existing', 'quarantine']);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'quarantine' }));
    expect(fake.rolePolicy('payments-api', 'quarantine')).toBeUndefined();
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'payments-api' }))).PolicyNames).toEqual(['existing']);
    fake.addRole({ name: 'bare' });
    expect(await iam.send(new ListRolePoliciesCommand({ RoleName: 'bare' }))).toMatchObject({ PolicyNames: [], IsTruncated: false });
  });

  it('answers NoSuchEntity with HTTP 404', async () => {
    const missingRole = await sdkError(iam.send(new GetRoleCommand({ RoleName: 'ghost' })));
    expect(missingRole).toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name ghost cannot be found.' });
    expect(missingRole.$metadata.httpStatusCode).toBe(404);
    const missingPolicy = await sdkError(iam.send(new GetRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'ghost' })));
    expect(missingPolicy.name).toBe('NoSuchEntityException');
  });

  it('surfaces an injected Throttling error with its name and status', async () => {
    const iamOnce = client((c) => new IAMClient(c), 1);
    fake.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const err = await sdkError(iamOnce.send(new PutRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'quarantine', PolicyDocument: DENY_ALL })));
    expect(err).toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client' });
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(fake.rolePolicy('payments-api', 'quarantine')).toBeUndefined();
    expect(fake.mutations()).toEqual([expect.objectContaining({ operation: 'PutRolePolicy', status: 400, errorCode: 'Throttling' })]);

    await iamOnce.send(new PutRolePolicyCommand({ RoleName: 'payments-api', PolicyName: 'quarantine', PolicyDocument: DENY_ALL }));
    expect(fake.rolePolicy('payments-api', 'quarantine')).toBe(DENY_ALL);
  });
});

describe('SNS', () => {
  it('records Publish with its MessageAttributes and returns a MessageId', async () => {
    const sns = client((c) => new SNSClient(c));
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:eks-responder-alerts',
        Subject: 'Contained pod payments/api-7d9',
        Message: JSON.stringify({ action: 'isolate', note: 'a & b <c>' }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'HIGH' },
          score: { DataType: 'Number', StringValue: '8.5' },
        },
      }),
    );
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const [call] = fake.notifications();
    expect(call).toMatchObject({ service: 'sns', operation: 'Publish', kind: 'notify', status: 200 });
    expect(call?.params).toEqual({
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:eks-responder-alerts',
      Subject: 'Contained pod payments/api-7d9',
      Message: JSON.stringify({ action: 'isolate', note: 'a & b <c>' }),
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'HIGH' },
        score: { DataType: 'Number', StringValue: '8.5' },
      },
    });
    expect(fake.mutations()).toEqual([]);
  });
});

describe('STS', () => {
  it('answers GetCallerIdentity and AssumeRole', async () => {
    const sts = client((c) => new STSClient(c));
    fake.setCallerIdentity({ Arn: 'arn:aws:sts::111122223333:assumed-role/responder/lambda' });
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Arn: 'arn:aws:sts::111122223333:assumed-role/responder/lambda',
      Account: '111122223333',
      UserId: expect.stringMatching(/^AROA/),
    });

    const before = Date.now();
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444455556666:role/responder', RoleSessionName: 'incident-42', DurationSeconds: 900 }));
    expect(assumed.Credentials).toMatchObject({ AccessKeyId: expect.stringMatching(/^ASIA/), SecretAccessKey: expect.any(String), SessionToken: expect.any(String) });
    const expiration = assumed.Credentials!.Expiration!;
    expect(expiration).toBeInstanceOf(Date);
    expect(expiration.getTime()).toBeGreaterThan(before + 890_000);
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::444455556666:assumed-role/responder/incident-42');
    expect(fake.issuedCredentials()).toEqual([expect.objectContaining({ accessKeyId: assumed.Credentials!.AccessKeyId, roleArn: 'arn:aws:iam::444455556666:role/responder' })]);
    expect(fake.callsTo('sts', 'AssumeRole')[0]?.params).toEqual({ RoleArn: 'arn:aws:iam::444455556666:role/responder', RoleSessionName: 'incident-42', DurationSeconds: '900' });
  });

  it('answers a presigned GetCallerIdentity GET (the form EKS bearer tokens use)', async () => {
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
    const { port } = new URL(fake.url);
    const presigned = await signer.presign(
      new HttpRequest({
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: Number(port),
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: `127.0.0.1:${port}`, 'x-k8s-aws-id': 'prod' },
      }),
      { expiresIn: 60 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>);
    const res = await fetch(`${fake.url}/?${query}`, { headers: { 'x-k8s-aws-id': 'prod' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Account>111122223333</Account>');
    expect(fake.callsTo('sts', 'GetCallerIdentity')[0]).toMatchObject({ params: {}, accessKeyId: 'AKIDTEST' });
  });
});

describe('SQS', () => {
  it('sends, receives (hiding what it returned), changes visibility and deletes by receipt handle, over AWS JSON 1.0', async () => {
    const sqs = client((c) => new SQSClient(c));
    const queueUrl = fake.addQueue('failures');
    expect(queueUrl).toBe(`${fake.url}/111122223333/failures`);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"source":"aws.guardduty"}', MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'Throttled' } } }));
    expect(sent.MessageId).toEqual(expect.any(String));
    fake.sendToQueue(queueUrl, 'second');

    // The SDK checks MD5OfBody of every received message.
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageSystemAttributeNames: ['ApproximateReceiveCount'], MessageAttributeNames: ['All'] }));
    expect(first.Messages?.map((m) => m.Body)).toEqual(['{"source":"aws.guardduty"}', 'second']);
    expect(first.Messages?.[0]).toMatchObject({ MessageId: sent.MessageId, Attributes: { ApproximateReceiveCount: '1' }, MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'Throttled' } } });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined();

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![0].ReceiptHandle }));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![1].ReceiptHandle, VisibilityTimeout: 0 }));
    expect(fake.queueMessages(queueUrl)).toEqual([{ messageId: expect.any(String), body: 'second', receiveCount: 1, visible: true }]);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.map((m) => m.Body)).toEqual(['second']);
    expect(fake.callsTo('sqs').map((call) => [call.operation, call.kind])).toEqual([
      ['SendMessage', 'write'],
      ['ReceiveMessage', 'read'],
      ['ReceiveMessage', 'read'],
      ['DeleteMessage', 'write'],
      ['ChangeMessageVisibility', 'read'],
      ['ReceiveMessage', 'read'],
    ]);
  });

  it('refuses a stale receipt handle and an unknown queue with the SQS error codes', async () => {
    const sqs = client((c) => new SQSClient(c));
    const queueUrl = fake.addQueue('failures');
    fake.sendToQueue(queueUrl, 'body');
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    const stale = await sdkError(sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages![0].ReceiptHandle })));
    expect(stale).toMatchObject({ name: 'ReceiptHandleIsInvalid', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const missing = await sdkError(sqs.send(new ReceiveMessageCommand({ QueueUrl: `${fake.url}/111122223333/nope` })));
    expect(missing).toMatchObject({ name: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
    expect(fake.queueMessages(queueUrl)).toHaveLength(1);
  });
});

describe('Secrets Manager', () => {
  it('returns seeded secrets by name or ARN and ResourceNotFoundException otherwise', async () => {
    const secrets = client((c) => new SecretsManagerClient(c));
    fake.addSecret('eks-responder/slack', '{"webhookUrl":"http://127.0.0.1/slack/webhook"}');
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: 'eks-responder/slack' }));
    expect(byName).toMatchObject({ Name: 'eks-responder/slack', SecretString: '{"webhookUrl":"http://127.0.0.1/slack/webhook"}', VersionStages: ['AWSCURRENT'] });
    expect(byName.CreatedDate).toEqual(new Date('2024-01-01T00:00:00Z'));
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.SecretString).toBe(byName.SecretString);
    expect(fake.callsTo('secretsmanager', 'GetSecretValue')[0]?.params).toEqual({ SecretId: 'eks-responder/slack' });

    const err = await sdkError(secrets.send(new GetSecretValueCommand({ SecretId: 'missing' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe("Secrets Manager can't find the specified secret.");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe('Security Hub', () => {
  it('records BatchUpdateFindings and reports processed and unprocessed findings', async () => {
    const hub = client((c) => new SecurityHubClient(c));
    fake.rejectFinding('finding-2');
    const productArn = 'arn:aws:securityhub:us-east-1::product/aws/guardduty';
    const result = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [
          { Id: 'finding-1', ProductArn: productArn },
          { Id: 'finding-2', ProductArn: productArn },
        ],
        Workflow: { Status: 'RESOLVED' },
        Note: { Text: 'Contained by eks-responder', UpdatedBy: 'eks-responder' },
      }),
    );
    expect(result.ProcessedFindings).toEqual([{ Id: 'finding-1', ProductArn: productArn }]);
    expect(result.UnprocessedFindings).toEqual([
      { FindingIdentifier: { Id: 'finding-2', ProductArn: productArn }, ErrorCode: 'FindingNotFound', ErrorMessage: 'The finding was not found.' },
    ]);
    expect(fake.callsTo('securityhub', 'BatchUpdateFindings')[0]?.params).toMatchObject({
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'Contained by eks-responder', UpdatedBy: 'eks-responder' },
    });
    // The processed finding keeps its new state; the rejected one was not touched.
    expect(fake.securityHubFinding(productArn, 'finding-1')).toMatchObject({ workflowStatus: 'RESOLVED', note: { text: 'Contained by eks-responder', updatedBy: 'eks-responder' } });
    expect(fake.securityHubFinding(productArn, 'finding-2')).toBeUndefined();
  });
});

describe('GuardDuty', () => {
  const finding = (id: string, updatedAt: string) => ({ id, type: 'Execution:Runtime/ReverseShell', severity: 8, updatedAt, resource: { resourceType: 'EKSCluster' } });

  it('lists detectors, lists findings updated since a time in pages, and gets them', async () => {
    const guardduty = client((c) => new GuardDutyClient(c));
    for (let index = 0; index < 60; index += 1) fake.addGuardDutyFinding(finding(`new-${index}`, '2026-11-20T10:00:00.000Z'), 'd-one');
    fake.addGuardDutyFinding(finding('old', '2026-10-01T10:00:00.000Z'), 'd-one');
    fake.addGuardDutyFinding(finding('other', '2026-11-21T10:00:00.000Z'), 'd-two');

    expect((await guardduty.send(new ListDetectorsCommand({}))).DetectorIds).toEqual(['d-one', 'd-two']);
    const criteria = { Criterion: { updatedAt: { GreaterThanOrEqual: Date.parse('2026-11-01T00:00:00Z') } } };
    const first = await guardduty.send(new ListFindingsCommand({ DetectorId: 'd-one', FindingCriteria: criteria }));
    const second = await guardduty.send(new ListFindingsCommand({ DetectorId: 'd-one', FindingCriteria: criteria, NextToken: first.NextToken }));
    expect([first.FindingIds?.length, second.FindingIds?.length, second.NextToken]).toEqual([50, 10, undefined]);
    const { Findings } = await guardduty.send(new GetFindingsCommand({ DetectorId: 'd-one', FindingIds: ['new-3', 'old'] }));
    expect(Findings?.map((item) => [item.Id, item.Severity, item.Resource?.ResourceType])).toEqual([
      ['new-3', 8, 'EKSCluster'],
      ['old', 8, 'EKSCluster'],
    ]);
    expect(fake.callsTo('guardduty', 'ListFindings')[0].params).toMatchObject({ DetectorId: 'd-one', findingCriteria: { criterion: { updatedAt: { greaterThanOrEqual: expect.any(Number) } } } });
  });

  it('refuses an unknown detector and more than 50 ids per GetFindings', async () => {
    const guardduty = client((c) => new GuardDutyClient(c), 1);
    fake.addGuardDutyFinding(finding('f', '2026-11-20T10:00:00.000Z'), 'd-one');

    expect((await sdkError(guardduty.send(new ListFindingsCommand({ DetectorId: 'd-none' })))).name).toBe('BadRequestException');
    const ids = Array.from({ length: 51 }, (_, index) => `f${index}`);
    expect((await sdkError(guardduty.send(new GetFindingsCommand({ DetectorId: 'd-one', FindingIds: ids })))).name).toBe('BadRequestException');
  });
});

describe('SSM Parameter Store', () => {
  it('returns a parameter, decrypting a SecureString only when asked', async () => {
    const ssm = client((c) => new SSMClient(c), 1);
    fake.addParameter('/eks-responder/policy', 'version: 1', 'SecureString');

    expect((await ssm.send(new GetParameterCommand({ Name: '/eks-responder/policy', WithDecryption: true }))).Parameter).toMatchObject({ Value: 'version: 1', Type: 'SecureString' });
    expect((await ssm.send(new GetParameterCommand({ Name: '/eks-responder/policy' }))).Parameter?.Value).not.toBe('version: 1');
    expect((await sdkError(ssm.send(new GetParameterCommand({ Name: '/missing' })))).name).toBe('ParameterNotFound');
  });
});

describe('operations the fake does not implement', () => {
  it('answers UnknownOperationException and records the call', async () => {
    const eks = client((c) => new EKSClient(c), 1);
    const iam = client((c) => new IAMClient(c), 1);
    const guardduty = client((c) => new GuardDutyClient(c), 1);
    fake.addCluster({ name: 'prod' });

    for (const call of [
      () => eks.send(new ListAddonsCommand({ clusterName: 'prod' })),
      () => iam.send(new ListUsersCommand({})),
      () => guardduty.send(new GetDetectorCommand({ DetectorId: 'd1' })),
    ]) {
      const err = await sdkError(call());
      expect(err.name).toBe('UnknownOperationException');
      expect(err.$metadata.httpStatusCode).toBe(400);
    }
    expect(fake.unknownCalls().map((c) => [c.service, c.operation])).toEqual([
      ['eks', 'GET /clusters/prod/addons'],
      ['iam', 'ListUsers'],
      ['guardduty', 'GET /detector/d1'],
    ]);
  });
});

describe('AWS_ENDPOINT_URL_* environment variables', () => {
  let restoreEnv: () => void;
  beforeEach(() => {
    restoreEnv = fake.applyEndpointEnv();
  });
  afterEach(() => restoreEnv());

  it('names one variable per service and reaches the fake with region and credentials from the environment', async () => {
    expect(fake.endpointEnv()).toMatchObject({
      AWS_ENDPOINT_URL_EKS: fake.url,
      AWS_ENDPOINT_URL_IAM: fake.url,
      AWS_ENDPOINT_URL_SNS: fake.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url,
      AWS_ENDPOINT_URL_STS: fake.url,
      AWS_ENDPOINT_URL_SECURITYHUB: fake.url,
      AWS_ENDPOINT_URL_GUARDDUTY: fake.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    });
    fake.addCluster({ name: 'prod' });
    fake.addRole({ name: 'payments-api' });
    fake.addSecret('token', 's3cr3t');

    const eks = new EKSClient({});
    const iam = new IAMClient({});
    const sns = new SNSClient({});
    const secrets = new SecretsManagerClient({});
    const hub = new SecurityHubClient({});
    const sts = new STSClient({});
    const guardduty = new GuardDutyClient({ maxAttempts: 1 });
    clients.push(eks, iam, sns, secrets, hub, sts, guardduty);

    expect((await eks.send(new DescribeClusterCommand({ name: 'prod' }))).cluster?.name).toBe('prod');
    expect((await iam.send(new GetRoleCommand({ RoleName: 'payments-api' }))).Role?.RoleName).toBe('payments-api');
    expect((await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'hi' }))).MessageId).toBeDefined();
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'token' }))).SecretString).toBe('s3cr3t');
    expect((await hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [], Workflow: { Status: 'NOTIFIED' } }))).ProcessedFindings).toEqual([]);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('111122223333');
    expect((await guardduty.send(new ListDetectorsCommand({}))).DetectorIds).toEqual([]);

    expect(fake.calls.map((c) => `${c.service}:${c.operation}`)).toEqual([
      'eks:DescribeCluster',
      'iam:GetRole',
      'sns:Publish',
      'secretsmanager:GetSecretValue',
      'securityhub:BatchUpdateFindings',
      'sts:GetCallerIdentity',
      'guardduty:ListDetectors',
    ]);
    expect(new Set(fake.calls.map((c) => c.accessKeyId))).toEqual(new Set([FAKE_CREDENTIALS.accessKeyId]));
    expect(new Set(fake.calls.map((c) => c.region))).toEqual(new Set(['us-east-1']));
  });
});

describe('Slack webhook sink', () => {
  const post = (body: unknown) => fetch(fake.slackWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('records JSON bodies and answers ok', async () => {
    const res = await post({ text: 'Pod payments/api-7d9 isolated', blocks: [{ type: 'section' }] });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(fake.slackMessages()).toEqual([{ text: 'Pod payments/api-7d9 isolated', blocks: [{ type: 'section' }] }]);
    expect(fake.notifications()).toEqual([expect.objectContaining({ service: 'slack', operation: 'PostWebhook', status: 200 })]);
  });

  it('answers with the configured failure status until cleared, and honours failNext', async () => {
    fake.setSlackFailure(500);
    expect((await post({ text: 'a' })).status).toBe(500);
    expect((await post({ text: 'b' })).status).toBe(500);
    fake.setSlackFailure(undefined);
    fake.failNext({ service: 'slack' }, { status: 429, code: 'rate_limited' });
    const limited = await post({ text: 'c' });
    expect([limited.status, limited.headers.get('retry-after'), await limited.text()]).toEqual([429, '1', 'rate_limited']);
    expect((await post({ text: 'd' })).status).toBe(200);
    expect(fake.callsTo('slack').map((c) => [c.params.text, c.status])).toEqual([
      ['a', 500],
      ['b', 500],
      ['c', 429],
      ['d', 200],
    ]);
  });
});

describe('latency and call bookkeeping', () => {
  it('delays replies and timestamps overlapping calls', async () => {
    await fake.stop();
    fake = await FakeAws.start({ latencyMs: 100 });
    fake.addCluster({ name: 'a' });
    fake.addCluster({ name: 'b' });
    const eks = client((c) => new EKSClient(c));
    await Promise.all([eks.send(new DescribeClusterCommand({ name: 'a' })), eks.send(new DescribeClusterCommand({ name: 'b' }))]);
    const [first, second] = fake.calls;
    expect(first!.endedAt - first!.startedAt).toBeGreaterThanOrEqual(95);
    expect(second!.startedAt).toBeLessThan(first!.endedAt);

    fake.resetCalls();
    expect(fake.calls).toEqual([]);
  });
});
