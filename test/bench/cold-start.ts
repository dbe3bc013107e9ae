// Module-init time of each bundle: `import()` of the handler module in a fresh `node` process,
// as the Lambda runtime does during INIT for an ES module handler, timed inside that process.
// Median over many processes.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { modulesLoadedBy } from '../support/loaded-modules';
import { SNS_ONLY, type Bundle } from './bundles';

const run = promisify(execFile);

const TIME_INIT = `
const { performance } = await import('node:perf_hooks');
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

export interface ColdStart {
  name: string;
  /** Handler and every chunk. */
  bytes: number;
  /** Handler and the chunks module init loads. */
  initBytes: number;
  medianInitMs: number;
  /** Median init time over the SNS-only bundle's. */
  ratio: number;
  /** Heavy modules whose code module init loads (before the handler runs). */
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
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', TIME_INIT, pathToFileURL(bundle.path).href], { env: quietEnv });
  return Number(stdout);
}

/** The heavy modules in the files module init really loads (module loader hooks, another process). */
async function heavyLoadedAtInit(bundle: Bundle): Promise<string[]> {
  const files = await modulesLoadedBy(bundle.path, quietEnv);
  const unknown = files.filter((file) => !(file in bundle.heavyByFile));
  if (unknown.length) throw new Error(`${bundle.name}: init loaded files outside the bundle: ${unknown.join(', ')}`);
  return [...new Set(files.flatMap((file) => bundle.heavyByFile[file]))];
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
      initBytes: bundle.initBytes,
      medianInitMs,
      ratio: medianInitMs / reference,
      loadedAtInit: await heavyLoadedAtInit(bundle),
      bundled: bundle.contains,
    });
  }
  return results;
}
