import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { GuardDutyPort } from '../adapters/ports';
import { SdkQueue } from '../adapters/sqs';
import { loadConfig } from '../config';
import { createAdapters } from '../dependencies';
import { BadInputError, ConfigError, describeError } from '../errors';
import { handleEvents } from '../handle-event';
import { runManualPlaybook } from '../manual-invocation';
import { MODES, type IncidentReport, type Mode } from '../model';
import { createLogger } from '../observability';
import type { PipelineDeps } from '../pipeline';
import { hasFailures } from '../pipeline';
import { PLAYBOOK_NAMES, playbookNamed } from '../playbooks/registry';
import { policyProvider, ssmParameters } from '../policy/source';
import { registerIncidentCommands } from './incident-commands';
import { registerPolicyCommands } from './policy-commands';
import { renderReplayResult, replayFailedEvents } from '../replay';
import { renderText } from '../report/render-text';
import { parseJsonText, splitInput } from '../sources';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  env: NodeJS.ProcessEnv;
  /** Tests and the demo pass prepared adapters; by default the real ones are built from the environment. */
  deps?: Partial<PipelineDeps> & { guardDuty?: GuardDutyPort };
}

export const EXIT_OK = 0;
export const EXIT_ACTION_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

interface CommonOptions {
  mode: Mode;
  json?: boolean;
  kubeconfig?: string;
  evidenceDir?: string;
  verbose?: boolean;
  policy?: string;
}

