/**
 * Loads the adapters of the AWS services a playbook is going to call (their modules and clients)
 * before their first call, one after another, once `start` says the moment has come (a cluster
 * connection is open: the targets are being resolved and the process mostly waits on the
 * Kubernetes API). A function that never connects, or never wants them, loads them only if and
 * when it calls them.
 */
export class Preloader {
  private readonly wanted = new Set<string>();
  private started = false;
  private chain: Promise<unknown> = Promise.resolve();

  /** `loaders` by service (the prefix of its IAM actions: iam, ec2, sns, ...); each loads once however often called. */
  constructor(private readonly loaders: Readonly<Record<string, (() => Promise<unknown>) | undefined>>) {}

  want(services: Iterable<string>): void {
    for (const service of services) {
      if (!this.loaders[service] || this.wanted.has(service)) continue;
      this.wanted.add(service);
      if (this.started) this.load(service);
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const service of this.wanted) this.load(service);
  }

  // In turn, not at once: each load blocks the process, and requests made meanwhile go out in between.
  private load(service: string): void {
    const load = this.loaders[service];
    if (load) this.chain = this.chain.then(load).catch(() => undefined);
  }
}
