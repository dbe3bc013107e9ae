/**
 * Works out which service and operation a request is for and renders replies in that service's
 * protocol. All services can share one endpoint URL, so the service is told apart by protocol:
 *
 *  - `/slack/...`                          -> Slack incoming-webhook sink
 *  - `X-Amz-Target: <prefix>.<Operation>`  -> AWS JSON 1.1 (Secrets Manager, SSM), 1.0 (SQS)
 *  - form body / `?Action=` query string   -> AWS query (IAM, SNS, STS), service from the SigV4
 *                                             credential scope, else from the Action name
 *                                             (EC2 speaks its own query dialect, told apart the same way)
 *  - SigV4 scope `s3`                      -> REST-XML (S3, path-style)
 *  - anything else                         -> REST-JSON (EKS, Security Hub, GuardDuty), service from
 *                                             the credential scope, else from the path
 */
import { ec2Error, ec2Lists, ec2Operations, ec2Reply } from './ec2';
import { eksRoutes } from './eks';
import { guardDutyRoutes } from './guardduty';
import { IAM_XML_NAMESPACE, iamOperations } from './iam';
import {
  AwsError,
  credentialScope,
  guessKind,
  header,
  jsonError,
  jsonReply,
  matchRestRoute,
  parseJsonObject,
  queryError,
  queryFields,
  queryReply,
  unflattenQuery,
  type AwsServiceName,
  type CallKind,
  type FakeRequest,
  type JsonVersion,
  type Reply,
  type RestRoute,
  type RpcOperation,
  type ServiceName,
} from './protocol';
import { resolveS3, s3Error } from './s3';
import { secretsManagerOperations } from './secretsmanager';
import { securityHubRoutes } from './securityhub';
import { SNS_XML_NAMESPACE, snsOperations } from './sns';
import { sqsOperations } from './sqs';
import { ssmOperations } from './ssm';
import type { FakeAwsState } from './state';
import { STS_XML_NAMESPACE, stsOperations } from './sts';

export type Wire =
  | { protocol: 'rest-json' }
  | { protocol: 'json'; version?: JsonVersion; queryCompatible?: { namespace: string } }
  | { protocol: 'query'; xmlNamespace: string; action: string }
  | { protocol: 'ec2'; action: string }
  | { protocol: 'rest-xml' }
  | { protocol: 'slack' };

export interface ResolvedCall {
  service: ServiceName;
  operation: string;
  kind: CallKind;
  params: Record<string, unknown>;
  accessKeyId?: string;
  region?: string;
  wire: Wire;
  /** Produces the success payload; throws AwsError for modelled errors. Absent for operations the fake does not implement. */
  run?: () => unknown;
}

const QUERY_SERVICES: Record<'iam' | 'sns' | 'sts', { xmlNamespace: string; operations: Record<string, RpcOperation<FakeAwsState>> }> = {
  iam: { xmlNamespace: IAM_XML_NAMESPACE, operations: iamOperations },
  sts: { xmlNamespace: STS_XML_NAMESPACE, operations: stsOperations },
  sns: { xmlNamespace: SNS_XML_NAMESPACE, operations: snsOperations },
};

const JSON_RPC_SERVICES: Record<string, { service: AwsServiceName; operations: Record<string, RpcOperation<FakeAwsState>>; wire?: Omit<Extract<Wire, { protocol: 'json' }>, 'protocol'> }> = {
  secretsmanager: { service: 'secretsmanager', operations: secretsManagerOperations },
  AmazonSQS: { service: 'sqs', operations: sqsOperations, wire: { version: '1.0', queryCompatible: { namespace: 'com.amazonaws.sqs' } } },
  AmazonSSM: { service: 'ssm', operations: ssmOperations },
};

const REST_SERVICES: Record<'eks' | 'securityhub' | 'guardduty', RestRoute<FakeAwsState>[]> = {
  eks: eksRoutes,
  securityhub: securityHubRoutes,
  guardduty: guardDutyRoutes,
};

const SLACK_PATH_PREFIX = '/slack/';

function isOneOf<K extends string>(value: string | undefined, table: Record<K, unknown>): value is K {
  return value !== undefined && Object.prototype.hasOwnProperty.call(table, value);
}

