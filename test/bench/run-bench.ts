// `npm run bench`: time to contain, in round trips and ratios so the figures hold on noisy
// machines. A script, not a test: it starts the sandbox (local Kubernetes API server and AWS
// endpoint, both adding a fixed latency per request) and runs the packaged functions in fresh
// processes on the real argocd GuardDuty finding. See test/bench/*.ts for each figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundles, type Bundle } from './bundles';
import { burstScenario } from './burst';
import { CLUSTER_NODE_BYTES } from './cluster-size';
import { measureColdStarts } from './cold-start';
import { parseOptions, type Section } from './options';
import { playbookScenarios, quarantineScenarios } from './scenarios';
import { renderTable, type BenchFigures } from './table';

function bundleNamed(bundles: Bundle[], name: string): Bundle {
  const bundle = bundles.find((candidate) => candidate.name === name);
  if (!bundle) throw new Error(`no functions/${name}.ts to benchmark`);
  return bundle;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);
  const directory = mkdtempSync(join(tmpdir(), 'eks-responder-bench-'));
  try {
    progress('building the function bundles');
    const bundles = await buildBundles(directory);
    const guardduty = bundleNamed(bundles, 'guardduty');
    const figures: BenchFigures = { latencyMs: options.latencyMs };
    const run = (section: Section) => options.sections.includes(section);
    if (run('quarantine')) {
      progress(`full quarantines, pod-level, Deployment-level and pod-level from Runtime Monitoring, cold, warm, warm with the tables${options.clusterNodes > 0 ? ` and warm in a cluster of ${options.clusterNodes} more nodes` : ''}, ${options.repeat} runs each`);
      figures.quarantine = await quarantineScenarios(guardduty, options.latencyMs, options.repeat, options.clusterNodes);
      if (options.clusterNodes > 0) figures.clusterNodes = { added: options.clusterNodes, bytesEach: CLUSTER_NODE_BYTES };
    }
    if (run('playbooks')) {
      progress('each playbook through the manual-playbook function');
      figures.playbooks = await playbookScenarios(bundleNamed(bundles, 'manual-playbook'), options.latencyMs);
    }
    if (run('cold-start')) {
      progress(`cold starts (${options.coldRuns} processes per bundle)`);
      figures.coldStart = await measureColdStarts(bundles, options.coldRuns);
    }
    if (run('burst')) {
      progress(`burst of ${options.burstFindings} findings`);
      figures.burst = await burstScenario(guardduty, options.latencyMs, options.burstFindings);
    }
    process.stdout.write(options.json ? `${JSON.stringify(figures, null, 2)}\n` : `${renderTable(figures, options)}\n`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
});
