import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { SDK_CLIENT_DEFAULTS } from './aws';

/**
 * Puts objects with one S3 client. A module of its own, imported on first use: the S3 client is
 * large and only evidence uploads need it. (Static imports here work with any build of the SDK
 * package; `import()` of a CommonJS build would give only its default export.)
 */
export function s3Put(): (input: PutObjectCommandInput) => Promise<void> {
  // The bucket may live in another region than the responder: follow S3's redirect.
  const client = new S3Client({ ...SDK_CLIENT_DEFAULTS, followRegionRedirects: true });
  return async (input) => {
    await client.send(new PutObjectCommand(input));
  };
}
