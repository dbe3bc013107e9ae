import { runCli } from '../../shared/cli/main';
import type { IncidentReport } from '../../shared/model';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  reports: IncidentReport[];
}

/** Runs the real command line in-process, with the given environment and optional standard input. */
export async function runCommand(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => (stderr += text),
    readStdin: () => stdin,
    env: { ...process.env, ...env },
  });
  const reports = args.includes('--json') && code !== 2 ? stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as IncidentReport) : [];
  return { code, stdout, stderr, reports };
}
