// Which code of a bundle ran, in a fresh `node` process: V8's own call counts (NODE_V8_COVERAGE,
// written by v8.takeCoverage(), which also resets them), so a test can tell whether module init
// or an invocation ran the code around a piece of text — built a schema, say — without timing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

// Coverage of module init, then of one invocation of the handler with the event in argv.
const IMPORT_THEN_INVOKE = `
const { takeCoverage } = await import('node:v8');
const [handlerUrl, event] = process.argv.slice(1);
const { handler } = await import(handlerUrl);
takeCoverage();
await handler(JSON.parse(event));
takeCoverage();
`;

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

/** Per text, the most calls of a function around one of its occurrences, in the files under `root` of one coverage report. */
function callsAround(scripts: ScriptCoverage[], root: string, texts: string[]): Record<string, number> {
  const calls: Record<string, number> = Object.fromEntries(texts.map((text) => [text, 0]));
  for (const script of scripts.filter((candidate) => candidate.url.startsWith(pathToFileURL(root).href + '/'))) {
    const source = readFileSync(fileURLToPath(script.url), 'utf8');
    const ranges = script.functions.flatMap((fn) => fn.ranges);
    for (const text of texts) {
      for (let at = source.indexOf(text); at >= 0; at = source.indexOf(text, at + 1)) {
        // The innermost range holding the text: the function (or block) it is in, or the module's top level.
        const inner = ranges.filter((range) => range.startOffset <= at && at < range.endOffset).sort((a, b) => a.endOffset - a.startOffset - (b.endOffset - b.startOffset))[0];
        calls[text] = Math.max(calls[text], inner?.count ?? 0);
      }
    }
  }
  return calls;
}

export interface InitAndInvocationCalls {
  /** Per text: calls during module init (0 when its file did not even load). */
  init: Record<string, number>;
  /** Per text: calls during the invocation. */
  invocation: Record<string, number>;
}

/**
 * Imports the handler module at `path` in a fresh process, then invokes its handler once with
 * `event`; says how often the code around each of `texts`, in the files of the handler's
 * directory and below (its chunks), ran during each.
 */
export async function callsDuringInitAndInvocation(path: string, event: unknown, texts: string[], env: NodeJS.ProcessEnv): Promise<InitAndInvocationCalls> {
  const directory = mkdtempSync(join(tmpdir(), 'eks-responder-coverage-'));
  try {
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', IMPORT_THEN_INVOKE, pathToFileURL(path).href, JSON.stringify(event)], {
      env: { ...env, NODE_V8_COVERAGE: directory },
      timeout: 60_000,
    });
    // takeCoverage() names its files coverage-<pid>-<timestamp>-<sequence>.json; the exit writes a third.
    const reports = readdirSync(directory)
      .sort((a, b) => Number(a.split('-').pop()?.split('.')[0]) - Number(b.split('-').pop()?.split('.')[0]))
      .map((file) => (JSON.parse(readFileSync(join(directory, file), 'utf8')) as { result: ScriptCoverage[] }).result);
    return { init: callsAround(reports[0], dirname(path), texts), invocation: callsAround(reports[1], dirname(path), texts) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
