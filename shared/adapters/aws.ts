// Shared by every SDK adapter; each SDK client lives in its own module, loaded when first needed.
/** The SDK's standard retry mode already backs off with jitter on throttling and 5xx; we allow more attempts. */
export const SDK_CLIENT_DEFAULTS = { maxAttempts: 5 } as const;

/**
 * For clients whose middleware never changes once built: the SDK resolves the stack once per
 * command class instead of on every call. A warm handler runs the SDK's code mostly
 * unoptimised, where that resolution takes its one thread a fraction of a millisecond per
 * request: about 3 ms of a Deployment quarantine's 31 calls, profiled (npm run bench). Not for
 * EKS (the cluster lookup adds middleware to its own DescribeCluster), DynamoDB (lib-dynamodb
 * refuses it) nor S3 (a region redirect writes into the context the cached calls share).
 */
export const RESOLVED_ONCE_CLIENT_DEFAULTS = { ...SDK_CLIENT_DEFAULTS, cacheMiddleware: true } as const;

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
