// metav1.Status error bodies as kube-apiserver returns them, and the error type the fake server throws internally.

/** Default `reason` for each HTTP code the fake server answers with. */
export const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The `details` block of a Status body. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason: string; message: string; field: string }>;
  retryAfterSeconds?: number;
}

/** An error that the HTTP layer turns into a Status body with `code` as the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body of the error, shaped like metav1.Status. */
  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status.details = this.details;
    status.code = this.code;
    return status;
  }
}

/** What the errors below need to know about a resource. */
export interface QualifiedResource {
  group: string;
  resource: string;
  kind: string;
}

/** `pods` for the core group, `deployments.apps` otherwise, as kube-apiserver prints resources in messages. */
export function qualifiedName(def: QualifiedResource): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

function detailsFor(def: QualifiedResource, name: string): StatusDetails {
  return def.group ? { name, group: def.group, kind: def.resource } : { name, kind: def.resource };
}

/** 404 for a named object that is not stored. */
export function notFound(def: QualifiedResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(def)} "${name}" not found`, detailsFor(def, name));
}

/** 404 for a path that names no API group, version or resource. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 AlreadyExists from a create of an existing name. */
export function alreadyExists(def: QualifiedResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(def)} "${name}" already exists`, detailsFor(def, name));
}

/** 409 Conflict from a stale resourceVersion or a failed precondition. */
export function conflict(def: QualifiedResource, name: string, why?: string): ApiError {
  const reason = why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(def)} "${name}": ${reason}`,
    detailsFor(def, name),
  );
}

/** 422 Invalid with one field cause. */
export function invalid(def: QualifiedResource, name: string, field: string, message: string, causeReason = 'FieldValueInvalid'): ApiError {
  return new ApiError(422, 'Invalid', `${def.kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: def.group || undefined,
    kind: def.kind,
    causes: [{ reason: causeReason, message, field }],
  });
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** A Status Failure with any code, used by `failNext`. */
export function injectedFailure(code: number, reason: string | undefined, def: QualifiedResource | undefined, name?: string): ApiError {
  const finalReason = reason ?? REASON_BY_CODE[code] ?? 'Unknown';
  const target = def ? (name ? `${qualifiedName(def)} "${name}"` : qualifiedName(def)) : 'the request';
  const details: StatusDetails = def && name ? detailsFor(def, name) : {};
  const headers: Record<string, string> = {};
  if (code === 429) {
    details.retryAfterSeconds = 1;
    headers['Retry-After'] = '1';
  }
  return new ApiError(code, finalReason, `injected ${finalReason} (${code}) for ${target}`, details, headers);
}
