/**
 * At most `limit` calls in flight; the others wait their turn, first come first served. One
 * limiter per API (a cluster's Kubernetes API, IAM) keeps a burst of findings from flooding it.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, got ${limit}`);
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.active;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    // A finishing call hands its slot to the next waiter, so `active` stays counted.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
