export const SECTIONS = ['quarantine', 'playbooks', 'cold-start', 'burst'] as const;
export type Section = (typeof SECTIONS)[number];

/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  /** Sections to run; all by default. */
  sections: Section[];
  /** Fixed delay both local servers add to every request; one round trip (RT). */
  latencyMs: number;
  /** Print machine-readable figures instead of the table. */
  json: boolean;
  /** Add each quarantine's requests, in RT, to the table. */
  timeline: boolean;
  /** Fresh `node` processes per bundle for the module-init median. */
  coldRuns: number;
  /** Runs of each full quarantine; the one with the median critical path is reported. */
  repeat: number;
  /** Findings delivered at once in the burst. */
  burstFindings: number;
  /** Nodes added to the cluster for the quarantines' large-cluster row; 0 leaves the row out. */
  clusterNodes: number;
}

const USAGE = 'usage: npm run bench -- [--latency-ms N] [--repeat N] [--cold-runs N] [--burst-findings N] [--cluster-nodes N] [--only SECTION,...] [--timeline] [--json]';

function positiveInteger(flag: string, value: string | undefined, minimum: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) throw new Error(`${flag} needs an integer of at least ${minimum}\n${USAGE}`);
  return parsed;
}

function sections(value: string | undefined): Section[] {
  const names = (value ?? '').split(',').filter(Boolean);
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length) throw new Error(`--only takes some of ${SECTIONS.join(', ')}\n${USAGE}`);
  return names as Section[];
}

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { sections: [...SECTIONS], latencyMs: 40, json: false, timeline: false, coldRuns: 15, repeat: 3, burstFindings: 200, clusterNodes: 300 };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    if (flag === '--json') options.json = true;
    else if (flag === '--timeline') options.timeline = true;
    else if (flag === '--only') options.sections = sections(argv[++index]);
    else if (flag === '--latency-ms') options.latencyMs = positiveInteger(flag, argv[++index], 1);
    else if (flag === '--repeat') options.repeat = positiveInteger(flag, argv[++index], 1);
    // Fewer than 10 fresh processes make the median too noisy to compare bundles.
    else if (flag === '--cold-runs') options.coldRuns = positiveInteger(flag, argv[++index], 10);
    // The burst is 5 findings per pod on 40 pods; fewer findings keep that shape on fewer pods.
    else if (flag === '--burst-findings') options.burstFindings = positiveInteger(flag, argv[++index], 5);
    else if (flag === '--cluster-nodes') options.clusterNodes = positiveInteger(flag, argv[++index], 0);
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return options;
}
