// The benchmark's printed table. Round trips (RT) are multiples of the servers' fixed latency.
import type { BurstFigures } from './burst';
import type { ColdStart } from './cold-start';
import type { ColdTotal, Measured, PlaybookFigures, QuarantineFigures } from './scenarios';

/** Every section is absent when `--only` left it out. */
export interface BenchFigures {
  latencyMs: number;
  quarantine?: QuarantineFigures[];
  playbooks?: PlaybookFigures[];
  coldStart?: ColdStart[];
  burst?: BurstFigures;
  /** The nodes the quarantines' large-cluster row adds, and the size of each in a list answer. */
  clusterNodes?: { added: number; bytesEach: number };
}

function columns(rows: string[][]): string {
  const widths = rows[0].map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  return rows.map((row) => `  ${row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]) : cell.padStart(widths[index]))).join('  ')}`.trimEnd()).join('\n');
}

const rt = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(1));
const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
const coldTotal = (total: ColdTotal | undefined): string => (total ? `${total.initMs.toFixed(0)} + ${total.firstInvocationMs.toFixed(0)} = ${total.totalMs.toFixed(0)}` : 'n/a');
const spread = ({ criticalPathRange: range }: Measured): string => (range ? `${rt(range[0])} - ${rt(range[1])}` : 'n/a');
const short = (module: string): string => module.replace('@aws-sdk/client-', '').replace('@aws-sdk/', '').replace('@kubernetes/', '');

/** Every measurement of a quarantine that was made, named as the timelines name it. */
function measuredRuns({ cold, warm, tables, warmAfterDeployment, warmLargeCluster }: QuarantineFigures): Array<[string, Measured]> {
  const runs: Array<[string, Measured | undefined]> = [
    ['cold', cold],
    ['warm', warm],
    ['warm, tables', tables],
    ['warm after a Deployment-level quarantine too', warmAfterDeployment],
    ['warm, in the large cluster', warmLargeCluster],
  ];
  return runs.filter((run): run is [string, Measured] => run[1] !== undefined);
}

