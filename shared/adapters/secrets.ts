import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SDK_CLIENT_DEFAULTS } from './aws';

/**
 * The string value of a Secrets Manager secret. A module of its own, imported on first use, so
 * the client loads only when a secret is read. (Importing the SDK package itself with `import()`
 * would give a bundled ES module only its CommonJS default export.)
 */
export async function secretString(secretId: string): Promise<string | undefined> {
  const result = await new SecretsManagerClient(SDK_CLIENT_DEFAULTS).send(new GetSecretValueCommand({ SecretId: secretId }));
  return result.SecretString;
}
