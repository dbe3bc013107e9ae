// The requests both local servers recorded, in one shape: what the responder asked of the
// Kubernetes API and of AWS (notifications included), with the servers' own timestamps.
import type { RecordedAwsCall } from '../support/fake-aws';
import type { RecordedRequest } from '../support/kube-api-server';
import type { Sandbox } from '../support/sandbox';

export type RequestKind = 'read' | 'write' | 'notify';

export interface BenchRequest {
  system: 'kubernetes' | 'aws';
  kind: RequestKind;
  /** e.g. `get pods argocd/privileged-pod`, `eks:DescribeCluster`, `slack:PostWebhook`. */
  label: string;
  /** The object a write changed, for counting unique mutations. */
  object?: string;
  ok: boolean;
  startedAt: number;
  endedAt: number;
  bearerToken?: string;
  raw: RecordedRequest | RecordedAwsCall;
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

export interface Mark {
  kubernetes: number;
  aws: number;
  connections: number;
}

/** Marks where the recorded requests stand, to take what came after. */
export function mark(sandbox: Sandbox): Mark {
  return { kubernetes: sandbox.kube.requests.length, aws: sandbox.aws.calls.length, connections: sandbox.kube.connectionsOpened };
}

/** Connections to the Kubernetes API opened since the mark: each costs TCP and TLS handshakes on a real network. */
export function connectionsSince(sandbox: Sandbox, since: Mark): number {
  return sandbox.kube.connectionsOpened - since.connections;
}

export function requestsSince(sandbox: Sandbox, since: Pick<Mark, 'kubernetes' | 'aws'>): BenchRequest[] {
  return [...sandbox.kube.requests.slice(since.kubernetes).map(fromKubernetes), ...sandbox.aws.calls.slice(since.aws).map(fromAws)].sort((a, b) => a.startedAt - b.startedAt);
}
