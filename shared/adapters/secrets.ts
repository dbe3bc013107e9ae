import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SDK_CLIENT_DEFAULTS } from './aws';

/**
 * The string value of a Secrets Manager secret. A module of its own, imported on first use, so
 * the client loads only when a secret is read. (Static imports here work with any build of the SDK
 * package; `import()` of a CommonJS build would give only its default export.)
 */
export async function secretString(secretId: string): Promise<string | undefined> {
  const result = await new SecretsManagerClient(SDK_CLIENT_DEFAULTS).send(new GetSecretValueCommand({ SecretId: secretId }));
  return result.SecretString;
}
