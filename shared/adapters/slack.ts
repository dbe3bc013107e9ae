import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SlackPort } from './ports';

const TIMEOUT_MS = 5000;

/**
 * Posts to a Slack incoming webhook. The URL is a credential: it is never logged. Sent with
 * node:https (its default agent keeps connections alive briefly) rather than fetch, whose first
 * use loads undici and costs a cold start about a round trip.
 */
export class SlackWebhook implements SlackPort {
  constructor(private readonly resolveUrl: () => Promise<string>) {}

  /** Resolves the URL ahead of the first post; a failure is left for the post to report. */
  prepare(): void {
    this.resolveUrl().catch(() => undefined);
  }

  async post(payload: unknown): Promise<void> {
    const status = await this.send(new URL(await this.resolveUrl()), JSON.stringify(payload));
    if (status < 200 || status >= 300) {
      throw new Error(`Slack webhook answered HTTP ${status}`);
    }
  }

  private send(url: URL, body: string): Promise<number> {
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      const timer = setTimeout(() => request.destroy(new Error(`Slack webhook did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      request.on('close', () => clearTimeout(timer));
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** Reads the webhook URL from Secrets Manager once per cold start; the client is loaded on first use. */
export function webhookUrlFromSecret(secretId: string): () => Promise<string> {
  let url: Promise<string> | undefined;
  return () => {
    url ??= import('./secrets').then(async ({ secretString }) => {
      const value = (await secretString(secretId))?.trim();
      if (!value) throw new Error(`secret ${secretId} has no string value`);
      // Accept either the bare URL or a JSON secret {"url": "..."}.
      return value.startsWith('{') ? (JSON.parse(value) as { url: string }).url : value;
    });
    url.catch(() => (url = undefined));
    return url;
  };
}