function quarantineTable(results: QuarantineFigures[]): string {
  const rows = [['', 'cold', 'warm', 'warm, tables', 'target']];
  for (const { name, cold, warm, tables, warmAfterDeployment, warmLargeCluster } of results) {
    const runs = [cold, warm, tables];
    const cells = (cell: (run: Measured) => string) => runs.map(cell);
    rows.push(
      [`${name} finding`, '', '', '', ''],
      ['  handler call to its first request (RT)', ...cells(({ figures }) => rt(figures.beforeFirstRequestRt)), ''],
      ['  critical path (RT)', ...cells(({ figures }) => rt(figures.criticalPathRt)), '<= 4'],
      ['    fastest - slowest run (RT)', ...cells(spread), ''],
      ...(warmAfterDeployment
        ? [
            ['    warm after a Deployment-level quarantine too (RT)', '', rt(warmAfterDeployment.figures.criticalPathRt), '', '<= 4'],
            ['      fastest - slowest run (RT)', '', spread(warmAfterDeployment), '', ''],
          ]
        : []),
      ...(warmLargeCluster
        ? [
            ['    warm, in the large cluster (RT)', '', rt(warmLargeCluster.figures.criticalPathRt), '', '<= 4'],
            ['      fastest - slowest run (RT)', '', spread(warmLargeCluster), '', ''],
            ['      isolation after the first request (RT)', '', rt(warmLargeCluster.figures.isolationAfterFirstRt), '', '<= 2'],
            ['      handler CPU in the invocation (ms)', '', warmLargeCluster.figures.handlerCpu.ms.toFixed(0), '', ''],
          ]
        : []),
      ['    requests in sequence on it', ...cells(({ figures }) => String(figures.sequentialRequests)), ''],
      ['    beyond their round trips (ms)', ...cells(({ figures }) => figures.beyondRoundTripsMs.toFixed(0)), ''],
      ['    garbage collection on it (ms, pauses)', ...cells(({ figures: { collectorOnCriticalPath: gc } }) => `${gc.ms.toFixed(1)}, ${gc.pauses}`), ''],
      ['  isolation from first request start (RT)', ...cells(({ figures }) => rt(figures.isolationRt)), ''],
      ['  isolation after the first request (RT)', ...cells(({ figures }) => rt(figures.isolationAfterFirstRt)), '<= 2'],
      ['    requests in sequence until isolated', ...cells(({ figures }) => (figures.sequentialToIsolation === null ? 'n/a' : String(figures.sequentialToIsolation))), ''],
      ['  contained after the first request: + cordon, revocation (RT)', ...cells(({ figures }) => rt(figures.containedAfterFirstRt)), ''],
      ['  people notified after the first request: SNS or Slack (RT)', ...cells(({ figures }) => rt(figures.notifiedAfterFirstRt)), ''],
      ['  handler CPU in the invocation (ms; per API call)', ...cells(({ figures: { handlerCpu } }) => `${handlerCpu.ms.toFixed(0)}; ${handlerCpu.perCallMs.toFixed(2)}`), ''],
      ['  API calls / minimum', ...cells(({ figures, minimum }) => `${figures.calls.total}/${minimum.length}`), ''],
      ['    reads / writes / notifications', ...cells(({ figures: { calls } }) => `${calls.reads}/${calls.writes}/${calls.notifications}`), ''],
      ['    of them DynamoDB (the tables)', ...cells(({ figures }) => String(figures.calls.tables)), ''],
      ['  repeated reads of one object', ...cells(({ figures }) => String(figures.repeatedReads.length)), '0'],
      ['  DescribeCluster calls, new tokens', ...cells(({ figures }) => `${figures.describeClusterCalls}, ${figures.newTokens}`), 'warm: 0, 0'],
      ['  Kubernetes connections opened', ...cells(({ figures }) => String(figures.kubernetesConnections)), ''],
      ['  cold start to report: module init + first invocation (ms)', coldTotal(cold.coldStart), '', '', ''],
    );
  }
  const all = (result: QuarantineFigures) => measuredRuns(result).map(([, measured]) => measured);
  const problems = results.flatMap((result) => all(result).flatMap(({ figures }) => figures.problems.map((problem) => `  ! ${result.name}: ${problem}`)));
  const repeats = results.flatMap((result) => [...new Set(all(result).flatMap(({ figures }) => figures.repeatedReads))].map((read) => `    ${result.name}: ${read}`));
  return [columns(rows), ...(repeats.length ? ['  repeated reads:', ...repeats] : []), ...problems].join('\n');
}

function timelines(results: QuarantineFigures[]): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const [when, { figures }] of measuredRuns(result)) {
      lines.push(`  ${result.name}, ${when}: request (start..end RT)`);
      for (const entry of figures.timeline) lines.push(`    ${entry.startRt.toFixed(1).padStart(5)} ..${entry.endRt.toFixed(1).padStart(5)}  ${entry.request}${entry.ok ? '' : ' (failed)'}`);
    }
  }
  return lines.join('\n');
}

function playbookTable(results: PlaybookFigures[]): string {
  const rows = [['playbook (pod-level, warm, manual function)', 'API calls', 'minimum', 'critical path (RT)']];
  for (const result of results) rows.push([result.playbook, String(result.calls), String(result.minimum.length), rt(result.criticalPathRt)]);
  const problems = results.flatMap((result) => result.problems.map((problem) => `  ! ${result.playbook}: ${problem}`));
  return [columns(rows), ...problems].join('\n');
}

