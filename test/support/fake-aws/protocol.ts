/**
 * Wire-level helpers shared by the FakeAws service handlers: request parsing, the three AWS
 * protocols the responder's SDK clients speak (REST-JSON, AWS JSON 1.1, AWS query) and their
 * success/error envelopes, shaped the way the AWS SDK v3 deserializers expect them.
 */
import { randomUUID } from 'node:crypto';

export type AwsServiceName = 'eks' | 'iam' | 'sns' | 'sts' | 'secretsmanager' | 'securityhub' | 'guardduty' | 'sqs' | 'ec2' | 's3' | 'ssm';
export type ServiceName = AwsServiceName | 'slack' | 'unknown';
export type Protocol = 'rest-json' | 'json' | 'query';

/**
 * read: no side effect. write: changes AWS resource state (what a dry run must not do).
 * notify: sends a notification (SNS Publish, Slack webhook).
 */
export type CallKind = 'read' | 'write' | 'notify';

export interface FakeRequest {
  method: string;
  /** Raw (still percent-encoded) path, without the query string. */
  rawPath: string;
  /** Decoded path segments. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A modelled service error. Handlers throw it; the router renders it in the caller's protocol. */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra members of the error shape (e.g. EKS `clusterName`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The SigV4 credential scope, from the Authorization header or a presigned URL's X-Amz-Credential. */
export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

export function header(req: FakeRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function credentialScope(req: FakeRequest): CredentialScope | undefined {
  const credential = header(req, 'authorization')?.match(/Credential=([^,\s]+)/)?.[1] ?? req.query.get('X-Amz-Credential') ?? undefined;
  if (!credential) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

export function parseRequest(method: string, url: string, headers: FakeRequest['headers'], body: string): FakeRequest {
  const parsed = new URL(url, 'http://fake-aws.invalid');
  const segments = parsed.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
  return { method: method.toUpperCase(), rawPath: parsed.pathname, segments, query: parsed.searchParams, headers, body };
}

export function parseJsonObject(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { rawBody: body };
  }
}

/* ------------------------------------------------------------------------------------------------
 * AWS query protocol (IAM, SNS, STS)
 * ---------------------------------------------------------------------------------------------- */

/** All form fields of a query request: the body and, for presigned GETs, the URL query (minus signing fields). */
export function queryFields(req: FakeRequest): URLSearchParams {
  const fields = new URLSearchParams();
  for (const [k, v] of req.query) if (!k.startsWith('X-Amz-')) fields.append(k, v);
  for (const [k, v] of new URLSearchParams(req.body)) fields.append(k, v);
  return fields;
}

/**
 * Turns flattened query fields into nested values the way the SDK's QueryShapeSerializer flattened
 * them: `A.member.N` becomes an array, `A.entry.N.{key|Name|Key}` + `.{value|Value}` a map, and
 * `A.B` a nested object. Scalar values stay strings (the query protocol carries no types).
 * `Action` and `Version` are dropped.
 */
export function unflattenQuery(fields: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
      } else {
        const next = node[part];
        node = next !== null && typeof next === 'object' ? (next as Record<string, unknown>) : (node[part] = {});
      }
    });
  }
  return normalizeQueryNode(root) as Record<string, unknown>;
}

function normalizeQueryNode(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  const byIndex = (children: unknown) =>
    Object.entries(children as Record<string, unknown>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => normalizeQueryNode(v));
  if (keys.length === 1 && keys[0] === 'member') return byIndex(obj.member);
  if (keys.length === 1 && keys[0] === 'entry') {
    const map: Record<string, unknown> = {};
    for (const entry of byIndex(obj.entry) as Record<string, unknown>[]) {
      const k = entry.key ?? entry.Key ?? entry.Name;
      map[String(k)] = entry.value ?? entry.Value;
    }
    return map;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = normalizeQueryNode(obj[k]);
  return out;
}

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/**
 * Serializes a value as AWS query-protocol XML: arrays become `<member>` lists, plain objects
 * nested elements, Dates ISO-8601 timestamps. `undefined` members are omitted.
 */
export function toXml(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

export function queryReply(xmlNamespace: string, action: string, result: unknown, requestId: string): Reply {
  const resultXml = result === undefined ? '' : toXml(`${action}Result`, result);
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${xmlNamespace}">${resultXml}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function queryError(xmlNamespace: string, error: AwsError, requestId: string): Reply {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${type}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/* ------------------------------------------------------------------------------------------------
 * JSON protocols (REST-JSON: EKS, Security Hub, GuardDuty; AWS JSON 1.1: Secrets Manager)
 * ---------------------------------------------------------------------------------------------- */

/** JSON protocols carry timestamps as epoch seconds (the SDK default for REST-JSON and JSON 1.x). */
function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, epochSeconds(v)]));
  }
  return value;
}

