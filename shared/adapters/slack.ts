import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SlackPort } from './ports';

/** Posts to a Slack incoming webhook. The URL is a credential: it is never logged. */
export class SlackWebhook implements SlackPort {
  constructor(private readonly resolveUrl: () => Promise<string>) {}

  async post(payload: unknown): Promise<void> {
    const url = await this.resolveUrl();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) {
      throw new Error(`Slack webhook answered HTTP ${response.status}`);
    }
  }
}

/** Reads the webhook URL from Secrets Manager once per cold start. */
export function webhookUrlFromSecret(secretId: string, client = new SecretsManagerClient({ maxAttempts: 5 })): () => Promise<string> {
  let url: Promise<string> | undefined;
  return () => {
    url ??= client.send(new GetSecretValueCommand({ SecretId: secretId })).then((result) => {
      const value = result.SecretString?.trim();
      if (!value) throw new Error(`secret ${secretId} has no string value`);
      // Accept either the bare URL or a JSON secret {"url": "..."}.
      return value.startsWith('{') ? (JSON.parse(value) as { url: string }).url : value;
    });
    url.catch(() => (url = undefined));
    return url;
  };
}
