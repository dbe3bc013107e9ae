/**
 * FakeAws: a local AWS endpoint for tests that answers the real AWS SDK v3 clients.
 *
 * Point a client at it with the `endpoint` client option or, for code that builds its own clients,
 * with `endpointEnv()` / `applyEndpointEnv()` (the SDK reads `AWS_ENDPOINT_URL_<SERVICE ID>`, e.g.
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`). One server answers EKS, IAM, SNS, STS, Secrets Manager,
 * Security Hub, GuardDuty, SQS, EC2, S3 and SSM Parameter Store plus a Slack incoming-webhook sink. State lives in memory and is
 * seeded by the test; every request is recorded, including ones the fake does not implement
 * (answered with HTTP 400 `UnknownOperationException` so the test notices).
 *
 *   const fake = await FakeAws.start();
 *   fake.addCluster({ name: 'prod', endpoint: kubeApi.url });
 *   const eks = new EKSClient({ region: 'us-east-1', endpoint: fake.url, credentials: FAKE_CREDENTIALS });
 *   ...
 *   expect(fake.mutations()).toEqual([]);
 *   await fake.stop();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AwsError, newRequestId, parseRequest, type CallKind, type ServiceName } from './fake-aws/protocol';
import { renderError, renderSuccess, resolveCall, unknownOperation, type ResolvedCall } from './fake-aws/router';
import { OpenConnections } from './open-connections';
import type { InstanceSeed, InstanceState, SnapshotState } from './fake-aws/ec2';
import type { StoredObject } from './fake-aws/s3';
import {
  FakeAwsState,
  type AccessEntryState,
  type CallerIdentity,
  type ClusterSeed,
  type ClusterState,
  type IssuedCredentials,
  type NodegroupState,
  type PodIdentityAssociationState,
  type RoleSeed,
  type RoleState,
  type SecurityHubFindingState,
} from './fake-aws/state';
import type { SqsMessageAttribute } from './fake-aws/sqs';
import { roundTrip } from './latency';

export type { CallKind, ServiceName } from './fake-aws/protocol';
export type { SqsMessageAttribute } from './fake-aws/sqs';
export type { InstanceSeed, InstanceState, SnapshotState } from './fake-aws/ec2';
export type { StoredObject } from './fake-aws/s3';
export type {
  AccessEntryState,
  CallerIdentity,
  ClusterSeed,
  ClusterState,
  IssuedCredentials,
  NodegroupState,
  PodIdentityAssociationState,
  RoleSeed,
  RoleState,
  SecurityHubFindingState,
} from './fake-aws/state';

/** Static credentials for clients pointed at FakeAws (signatures are not verified). */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKEAWS', secretAccessKey: 'fake-aws-secret-key' } as const;
export const FAKE_REGION = 'us-east-1';
export const FAKE_ACCOUNT_ID = '111122223333';

/** `AWS_ENDPOINT_URL_<serviceId upper-cased, spaces as _>`, read by the SDK for clients without `endpoint`. */
export const ENDPOINT_ENV_VARS = [
  'AWS_ENDPOINT_URL_EKS',
  'AWS_ENDPOINT_URL_IAM',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_SECURITYHUB',
  'AWS_ENDPOINT_URL_GUARDDUTY',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SSM',
] as const;

/** Environment variables that would send SDK clients elsewhere or pick other credentials; cleared by applyEndpointEnv. */
const CONFLICTING_ENV_VARS = ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_ENDPOINT_URL'] as const;

export interface RecordedAwsCall {
  service: ServiceName;
  /** SDK operation name (e.g. `DescribeCluster`, `PutRolePolicy`), `PostWebhook` for Slack, `METHOD /path` for unknown REST calls. */
  operation: string;
  kind: CallKind;
  /**
   * Request members under their SDK names. REST: path labels, query parameters and JSON body;
   * JSON 1.1: the body; query: form fields unflattened (lists as arrays, maps as objects, scalars
   * as strings); Slack: the JSON body.
   */
  params: Record<string, unknown>;
  /** HTTP status of the reply; 0 while the call is still in flight. */
  status: number;
  /** Error code of a failed call (modelled, injected with failNext, or UnknownOperationException). */
  errorCode?: string;
  /** Access key id from the SigV4 credential scope. */
  accessKeyId?: string;
  /** Signing region from the SigV4 credential scope. */
  region?: string;
  /** Epoch milliseconds with sub-millisecond precision. */
  startedAt: number;
  endedAt: number;
}