export function resolveCall(req: FakeRequest, state: FakeAwsState): ResolvedCall {
  const scope = credentialScope(req);
  const signer = { accessKeyId: scope?.accessKeyId, region: scope?.region };

  if (req.rawPath.startsWith(SLACK_PATH_PREFIX)) {
    return { service: 'slack', operation: 'PostWebhook', kind: 'notify', params: parseJsonObject(req.body), wire: { protocol: 'slack' }, run: () => undefined };
  }

  const target = header(req, 'x-amz-target');
  if (target) {
    const [prefix = '', operation = target] = target.split('.');
    const rpc = JSON_RPC_SERVICES[prefix];
    const params = parseJsonObject(req.body);
    const op = rpc?.operations[operation];
    return {
      service: rpc?.service ?? 'unknown',
      operation,
      kind: op?.kind ?? guessKind(req.method, operation),
      params,
      ...signer,
      wire: { protocol: 'json', ...rpc?.wire },
      run: op && (() => op.handle(params, state)),
    };
  }

  if (scope?.service === 's3') {
    const s3 = resolveS3(req, state.s3);
    return { service: 's3', operation: s3.operation, kind: s3.kind, params: s3.params, ...signer, wire: { protocol: 'rest-xml' }, run: s3.run };
  }

  const contentType = header(req, 'content-type') ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded') || req.query.has('Action')) {
    const fields = queryFields(req);
    const action = fields.get('Action') ?? '';
    if (scope?.service === 'ec2' || (scope === undefined && action in ec2Operations)) {
      const params = ec2Lists(unflattenQuery(fields)) as Record<string, unknown>;
      const op = ec2Operations[action];
      return {
        service: 'ec2',
        operation: action,
        kind: op?.kind ?? guessKind('POST', action),
        params,
        ...signer,
        wire: { protocol: 'ec2', action },
        run: op && (() => op.handle(params, state)),
      };
    }
    const service = isOneOf(scope?.service, QUERY_SERVICES)
      ? scope.service
      : scope === undefined
        ? (['iam', 'sts', 'sns'] as const).find((s) => action in QUERY_SERVICES[s].operations)
        : undefined;
    const params = unflattenQuery(fields);
    const op = service ? QUERY_SERVICES[service].operations[action] : undefined;
    return {
      service: service ?? 'unknown',
      operation: action,
      kind: op?.kind ?? guessKind('POST', action),
      params,
      ...signer,
      wire: { protocol: 'query', xmlNamespace: service ? QUERY_SERVICES[service].xmlNamespace : IAM_XML_NAMESPACE, action },
      run: op && (() => op.handle(params, state)),
    };
  }

  const candidates: ('eks' | 'securityhub' | 'guardduty')[] = isOneOf(scope?.service, REST_SERVICES)
    ? [scope.service]
    : scope === undefined
      ? ['eks', 'securityhub']
      : [];
  for (const service of candidates) {
    const match = matchRestRoute(REST_SERVICES[service], req);
    if (match) {
      return {
        service,
        operation: match.route.operation,
        kind: match.route.kind,
        params: match.params,
        ...signer,
        wire: { protocol: 'rest-json' },
        run: () => match.route.handle(match.params, state),
      };
    }
  }
  const query: Record<string, unknown> = {};
  for (const [k, v] of req.query) query[k] = v;
  const operation = `${req.method} ${req.rawPath}`;
  return {
    service: candidates.length === 1 ? candidates[0]! : 'unknown',
    operation,
    kind: guessKind(req.method, operation),
    params: { ...query, ...parseJsonObject(req.body) },
    ...signer,
    wire: { protocol: 'rest-json' },
  };
}

export function unknownOperation(call: ResolvedCall): AwsError {
  return new AwsError(400, 'UnknownOperationException', `FakeAws does not implement ${call.service} operation ${call.operation}`);
}

const SLACK_ERROR_BODIES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
};

export function renderSuccess(call: ResolvedCall, payload: unknown, requestId: string): Reply {
  switch (call.wire.protocol) {
    case 'slack':
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
    case 'query':
      return queryReply(call.wire.xmlNamespace, call.wire.action, payload, requestId);
    case 'json':
      return jsonReply('json', payload, requestId, call.wire.version);
    case 'ec2':
      return ec2Reply(call.wire.action, payload, requestId);
    case 'rest-xml':
      // S3 handlers build their whole reply (status, headers such as ETag, body).
      return payload as Reply;
    default:
      return jsonReply(call.wire.protocol, payload, requestId);
  }
}

export function renderError(call: ResolvedCall, error: AwsError, requestId: string): Reply {
  switch (call.wire.protocol) {
    case 'slack': {
      const body = SLACK_ERROR_BODIES[error.status] ?? (error.status >= 500 ? 'internal_error' : error.code);
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (error.status === 429) headers['retry-after'] = '1';
      return { status: error.status, headers, body };
    }
    case 'query':
      return queryError(call.wire.xmlNamespace, error, requestId);
    case 'json':
      return jsonError('json', error, requestId, call.wire.version, call.wire.queryCompatible);
    case 'ec2':
      return ec2Error(error, requestId);
    case 'rest-xml':
      return s3Error(error, requestId);
    default:
      return jsonError(call.wire.protocol, error, requestId);
  }
}
