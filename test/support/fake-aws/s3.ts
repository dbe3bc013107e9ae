/**
 * Amazon S3 (REST-XML, path-style addressing: `PUT /{bucket}/{key}`; the SDK uses path style by
 * itself for an endpoint that is an IP address). Objects are kept with the headers that matter
 * for evidence: content type, server-side encryption, KMS key, checksum.
 */
import { createHash } from 'node:crypto';
import { AwsError, header, xmlEscape, type CallKind, type FakeRequest, type Reply } from './protocol';

export interface StoredObject {
  bucket: string;
  key: string;
  body: string;
  contentType?: string;
  serverSideEncryption?: string;
  kmsKeyId?: string;
  checksumCrc32?: string;
  /** Base64 SHA-256 the client sent (`ChecksumAlgorithm: 'SHA256'`); verified against the body like S3 does. */
  checksumSha256?: string;
  etag: string;
}

export class S3State {
  readonly buckets = new Map<string, Map<string, StoredObject>>();

  addBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  bucket(name: string): Map<string, StoredObject> {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new AwsError(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
    return bucket;
  }
}

export interface S3Call {
  operation: string;
  kind: CallKind;
  params: Record<string, unknown>;
  run?: () => Reply;
}

function target(req: FakeRequest): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = req.rawPath.split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')) };
}

export function resolveS3(req: FakeRequest, state: S3State): S3Call {
  const { bucket, key } = target(req);
  if (req.method === 'PUT' && key && !header(req, 'x-amz-copy-source')) {
    const object: StoredObject = {
      bucket,
      key,
      body: req.body,
      contentType: header(req, 'content-type'),
      serverSideEncryption: header(req, 'x-amz-server-side-encryption'),
      kmsKeyId: header(req, 'x-amz-server-side-encryption-aws-kms-key-id'),
      checksumCrc32: header(req, 'x-amz-checksum-crc32'),
      checksumSha256: header(req, 'x-amz-checksum-sha256'),
      etag: `"${createHash('md5').update(req.body).digest('hex')}"`,
    };
    const { body: _body, etag: _etag, ...params } = object;
    return {
      operation: 'PutObject',
      kind: 'write',
      params: { ...params, ContentLength: Buffer.byteLength(req.body) },
      run: () => {
        if (header(req, 'content-encoding')?.includes('aws-chunked')) throw new AwsError(501, 'NotImplemented', 'FakeAws does not decode aws-chunked bodies');
        if (object.checksumSha256 && object.checksumSha256 !== createHash('sha256').update(req.body).digest('base64')) {
          throw new AwsError(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        }
        state.bucket(bucket).set(key, object);
        const headers: Record<string, string> = { etag: object.etag };
        if (object.serverSideEncryption) headers['x-amz-server-side-encryption'] = object.serverSideEncryption;
        if (object.kmsKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = object.kmsKeyId;
        return { status: 200, headers, body: '' };
      },
    };
  }
  if (req.method === 'GET' && key) {
    return {
      operation: 'GetObject',
      kind: 'read',
      params: { bucket, key },
      run: () => {
        const object = state.bucket(bucket).get(key);
        if (!object) throw new AwsError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
        return { status: 200, headers: { 'content-type': object.contentType ?? 'binary/octet-stream', etag: object.etag }, body: object.body };
      },
    };
  }
  return { operation: `${req.method} ${req.rawPath}`, kind: req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write', params: { bucket, key } };
}

export function s3Error(error: AwsError, requestId: string): Reply {
  const extra = Object.entries(error.fields).map(([name, value]) => `<${name}>${xmlEscape(String(value))}</${name}>`).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
  return { status: error.status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
}