export interface CallMatch {
  service?: ServiceName;
  operation?: string;
}

export interface InjectedError {
  status: number;
  /** Error code, e.g. `Throttling` (query services), `TooManyRequestsException` (EKS), `ServiceUnavailable`. */
  code: string;
  message?: string;
}

export interface FakeAwsOptions {
  /** Delay before every reply, in milliseconds. */
  latencyMs?: number;
  accountId?: string;
  region?: string;
}

interface HoldRule {
  match: CallMatch;
  released: Promise<void>;
}

interface FailureRule {
  match: CallMatch;
  error: InjectedError;
  remaining: number;
}

const now = (): number => performance.timeOrigin + performance.now();

export class FakeAws {
  readonly url: string;
  readonly slackWebhookUrl: string;
  /** Every request in arrival order. */
  readonly calls: RecordedAwsCall[] = [];

  private readonly state: FakeAwsState;
  private readonly failures: FailureRule[] = [];
  private readonly holds: HoldRule[] = [];
  private latencyMs: number;
  private slackFailureStatus: number | undefined;
  private readonly connections: OpenConnections;

  /** Connections clients have opened, ahead of their requests or with them. */
  get connectionsOpened(): number {
    return this.connections.accepted;
  }

  private constructor(
    private readonly server: Server,
    options: FakeAwsOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.slackWebhookUrl = `${this.url}/slack/webhook`;
    this.state = new FakeAwsState(options.accountId ?? FAKE_ACCOUNT_ID, options.region ?? FAKE_REGION);
    this.latencyMs = options.latencyMs ?? 0;
    this.connections = new OpenConnections(server);
  }

  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    let fake: FakeAws | undefined;
    const server = createServer((req, res) => {
      if (fake) fake.handle(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake = new FakeAws(server, options);
    return fake;
  }

  get accountId(): string {
    return this.state.accountId;
  }

  get region(): string {
    return this.state.region;
  }

  /* ---------------------------------------------------------------- environment */

  /** Endpoint overrides for every supported service plus fake region and static credentials. */
  endpointEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of ENDPOINT_ENV_VARS) env[name] = this.url;
    return {
      ...env,
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /**
   * Writes endpointEnv() into process.env (clearing variables that would override it, such as
   * AWS_PROFILE and AWS_SESSION_TOKEN) and returns a function restoring the previous values.
   * Set it before constructing the clients under test.
   */
  applyEndpointEnv(): () => void {
    const env = this.endpointEnv();
    const names = [...Object.keys(env), ...CONFLICTING_ENV_VARS];
    const saved = new Map(names.map((n) => [n, process.env[n]]));
    for (const n of CONFLICTING_ENV_VARS) delete process.env[n];
    Object.assign(process.env, env);
    return () => {
      for (const [n, v] of saved) {
        if (v === undefined) delete process.env[n];
        else process.env[n] = v;
      }
    };
  }

  /* ---------------------------------------------------------------- seeding and state */

  addCluster(seed: ClusterSeed): ClusterState {
    return this.state.addCluster(seed);
  }

  /** Live cluster state (reflects UpdateClusterConfig, access entry changes, ...). */
  cluster(name: string): ClusterState | undefined {
    return this.state.clusters.get(name);
  }

  addNodegroup(cluster: string, name: string, nodeRoleArn: string): NodegroupState {
    return this.state.addNodegroup(cluster, name, nodeRoleArn);
  }

  addPodIdentityAssociation(a: { cluster: string; namespace: string; serviceAccount: string; roleArn: string }): PodIdentityAssociationState {
    return this.state.addPodIdentityAssociation(a);
  }

  addAccessEntry(
    cluster: string,
    principalArn: string,
    options?: { kubernetesGroups?: string[]; username?: string; type?: string; policies?: string[]; tags?: Record<string, string> },
  ): AccessEntryState {
    return this.state.addAccessEntry(cluster, principalArn, options);
  }

  addRole(seed: RoleSeed): RoleState {
    return this.state.addRole(seed);
  }

  role(name: string): RoleState | undefined {
    return this.state.roles.get(name);
  }

  /** Inline policy document as JSON text (decoded; IAM itself returns it URL-encoded). */
  rolePolicy(roleName: string, policyName: string): string | undefined {
    return this.state.roles.get(roleName)?.inlinePolicies.get(policyName);
  }

  addSecret(id: string, value: string): void {
    this.state.addSecret(id, value);
  }

  /**
   * Stores a GuardDuty finding (wire shape, camelCase: an EventBridge event's `detail`) under a
   * detector, created on first use. ListFindings filters on its `updatedAt`.
   */
  addGuardDutyFinding(finding: Record<string, unknown>, detectorId = 'd-fake0000000000000000000000000001'): void {
    const findings = this.state.guardDutyDetectors.get(detectorId) ?? new Map<string, Record<string, unknown>>();
    findings.set(String(finding.id), finding);
    this.state.guardDutyDetectors.set(detectorId, findings);
  }

  /** Stores an SSM parameter (GetParameter decrypts a SecureString only WithDecryption). */
  addParameter(name: string, value: string, type: 'String' | 'SecureString' = 'String'): void {
    this.state.parameters.set(name, { name, type, value });
  }

  /** Identity returned by STS GetCallerIdentity. */
  setCallerIdentity(identity: Partial<CallerIdentity>): void {
    this.state.callerIdentity = { ...this.state.callerIdentity, ...identity };
  }

  /** Credentials handed out by STS AssumeRole, oldest first. */
  issuedCredentials(): readonly IssuedCredentials[] {
    return this.state.issuedCredentials;
  }

  /** Makes Security Hub BatchUpdateFindings report this finding id as unprocessed. */
  rejectFinding(findingId: string, errorCode = 'FindingNotFound', errorMessage = 'The finding was not found.'): void {
    this.state.unprocessedFindings.set(findingId, { errorCode, errorMessage });
  }

  /** A Security Hub finding as BatchUpdateFindings left it (note, workflow status), or undefined if never updated. */
  securityHubFinding(productArn: string, id: string): SecurityHubFindingState | undefined {
    return this.state.securityHubFindings.get(`${productArn}|${id}`);
  }

  /** Creates a standard queue; returns its URL (`<url>/<account>/<name>`). */
  addQueue(name: string, options: { visibilityTimeout?: number } = {}): string {
    return this.state.sqs.addQueue(name, `${this.url}/${this.accountId}/${name}`, options.visibilityTimeout).url;
  }

  /** Puts a message on a queue without an SDK call (nothing is recorded); returns its MessageId. */
  sendToQueue(queueUrl: string, body: string, messageAttributes: Record<string, SqsMessageAttribute> = {}): string {
    return this.state.sqs.send(queueUrl, body, messageAttributes).messageId;
  }

  /** The messages a queue holds, in flight or not, oldest first. */
  queueMessages(queueUrl: string): { messageId: string; body: string; receiveCount: number; visible: boolean }[] {
    const now = Date.now();
    return this.state.sqs.queue(queueUrl).messages.map((message) => ({ messageId: message.messageId, body: message.body, receiveCount: message.receiveCount, visible: message.invisibleUntil <= now }));
  }

  /** An EC2 instance (with its EBS volumes) for DescribeInstances and friends. */
  addInstance(seed: InstanceSeed): InstanceState {
    return this.state.ec2.addInstance(seed);
  }

  /** Live instance state (reflects ModifyInstanceAttribute and CreateTags). */
  instance(instanceId: string): InstanceState | undefined {
    return this.state.ec2.instances.get(instanceId);
  }

  /** EBS snapshots created through CreateSnapshot, oldest first. */
  snapshots(): SnapshotState[] {
    return [...this.state.ec2.snapshots.values()];
  }

  addBucket(name: string): void {
    this.state.s3.addBucket(name);
  }

  /** Objects stored by PutObject in a bucket, by key. */
  s3Objects(bucket: string): Map<string, StoredObject> {
    return new Map(this.state.s3.buckets.get(bucket) ?? []);
  }

  /* ---------------------------------------------------------------- recorded calls */

  callsTo(service: ServiceName, operation?: string): RecordedAwsCall[] {
    return this.calls.filter((c) => c.service === service && (operation === undefined || c.operation === operation));
  }

  /** Calls that change (or tried to change) AWS resource state, failed ones included; no reads, no notifications. */
  mutations(): RecordedAwsCall[] {
    return this.calls.filter((c) => c.kind === 'write');
  }

  /** SNS Publish and Slack webhook calls. */
  notifications(): RecordedAwsCall[] {
    return this.calls.filter((c) => c.kind === 'notify');
  }

  /** JSON bodies posted to the Slack webhook. */
  slackMessages(): Record<string, unknown>[] {
    return this.callsTo('slack').map((c) => c.params);
  }

  /** Calls answered with UnknownOperationException. */
  unknownCalls(): RecordedAwsCall[] {
    return this.calls.filter((c) => c.errorCode === 'UnknownOperationException');
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /* ---------------------------------------------------------------- fault injection */

  /**
   * Fails the next `times` calls matching `match` (all calls when empty) with `error`, rendered in
   * the service's protocol. Pass `Infinity` to fail until clearFailures(). Rules are checked in the
   * order they were added.
   */
  failNext(match: CallMatch, error: InjectedError, times = 1): void {
    this.failures.push({ match, error, remaining: times });
  }

  /**
   * Holds every call matching `match` (recorded on arrival) unanswered until the returned function
   * is called: a test can look at what happens while such a call is in flight.
   */
  hold(match: CallMatch): () => void {
    let release!: () => void;
    const rule: HoldRule = { match, released: new Promise<void>((resolve) => (release = resolve)) };
    this.holds.push(rule);
    return () => {
      this.holds.splice(this.holds.indexOf(rule), 1);
      release();
    };
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Makes the Slack webhook answer with this status (e.g. 500, 429) until called with undefined. */
  setSlackFailure(status: number | undefined): void {
    this.slackFailureStatus = status;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      // SDK clients keep connections alive, some opened ahead of any request: close() must not wait for them.
      this.connections.dropAll();
    });
  }

  /* ---------------------------------------------------------------- request handling */

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void this.respond(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  private async respond(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const startedAt = now();
    const trip = roundTrip(this.latencyMs);
    const requestId = newRequestId();
    const request = parseRequest(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    let call: ResolvedCall;
    try {
      call = resolveCall(request, this.state);
    } catch (err) {
      call = { service: 'unknown', operation: `${request.method} ${request.rawPath}`, kind: 'read', params: {}, wire: { protocol: 'rest-json' } };
      return this.reply(res, renderError(call, internalFailure(err), requestId), this.record(call, startedAt), 'InternalFailure');
    }
    const record = this.record(call, startedAt);
    await Promise.all(this.holds.filter((rule) => matches(rule.match, call)).map((rule) => rule.released));
    await trip.there();
    const { reply, errorCode } = this.serve(call, requestId);
    await trip.back();
    this.reply(res, reply, record, errorCode);
  }

  private serve(call: ResolvedCall, requestId: string): { reply: ReturnType<typeof renderSuccess>; errorCode?: string } {
    const failed = (error: AwsError) => ({ reply: renderError(call, error, requestId), errorCode: error.code });
    const injected = this.takeFailure(call);
    if (injected) return failed(injected);
    if (!call.run) return failed(unknownOperation(call));
    try {
      return { reply: renderSuccess(call, call.run(), requestId) };
    } catch (err) {
      return failed(err instanceof AwsError ? err : internalFailure(err));
    }
  }

  private record(call: ResolvedCall, startedAt: number): RecordedAwsCall {
    const record: RecordedAwsCall = {
      service: call.service,
      operation: call.operation,
      kind: call.kind,
      params: call.params,
      status: 0,
      accessKeyId: call.accessKeyId,
      region: call.region,
      startedAt,
      endedAt: startedAt,
    };
    this.calls.push(record);
    return record;
  }

  private takeFailure(call: ResolvedCall): AwsError | undefined {
    if (call.service === 'slack' && this.slackFailureStatus !== undefined) {
      return new AwsError(this.slackFailureStatus, 'SlackWebhookFailure', 'Slack webhook failure');
    }
    const rule = this.failures.find((r) => r.remaining > 0 && matches(r.match, call));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.failures.splice(this.failures.indexOf(rule), 1);
    return new AwsError(rule.error.status, rule.error.code, rule.error.message ?? `Injected ${rule.error.code} for ${call.service}:${call.operation}`);
  }

  private reply(res: ServerResponse, reply: { status: number; headers: Record<string, string>; body: string }, record: RecordedAwsCall, errorCode?: string): void {
    record.status = reply.status;
    record.errorCode = errorCode;
    record.endedAt = now();
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }
}

function internalFailure(err: unknown): AwsError {
  const message = err instanceof Error ? err.message : String(err);
  return new AwsError(500, 'InternalFailure', `FakeAws failed to handle the request: ${message}`);
}

function matches(match: CallMatch, call: ResolvedCall): boolean {
  return (match.service === undefined || match.service === call.service) && (match.operation === undefined || match.operation === call.operation);
}
