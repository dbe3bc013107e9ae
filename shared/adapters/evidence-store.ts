import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { EvidenceStore } from './ports';

/**
 * Evidence in S3, encrypted with SSE-KMS (the given key, else the account's aws/s3 key). S3 is
 * asked to verify a SHA-256 checksum of each object, so the store itself attests what it received;
 * the bucket should have object lock (see README) so nothing written can be changed afterwards.
 */
/** The S3 client module is large and only evidence uploads need it: loaded with the first one. */
const loadS3 = async () => (await import('./s3')).s3Put();

export class S3EvidenceStore implements EvidenceStore {
  readonly location: string;
  private s3?: ReturnType<typeof loadS3>;

  constructor(
    private readonly bucket: string,
    private readonly kmsKeyId: string | undefined,
  ) {
    this.location = `s3://${bucket}/`;
  }

  async put(key: string, body: string, contentType: string): Promise<string> {
    this.s3 ??= loadS3();
    const put = await this.s3;
    await put({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      // Given explicitly: S3 needs it, and the SDK does not send it for an empty body.
      ContentLength: Buffer.byteLength(body, 'utf8'),
      ContentType: contentType,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: this.kmsKeyId,
      ChecksumAlgorithm: 'SHA256',
    });
    return `${this.location}${key}`;
  }
}

/** The same bundle in a local directory, for the command line without a bucket. */
export class DirectoryEvidenceStore implements EvidenceStore {
  readonly location: string;
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
    this.location = `file://${this.root}/`;
  }

  async put(key: string, body: string): Promise<string> {
    const path = join(this.root, key);
    // Keys are built from object names; never let one climb out of the evidence directory.
    if (isAbsolute(key) || !path.startsWith(`${this.root}${sep}`)) throw new Error(`evidence key ${JSON.stringify(key)} leaves ${this.root}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body, { flag: 'wx' });
    return `file://${path}`;
  }
}
