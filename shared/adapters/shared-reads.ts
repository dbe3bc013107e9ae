/**
 * Reads shared by the concurrent invocations of one warm process (a burst of findings about the
 * same pods): a read in flight is joined, and its answer is reused for `shareForMs` after it
 * arrives, unless the object was written since. Only reads (and what a write answered, see
 * `answered`) are shared; every write goes out and makes the written objects' cached answers
 * stale, here and in every invocation's own memo.
 */
export class SharedReads {
  private readonly entries = new Map<string, { value: Promise<unknown>; version: number; arrivedAt?: number }>();
  private readonly versions = new Map<string, number>();
  private writes = 0;

  constructor(
    readonly shareForMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The number of the last write to `key` (0 if none): it changes each time `key` is written, so a copy read at an older version may be stale. */
  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  /** The number of the last write to anything, so a list can tell whether anything changed while it was in flight. */
  get writeCount(): number {
    return this.writes;
  }

  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.version(key);
    const entry = this.entries.get(key);
    if (entry && entry.version === version && (entry.arrivedAt === undefined || this.now() - entry.arrivedAt < this.shareForMs)) {
      return entry.value as Promise<T>;
    }
    return this.refresh(key, load);
  }

  /** Reads again whatever is shared, and shares the new answer. */
  refresh<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.version(key);
    if (this.entries.size > 1000) this.forgetExpired();
    const value = load();
    const fresh: { value: Promise<unknown>; version: number; arrivedAt?: number } = { value, version };
    this.entries.set(key, fresh);
    value.then(
      () => (fresh.arrivedAt = this.now()),
      () => this.entries.get(key) === fresh && this.entries.delete(key),
    );
    return value;
  }

  /** Shares what a write answered (the object as it now is) as if it had just been read. */
  answered(key: string, value: unknown): void {
    this.entries.set(key, { value: Promise.resolve(value), version: this.version(key), arrivedAt: this.now() });
  }

  /** Call when a write to these keys starts and again when it ends: reads from before are stale. Answers the write's number. */
  written(keys: string[]): number {
    this.writes += 1;
    for (const key of keys) {
      this.versions.set(key, this.writes);
      this.entries.delete(key);
    }
    return this.writes;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.arrivedAt !== undefined && now - entry.arrivedAt >= this.shareForMs) this.entries.delete(key);
    }
  }
}
