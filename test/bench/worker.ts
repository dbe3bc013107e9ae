// A Lambda execution environment for the benchmark: a fresh process that loads one packaged
// handler module (argv[2]) and invokes it on the events the parent sends, reporting outcomes,
// wall time, CPU, memory and garbage-collection pauses. Run through `fork` from handler-process.ts.
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { InvokeReply, InvokeRequest, InvocationOutcome, ReadyMessage } from './handler-process';

type Report = { incidentId: string; decision: string; actions: { action: string; target: string; status: string; detail: string }[] };
/** The guardduty function answers one report, the manual-playbook function a list. */
type Handler = (event: unknown) => Promise<Report | Report[]>;

let handler: Handler;

// Garbage-collection pauses stop the handler's one thread: where one falls on the critical path,
// the figures say how much of it was the collector rather than the responder's own work.
const collections: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => collections.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });

/** The pauses since `since` (performance.now()), in epoch milliseconds. Entries of the last turn are still queued: taken with them. */
async function pausesSince(since: number): Promise<{ startedAt: number; ms: number }[]> {
  await new Promise((resolve) => setImmediate(resolve));
  const entries = [...collections.splice(0), ...gcObserver.takeRecords()];
  return entries.filter((entry) => entry.startTime >= since).map((entry) => ({ startedAt: performance.timeOrigin + entry.startTime, ms: entry.duration }));
}

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
    const sampler = request.samplePeakRss ? setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5) : undefined;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const invokedAt = performance.timeOrigin + started;
    // All at once, as a burst of deliveries to one warm environment would arrive.
    const outcomes = await Promise.all(request.events.map(invoke));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const gcPauses = await pausesSince(started);
    const reply: InvokeReply = { id: request.id, outcomes, invokedAt, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssBefore, peakRss, gcPauses };
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
