// Parent side of worker.ts: one fresh process per scenario is one cold start.
import { buildSync } from 'esbuild';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ActionSummary {
  action: string;
  target: string;
  status: string;
  detail: string;
}

export type InvocationOutcome = { ok: true; reports: { incidentId: string; decision: string; actions: ActionSummary[] }[] } | { ok: false; error: string };

export interface InvokeRequest {
  id: number;
  events: unknown[];
  /**
   * Sample the resident set every 5 ms for the peak. Only the burst reports it: elsewhere the
   * sampler's timer would run on the handler's thread, inside the critical path being measured.
   */
  samplePeakRss: boolean;
}

export interface InvokeReply {
  id: number;
  outcomes: InvocationOutcome[];
  /** When the handler was called, in epoch milliseconds (the servers' clock). */
  invokedAt: number;
  wallMs: number;
  rssBefore: number;
  /** The highest resident set seen: sampled while the handler ran if asked, else at its end. */
  peakRss: number;
  /** CPU the handler process used during the invocation (user and system, every thread), in ms. */
  cpuMs: number;
  /** Garbage-collection pauses during the invocation: start in epoch milliseconds, duration. */
  gcPauses: { startedAt: number; ms: number }[];
}

let compiledWorker: string | undefined;

/**
 * worker.ts as plain JavaScript, compiled once per bench run: the handler process runs on plain
 * `node`, as Lambda runs it. Forked as TypeScript it would inherit the bench's TypeScript loader
 * (tsx), whose module hooks about double module init and every chunk the handler loads later.
 */
function workerScript(): string {
  if (!compiledWorker) {
    const directory = mkdtempSync(join(tmpdir(), 'eks-responder-bench-worker-'));
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    compiledWorker = join(directory, 'worker.mjs');
    buildSync({ entryPoints: [join(__dirname, 'worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: compiledWorker, logLevel: 'error' });
  }
  return compiledWorker;
}

/** Sent once the handler module has loaded. */
export interface ReadyMessage {
  ready: true;
  /** Module init: the `import()` of the handler module, in the process, as cold-start.ts times it. */
  initMs: number;
}

export class HandlerProcess {
  private nextId = 0;

  private constructor(
    private readonly child: ChildProcess,
    /** How long the handler module took to load (module init). */
    readonly initMs: number,
  ) {}

  /** Starts a process that loads the bundle; the environment is what the function would be configured with. */
  static async start(bundlePath: string, env: Record<string, string | undefined>): Promise<HandlerProcess> {
    const child = fork(workerScript(), [bundlePath], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      child.once('message', (message: ReadyMessage) => resolve(message));
      child.once('exit', (code) => reject(new Error(`handler process exited with code ${code} before it was ready`)));
    });
    return new HandlerProcess(child, ready.initMs);
  }

  /** Delivers the events at once; resolves when every invocation has ended. */
  invoke(events: unknown[], { samplePeakRss = false } = {}): Promise<InvokeReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`handler process exited with code ${code}`));
      this.child.once('exit', onExit);
      const onMessage = (reply: InvokeReply) => {
        if (reply.id !== id) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(reply);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, events, samplePeakRss } satisfies InvokeRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}