function coldStartTable(results: ColdStart[], runs: number): string {
  const rows = [[`bundle (median of ${runs} fresh node processes)`, 'at init', 'in all', 'init ms', 'ratio', 'heavy modules loaded at init']];
  for (const result of results) {
    const later = result.bundled.filter((module) => !result.loadedAtInit.includes(module));
    const loaded = [result.loadedAtInit.map(short).join(', ') || 'none', later.length ? `(on demand: ${later.map(short).join(', ')})` : ''].join(' ').trim();
    rows.push([result.name, kb(result.initBytes), kb(result.bytes), result.medianInitMs.toFixed(0), result.ratio.toFixed(2), loaded]);
  }
  return [columns(rows), '  target: guardduty ratio <= 2.0; functions that never touch Kubernetes do not load client-node'].join('\n');
}

function burstTable(burst: BurstFigures): string {
  const rows = [
    ['API calls per unique mutation', burst.callsPerUniqueMutation.toFixed(2), '<= 1.2'],
    [`  API calls, of which notifications`, `${burst.calls.total}, ${burst.calls.notifications}`, ''],
    ['  unique mutations (objects changed + notifications sent)', String(burst.uniqueMutations), ''],
    ['Kubernetes + IAM calls per unique cluster/IAM change', burst.clusterAndIam.ratio.toFixed(2), ''],
    ['  calls, unique changes', `${burst.clusterAndIam.calls}, ${burst.clusterAndIam.uniqueMutations}`, ''],
    ['wall time (RT)', burst.wallRt.toFixed(0), ''],
    ['peak RSS, growth during the burst (MB)', `${burst.peakRssMb}, ${burst.rssGrowthMb}`, ''],
    ['peak requests in flight: Kubernetes, IAM', `${burst.peakInFlight.kubernetes}, ${burst.peakInFlight.iam}`, 'bounded'],
    ['Kubernetes connections opened', String(burst.kubernetesConnections), ''],
    ['incidents failed', String(burst.incidentsFailed), '0'],
    ['quarantine policies selecting no pod', String(burst.orphanPolicies), '0'],
  ];
  const kinds = [...new Set(burst.problems.map((problem) => problem.replace(/inc-[0-9a-f]{16}/g, 'inc-…').replace(/\d+/g, 'N')))].slice(0, 5);
  return [columns([['', 'value', 'target'], ...rows]), ...kinds.map((kind) => `  ! e.g. ${kind}`)].join('\n');
}

export function renderTable(figures: BenchFigures, options: { coldRuns: number; timeline: boolean }): string {
  const { quarantine, playbooks, coldStart, burst, clusterNodes } = figures;
  const sections = [
    `eks-responder bench: every request to the local Kubernetes API server and AWS endpoint takes ${figures.latencyMs} ms more; RT = one such round trip.`,
    quarantine && [
      'Full quarantine (guardduty function, RESPONSE_MODE=enforce, real argocd finding at severity 8; median of the runs)',
      'cold: a fresh process; warm: the same process 2.5 s after a full quarantine of another workload (namespace, pod, role, node);',
      "warm, tables: the same with the deployment's DynamoDB tables (INCIDENT_TABLE, IDEMPOTENCY_TABLE), their calls at the same latency",
      ...(clusterNodes
        ? [`large cluster: warm, with ${clusterNodes.added} more nodes in the cluster, each ${kb(clusterNodes.bytesEach)} as an EKS node is in a list (--cluster-nodes)`]
        : []),
      quarantineTable(quarantine),
      ...(options.timeline ? ['', 'Timelines', timelines(quarantine)] : []),
    ],
    playbooks && [playbookTable(playbooks)],
    coldStart && ['Cold start (module init: import() of the packaged handler module; sizes: handler + chunks loaded at init, and in all)', coldStartTable(coldStart, options.coldRuns)],
    burst && [`Burst: ${burst.findings} findings about ${burst.pods} pods on ${burst.nodes} nodes, at once, one warm guardduty handler`, burstTable(burst)],
  ];
  return sections
    .filter((section) => section !== undefined)
    .map((section) => (Array.isArray(section) ? section.join('\n') : section))
    .join('\n\n');
}
