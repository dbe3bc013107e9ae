// Which files `import()` of an ES module loads, in a fresh `node` process: the module loader
// hooks in record-loads.mjs report each one. A check on real loading, not on build metadata.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const IMPORT_AND_LIST = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const [hooks, target] = process.argv.slice(1);
const { port1, port2 } = new MessageChannel();
const loaded = [];
const sentinel = 'data:text/javascript,export{}';
const done = new Promise((resolve) => port1.on('message', (url) => (url === sentinel ? resolve() : loaded.push(url))));
register(hooks, { data: { port: port2 }, transferList: [port2] });
await import(target);
// Messages from the hooks arrive in order: once the sentinel's has, every earlier one has too.
await import(sentinel);
await done;
port1.close();
process.stdout.write(JSON.stringify(loaded));
`;

/** Absolute paths of the files (not node: built-ins) loaded by importing `path`, in load order. */
export async function modulesLoadedBy(path: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const hooks = pathToFileURL(join(__dirname, 'record-loads.mjs')).href;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', IMPORT_AND_LIST, hooks, pathToFileURL(path).href], { env, timeout: 60_000 });
  return (JSON.parse(stdout) as string[]).filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
}
