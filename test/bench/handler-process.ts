// Parent side of worker.ts: one fresh process per scenario is one cold start.
import { fork, type ChildProcess } from 'node:child_process';
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
}

export interface InvokeReply {
  id: number;
  outcomes: InvocationOutcome[];
  /** When the handler was called, in epoch milliseconds (the servers' clock). */
  invokedAt: number;
  wallMs: number;
  rssBefore: number;
  peakRss: number;
}

export class HandlerProcess {
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {}

  /** Starts a process that loads the bundle; the environment is what the function would be configured with. */
  static async start(bundlePath: string, env: Record<string, string | undefined>): Promise<HandlerProcess> {
    const child = fork(join(__dirname, 'worker.ts'), [bundlePath], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`handler process exited with code ${code} before it was ready`)));
    });
    return new HandlerProcess(child);
  }

  /** Delivers the events at once; resolves when every invocation has ended. */
  invoke(events: unknown[]): Promise<InvokeReply> {
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
      this.child.send({ id, events } satisfies InvokeRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}