/** AWS JSON 1.0 (SQS) and 1.1 (Secrets Manager) differ on the wire only in their content type here. */
export type JsonVersion = '1.0' | '1.1';

export function jsonReply(protocol: 'rest-json' | 'json', payload: unknown, requestId: string, version: JsonVersion = '1.1'): Reply {
  const contentType = protocol === 'json' ? `application/x-amz-json-${version}` : 'application/json';
  return {
    status: 200,
    headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
    body: JSON.stringify(epochSeconds(payload ?? {})),
  };
}

/**
 * `queryCompatible` (SQS): the error type is namespaced and the query-protocol code travels in
 * `x-amzn-query-error`, as services migrated from the query protocol answer.
 */
export function jsonError(protocol: 'rest-json' | 'json', error: AwsError, requestId: string, version: JsonVersion = '1.1', queryCompatible?: { namespace: string }): Reply {
  const contentType = protocol === 'json' ? `application/x-amz-json-${version}` : 'application/json';
  const type = queryCompatible ? `${queryCompatible.namespace}#${error.code}` : error.code;
  const body = protocol === 'json' ? { __type: type, Message: error.message, ...error.fields } : { message: error.message, ...error.fields };
  const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code };
  if (queryCompatible) headers['x-amzn-query-error'] = `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
  return { status: error.status, headers, body: JSON.stringify(body) };
}

export function newRequestId(): string {
  return randomUUID();
}

/* ------------------------------------------------------------------------------------------------
 * REST routing
 * ---------------------------------------------------------------------------------------------- */

export interface RestRoute<Ctx> {
  method: string;
  /** e.g. `/clusters/{clusterName}/node-groups/{nodegroupName}` (labels as the SDK model names them). */
  path: string;
  operation: string;
  kind: CallKind;
  handle(params: Record<string, unknown>, ctx: Ctx): unknown;
}

export interface RestMatch<Ctx> {
  route: RestRoute<Ctx>;
  /** Path labels, then query parameters, then JSON body members. */
  params: Record<string, unknown>;
}

export function matchRestRoute<Ctx>(routes: readonly RestRoute<Ctx>[], req: FakeRequest): RestMatch<Ctx> | undefined {
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const pattern = route.path.split('/').filter((s) => s.length > 0);
    if (pattern.length !== req.segments.length) continue;
    const labels: Record<string, unknown> = {};
    const ok = pattern.every((p, i) => {
      const label = p.match(/^\{(.+)\}$/)?.[1];
      if (label) labels[label] = req.segments[i];
      return label !== undefined || p === req.segments[i];
    });
    if (!ok) continue;
    const query: Record<string, unknown> = {};
    for (const [k, v] of req.query) query[k] = v;
    return { route, params: { ...labels, ...query, ...parseJsonObject(req.body) } };
  }
  return undefined;
}

/** Read-only by naming convention; used for operations the fake does not implement. */
export function guessKind(method: string, operation: string): CallKind {
  if (method === 'GET' || method === 'HEAD') return 'read';
  return /^(Get|List|Describe|BatchGet|Search)/.test(operation) ? 'read' : 'write';
}

/* ------------------------------------------------------------------------------------------------
 * RPC operation tables (AWS query and AWS JSON 1.1 services)
 * ---------------------------------------------------------------------------------------------- */

export interface RpcOperation<Ctx> {
  kind: CallKind;
  /** Returns the `<Action>Result` members (query) or the JSON output; `undefined` for no output. */
  handle(params: Record<string, unknown>, ctx: Ctx): unknown;
}