function readEventDocument(path: string, io: CliIo): unknown {
  if (path === '-') return parseJsonText(io.readStdin(), 'standard input');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BadInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`);
  }
  return parseJsonText(text, path);
}

function buildDeps(options: CommonOptions, io: CliIo): PipelineDeps {
  const config = io.deps?.config ?? loadConfig(io.env, 'cli');
  return {
    config,
    logger: io.deps?.logger ?? createLogger({ logLevel: options.verbose ? 'DEBUG' : undefined, defaultLevel: 'WARN' }),
    adapters: io.deps?.adapters ?? createAdapters(config, { kubeconfigPath: options.kubeconfig, evidenceDir: options.evidenceDir }),
    now: io.deps?.now,
    policy: io.deps?.policy ?? policyProvider({ file: options.policy, ssmParameter: config.policySsmParameter }, ssmParameters),
  };
}

interface PlaybookOptions {
  event?: string;
  incident?: string;
  cluster?: string;
  namespace?: string;
  pod?: string;
  reason?: string;
  allowProtected?: boolean;
  restoreRoleSessions?: boolean;
}

/** What a playbook runs on: an event's findings, one pod, or (release) an incident; exactly one. */
function playbookSubject(playbook: string, options: PlaybookOptions, io: CliIo): Record<string, unknown> {
  const release = playbook === 'release';
  if (!release && (options.incident || options.restoreRoleSessions)) throw new BadInputError('--incident and --restore-role-sessions are for the release playbook');
  const podFlags = [options.namespace, options.pod];
  const given = [options.event, options.incident, podFlags.some(Boolean) ? 'pod' : undefined].filter(Boolean).length;
  const one = release ? '--event, --incident, or --cluster/--namespace/--pod' : '--event or --cluster/--namespace/--pod';
  if (given > 1 || (options.event && options.cluster)) throw new BadInputError(`give one of ${one}, not several`);
  if (options.event) return { event: readEventDocument(options.event, io) };
  if (options.incident) return { incident: options.incident, ...(options.cluster ? { cluster: options.cluster } : {}) };
  if (![options.cluster, ...podFlags].every(Boolean)) throw new BadInputError(`give ${release ? '--event, --incident, or' : '--event, or'} all of --cluster, --namespace and --pod`);
  return { target: { cluster: options.cluster, namespace: options.namespace, pod: options.pod } };
}

const policyOption = () => new Option('--policy <file>', 'response policy YAML (default: POLICY_SSM_PARAMETER, else the built-in policy)');

function print(reports: IncidentReport[], options: CommonOptions, io: CliIo): number {
  for (const report of reports) io.stdout(options.json ? JSON.stringify(report) : `${renderText(report)}\n`);
  return reports.some(hasFailures) ? EXIT_ACTION_FAILED : EXIT_OK;
}

const evidenceDirOption = () => new Option('--evidence-dir <dir>', 'write evidence bundles under this directory instead of EVIDENCE_BUCKET');

const modeOption = () => new Option('--mode <mode>', 'plan: change nothing, send nothing; notify: plan and notify; enforce: act, then notify').choices(MODES).default('plan');

function program(io: CliIo, setExit: (code: number) => void): Command {
  const cli = new Command('eks-responder')
    .description('Contain compromised EKS workloads and weakened clusters: correlate a GuardDuty, Security Hub or CloudTrail event with the cluster, then act and notify.')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .exitOverride();

  cli
    .command('respond')
    .description('Run the EventBridge handler path on a GuardDuty, Security Hub or CloudTrail event (file, or - for standard input); also accepts `aws guardduty get-findings` and `aws securityhub get-findings` output')
    .requiredOption('--event <file>', 'EventBridge event JSON, or - for standard input')
    .addOption(modeOption())
    .addOption(policyOption())
    .option('--kubeconfig <file>', "use this kubeconfig's current context instead of EKS DescribeCluster")
    .addOption(evidenceDirOption())
    .option('--json', 'print one JSON report per event')
    .option('--verbose', 'log to standard error')
    .action(async (options: CommonOptions & { event: string }) => {
      const events = splitInput(readEventDocument(options.event, io));
      const deps = buildDeps(options, io);
      // A bad policy stops the run before any event is handled.
      await deps.policy?.();
      setExit(print(await handleEvents(events, { mode: options.mode }, deps), options, io));
    });

  cli
    .command('playbook')
    .description('Run a playbook by hand on the finding(s) of an event, or on one pod; `release` also takes an incident id')
    .argument('<name>', `playbook: ${PLAYBOOK_NAMES.join(', ')}`)
    .option('--event <file>', 'EventBridge event JSON (or get-findings output), or - for standard input')
    .option('--incident <id>', 'release only: the incident to release (its cluster comes from INCIDENT_TABLE, or --cluster)')
    .option('--cluster <name>', 'EKS cluster of the pod (or of the incident)')
    .option('--namespace <namespace>', 'namespace of the pod')
    .option('--pod <name>', 'pod name')
    .option('--reason <text>', 'why, for the report and notifications')
    .option('--allow-protected', 'act even on protected namespaces, workloads and nodes')
    .option('--restore-role-sessions', "release only: lift the session revocation, once the role's maximum session duration has passed")
    .addOption(modeOption())
    .addOption(policyOption())
    .option('--kubeconfig <file>', "use this kubeconfig's current context instead of EKS DescribeCluster")
    .addOption(evidenceDirOption())
    .option('--json', 'print one JSON report per event')
    .option('--verbose', 'log to standard error')
    .action(async (name: string, options: CommonOptions & PlaybookOptions) => {
      const playbook = playbookNamed(name);
      const subject = playbookSubject(playbook, options, io);
      const deps = buildDeps(options, io);
      await deps.policy?.();
      const request = {
        playbook,
        mode: options.mode,
        reason: options.reason,
        allowProtected: options.allowProtected === true,
        ...(playbook === 'release' ? { restoreRoleSessions: options.restoreRoleSessions === true } : {}),
        ...subject,
      };
      setExit(print(await runManualPlaybook(request, options.mode, deps), options, io));
    });

  // replay: failed events back through the code path that failed.
  cli
    .command('replay')
    .description('Re-drive failed events from an SQS failure queue (Lambda on-failure destination or EventBridge dead letters) through the same code path; a message is deleted only after its replay succeeded, never in plan mode')
    .option('--from-dlq', 'take the events from a failure queue')
    .option('--queue-url <url>', 'the queue (stack outputs FailureQueueUrl, RuleDeadLetterQueueUrl); default $FAILURE_QUEUE_URL')
    .addOption(modeOption())
    .addOption(new Option('--max <n>', 'messages to take at most').default(100).argParser(positiveInteger))
    .addOption(policyOption())
    .option('--kubeconfig <file>', "use this kubeconfig's current context instead of EKS DescribeCluster")
    .option('--json', 'print one JSON result per message')
    .option('--verbose', 'log to standard error')
    .action(async (options: CommonOptions & { fromDlq?: boolean; queueUrl?: string; max: number }) => {
      if (!options.fromDlq) throw new BadInputError('replay takes failed events from a queue: give --from-dlq');
      const url = options.queueUrl ?? io.env.FAILURE_QUEUE_URL;
      if (!url) throw new BadInputError('give --queue-url or set FAILURE_QUEUE_URL');
      if (!URL.canParse(url)) throw new BadInputError(`--queue-url ${JSON.stringify(url)} is not a URL`);
      const deps = buildDeps(options, io);
      const results = await replayFailedEvents(new SdkQueue(url, deps.config.region), { mode: options.mode, max: options.max }, deps, (result) =>
        io.stdout(options.json ? JSON.stringify(result) : renderReplayResult(result)),
      );
      if (results.length === 0 && !options.json) io.stdout(`no message in ${url}`);
      setExit(results.some((result) => result.status === 'failed') ? EXIT_ACTION_FAILED : EXIT_OK);
    });

  registerPolicyCommands(cli, { io, setExit, readEventDocument: (path) => readEventDocument(path, io) });
  registerIncidentCommands(cli, { io, setExit });
  return cli;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

/** Runs the command line; returns the exit code. Errors become one line on stderr, never a stack. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  try {
    await program(io, (code) => (exitCode = code)).parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander already printed its one-line message otherwise.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    const bad = error instanceof BadInputError || error instanceof ConfigError;
    io.stderr(`eks-responder: ${bad ? '' : 'error: '}${describeError(error)}\n`);
    return bad ? EXIT_BAD_INPUT : EXIT_ACTION_FAILED;
  }
}

/** Process entry: keeps standard output for reports by sending every log line to standard error. */
export async function main(): Promise<void> {
  process.env.POWERTOOLS_DEV = 'true';
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  const code = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0, 'utf8'),
    env: process.env,
  });
  process.exitCode = code;
}
