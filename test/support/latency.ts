import { performance } from 'node:perf_hooks';

/**
 * The simulated network latency of a request to a local test server, from its arrival: it is
 * served after `there` (half the latency: the way there) and answered after `back` (the full
 * latency: the way back too). Serving happens while the answer travels, as on a real network, so
 * a test server's own work (in a process that shares the machine with the code measured) does not
 * stretch the round trip unless it takes longer than half of it.
 */
export function roundTrip(latencyMs: number): { there: () => Promise<void>; back: () => Promise<void> } {
  const arrivedAt = performance.now();
  const until = (elapsed: number) => sleep(arrivedAt + elapsed - performance.now());
  return { there: () => until(latencyMs / 2), back: () => until(latencyMs) };
}

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
