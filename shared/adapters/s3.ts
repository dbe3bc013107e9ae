import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { SDK_CLIENT_DEFAULTS } from './aws';

/**
 * Puts objects with one S3 client. A module of its own, imported on first use: the S3 client is
 * large and only evidence uploads need it. (Importing the SDK package itself with `import()`
 * would give a bundled ES module only its CommonJS default export.)
 */
export function s3Put(): (input: PutObjectCommandInput) => Promise<void> {
  // The bucket may live in another region than the responder: follow S3's redirect.
  const client = new S3Client({ ...SDK_CLIENT_DEFAULTS, followRegionRedirects: true });
  return async (input) => {
    await client.send(new PutObjectCommand(input));
  };
}
