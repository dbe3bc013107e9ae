// Shared by every SDK adapter; each SDK client lives in its own module, loaded when first needed.
/** The SDK's standard retry mode already backs off with jitter on throttling and 5xx; we allow more attempts. */
export const SDK_CLIENT_DEFAULTS = { maxAttempts: 5 } as const;

/** One client per region per cold start, reused by every warm invocation. */
export class RegionalClients<T> {
  private readonly clients = new Map<string, T>();
  constructor(private readonly create: (region: string) => T) {}
  get(region: string): T {
    let client = this.clients.get(region);
    if (!client) {
      client = this.create(region);
      this.clients.set(region, client);
    }
    return client;
  }
}
