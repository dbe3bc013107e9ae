// The requests the local servers recorded, in one shape: what the responder asked of the
// Kubernetes API, of AWS (notifications included) and of its DynamoDB tables, with the servers'
// own timestamps.
import type { DynamoCall } from '../support/dynamo';
import type { RecordedAwsCall } from '../support/fake-aws';
import type { RecordedRequest } from '../support/kube-api-server';
import type { Sandbox } from '../support/sandbox';

export type RequestKind = 'read' | 'write' | 'notify';

export interface BenchRequest {
  system: 'kubernetes' | 'aws' | 'dynamodb';
  kind: RequestKind;
  /** e.g. `get pods argocd/privileged-pod`, `eks:DescribeCluster`, `slack:PostWebhook`. */
  label: string;
  /** The object a write changed, for counting unique mutations. */
  object?: string;
  ok: boolean;
  startedAt: number;
  endedAt: number;
  bearerToken?: string;
  raw: RecordedRequest | RecordedAwsCall | DynamoCall;
}

function objectName(request: RecordedRequest): string {
  const created = (request.body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
  return `${request.namespace ? `${request.namespace}/` : ''}${request.name ?? created ?? ''}`;
}

function fromKubernetes(request: RecordedRequest): BenchRequest {
  const write = ['create', 'update', 'patch', 'delete'].includes(request.verb);
  const where = request.name ? objectName(request) : request.namespace ? `in ${request.namespace}` : 'all namespaces';
  const selector = [request.query.labelSelector, request.query.fieldSelector].filter(Boolean).join(' ');
  return {
    system: 'kubernetes',
    kind: write ? 'write' : 'read',
    label: `${request.verb} ${request.resource} ${where}${selector ? ` [${selector}]` : ''}`,
    object: write ? `${request.verb} ${request.resource} ${objectName(request)}` : undefined,
    ok: request.status >= 200 && request.status < 300,
    startedAt: request.startedAt,
    endedAt: request.endedAt,
    bearerToken: request.bearerToken,
    raw: request,
  };
}

function fromAws(call: RecordedAwsCall): BenchRequest {
  const role = typeof call.params.RoleName === 'string' ? call.params.RoleName : undefined;
  return {
    system: 'aws',
    kind: call.kind,
    label: `${call.service}:${call.operation}`,
    object: call.kind === 'write' ? `${call.service}:${call.operation} ${role ?? JSON.stringify(call.params)}` : undefined,
    ok: call.status >= 200 && call.status < 300,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    raw: call,
  };
}

const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

function fromDynamo(call: DynamoCall): BenchRequest {
  const write = !DYNAMODB_READS.has(call.operation);
  return {
    system: 'dynamodb',
    kind: write ? 'write' : 'read',
    label: `dynamodb:${call.operation} ${call.table}`,
    // Records of the responder's own, not changes to what it protects.
    ok: call.status >= 200 && call.status < 300,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    raw: call,
  };
}

export interface Mark {
  kubernetes: number;
  aws: number;
  dynamodb: number;
  connections: number;
}

/** Marks where the recorded requests stand, to take what came after. */
export function mark(sandbox: Sandbox): Mark {
  return { kubernetes: sandbox.kube.requests.length, aws: sandbox.aws.calls.length, dynamodb: sandbox.dynamo?.calls.length ?? 0, connections: sandbox.kube.connectionsOpened };
}

/** Connections to the Kubernetes API opened since the mark: each costs TCP and TLS handshakes on a real network. */
export function connectionsSince(sandbox: Sandbox, since: Mark): number {
  return sandbox.kube.connectionsOpened - since.connections;
}

export function requestsSince(sandbox: Sandbox, since: Pick<Mark, 'kubernetes' | 'aws' | 'dynamodb'>): BenchRequest[] {
  return [
    ...sandbox.kube.requests.slice(since.kubernetes).map(fromKubernetes),
    ...sandbox.aws.calls.slice(since.aws).map(fromAws),
    ...(sandbox.dynamo?.calls.slice(since.dynamodb) ?? []).map(fromDynamo),
  ].sort((a, b) => a.startedAt - b.startedAt);
}
