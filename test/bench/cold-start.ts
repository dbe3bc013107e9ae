// Module-init time of each bundle: `require` of the bundle in a fresh `node` process, as the
// Lambda runtime does during INIT, timed inside that process. Median over many processes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HEAVY_MODULES, SNS_ONLY, type Bundle } from './bundles';

const run = promisify(execFile);

const TIME_INIT = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
require(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

// Runs the probe build (heavy modules external) with those modules stubbed, recording which
// of them module init asks for. A stub answers anything, so init runs to its end.
const PROBE_INIT = `
const Module = require('node:module');
const heavy = JSON.parse(process.argv[2]);
const requested = new Set();
const stub = new Proxy(function () {}, { get: (_, key) => (key === Symbol.toPrimitive ? () => '' : stub), apply: () => stub, construct: () => stub });
const load = Module._load;
Module._load = function (request, ...rest) {
  const hit = heavy.find((name) => request === name || request.startsWith(name + '/'));
  if (hit) { requested.add(hit); return stub; }
  return load.call(this, request, ...rest);
};
try { require(process.argv[1]); } catch {}
process.stdout.write(JSON.stringify([...requested]));
`;

export interface ColdStart {
  name: string;
  bytes: number;
  medianInitMs: number;
  /** Median init time over the SNS-only bundle's. */
  ratio: number;
  /** Heavy modules required during module init (loaded before the handler runs). */
  loadedAtInit: string[];
  /** Heavy modules in the bundle at all (loaded later, on demand, when not at init). */
  bundled: string[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const quietEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };

async function initTime(bundle: Bundle): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', TIME_INIT, bundle.path], { env: quietEnv });
  return Number(stdout);
}

async function heavyLoadedAtInit(bundle: Bundle): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['-e', PROBE_INIT, bundle.probePath, JSON.stringify(HEAVY_MODULES)], { env: quietEnv });
  return JSON.parse(stdout) as string[];
}

/** One process at a time, bundles interleaved, so background noise spreads over all of them alike. */
export async function measureColdStarts(bundles: Bundle[], runs: number): Promise<ColdStart[]> {
  const samples = new Map<string, number[]>(bundles.map((bundle) => [bundle.name, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const bundle of bundles) samples.get(bundle.name)?.push(await initTime(bundle));
  }
  const reference = median(samples.get(SNS_ONLY) ?? []);
  const results: ColdStart[] = [];
  for (const bundle of bundles) {
    const medianInitMs = median(samples.get(bundle.name) ?? []);
    results.push({
      name: bundle.name,
      bytes: bundle.bytes,
      medianInitMs,
      ratio: medianInitMs / reference,
      loadedAtInit: await heavyLoadedAtInit(bundle),
      bundled: bundle.contains,
    });
  }
  return results;
}
