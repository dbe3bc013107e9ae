// A Lambda execution environment for the benchmark: a fresh process that loads one packaged
// handler module (argv[2]) and invokes it on the events the parent sends, reporting outcomes,
// wall time and memory. Run through `fork` from handler-process.ts.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { InvokeReply, InvokeRequest, InvocationOutcome, ReadyMessage } from './handler-process';

type Report = { incidentId: string; decision: string; actions: { action: string; target: string; status: string; detail: string }[] };
/** The guardduty function answers one report, the manual-playbook function a list. */
type Handler = (event: unknown) => Promise<Report | Report[]>;

let handler: Handler;

async function invoke(event: unknown): Promise<InvocationOutcome> {
  try {
    const report = await handler(event);
    const reports = Array.isArray(report) ? report : [report];
    return { ok: true, reports: reports.map(({ incidentId, decision, actions }) => ({ incidentId, decision, actions: actions.map(({ action, target, status, detail }) => ({ action, target, status, detail })) })) };
  } catch (error) {
    return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

process.on('message', (request: InvokeRequest) => {
  void (async () => {
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    // rss() alone: the full memoryUsage() also walks the V8 heap, CPU taken from the handler measured.
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5);
    const started = performance.now();
    const invokedAt = performance.timeOrigin + started;
    // All at once, as a burst of deliveries to one warm environment would arrive.
    const outcomes = await Promise.all(request.events.map(invoke));
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const reply: InvokeReply = { id: request.id, outcomes, invokedAt, wallMs, rssBefore, peakRss };
    process.send?.(reply);
  })();
});

// The handler is an ES module, loaded as the Lambda runtime loads it during INIT; timed as
// cold-start.ts times it, so a cold start's module init and first invocation add up.
const loading = performance.now();
void import(pathToFileURL(process.argv[2]).href).then((module: { handler: Handler }) => {
  handler = module.handler;
  const ready: ReadyMessage = { ready: true, initMs: performance.now() - loading };
  process.send?.(ready);
}, (error: Error) => {
  process.stderr.write(`handler module did not load: ${error.message}\n`);
  process.exit(1);
});
