// The packaged functions, built the way they are deployed (esbuild.config.js: minified,
// tree-shaken ES modules split into chunks, for Node 22), next to a bundle that only imports
// the SNS client, built the same way: the floor any AWS function pays.
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const SNS_ONLY = 'sns-only';

/** The options the functions are packaged with (serverless.yml, custom.esbuild.config). */
export const FUNCTION_BUILD_OPTIONS = (require(join(ROOT, 'esbuild.config.js')) as { buildOptions: BuildOptions }).buildOptions;

/** Modules whose loading the cold-start figures track. */
export const HEAVY_MODULES = [
  '@kubernetes/client-node',
  '@aws-sdk/client-eks',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-ec2',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-securityhub',
  '@aws-sdk/client-sts',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/credential-provider-node',
] as const;

export interface Bundle {
  name: string;
  /** The handler module (functions/<name>.mjs); its chunks sit next to it in <name>.chunks/. */
  path: string;
  /** Handler and every chunk: what the zip holds. */
  bytes: number;
  /** Handler and the chunks it imports statically: what module init reads and compiles. */
  initBytes: number;
  /** Each output file (absolute path) and the HEAVY_MODULES it holds code of. */
  heavyByFile: Record<string, string[]>;
  /** HEAVY_MODULES that are part of the bundle at all. */
  contains: string[];
}

function functionEntries(): { name: string; entry: string }[] {
  const directory = join(ROOT, 'functions');
  return readdirSync(directory)
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => ({ name: basename(file, '.ts'), entry: join(directory, file) }));
}

const heavyIn = (inputs: string[]): string[] => HEAVY_MODULES.filter((module) => inputs.some((input) => input.includes(`node_modules/${module}/`)));

/** The handler's output and the chunks it imports statically, transitively: what `import()` of it loads. */
function staticClosure(metafile: Metafile, entryOutput: string): string[] {
  const seen = new Set<string>();
  const pending = [entryOutput];
  while (pending.length) {
    const output = pending.pop() as string;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const imported of metafile.outputs[output].imports) if (imported.kind === 'import-statement' && metafile.outputs[imported.path]) pending.push(imported.path);
  }
  return [...seen];
}

async function buildOne(name: string, entry: string, directory: string): Promise<Bundle> {
  // Built alone, like serverless-esbuild builds each function: its chunks are its own.
  const result = await build({ ...FUNCTION_BUILD_OPTIONS, entryPoints: [entry], outdir: directory, outExtension: { '.js': '.mjs' }, absWorkingDir: ROOT, metafile: true, logLevel: 'error' });
  const { outputs } = result.metafile;
  const entryOutput = Object.keys(outputs).find((output) => outputs[output].entryPoint === relative(ROOT, entry));
  if (!entryOutput) throw new Error(`no output for ${entry}`);
  const absolute = (output: string) => join(ROOT, output);
  const heavyByFile = Object.fromEntries(Object.entries(outputs).map(([output, { inputs }]) => [absolute(output), heavyIn(Object.keys(inputs))]));
  const size = (files: string[]) => files.reduce((total, output) => total + outputs[output].bytes, 0);
  return {
    name,
    path: absolute(entryOutput),
    bytes: size(Object.keys(outputs)),
    initBytes: size(staticClosure(result.metafile, entryOutput)),
    heavyByFile,
    contains: heavyIn(Object.keys(result.metafile.inputs)),
  };
}

/** Builds every functions/*.ts and the SNS-only reference into `directory`. */
export async function buildBundles(directory: string): Promise<Bundle[]> {
  // Resolved from the project root, so it bundles the same @aws-sdk/client-sns the functions use.
  mkdirSync(join(directory, 'entries'), { recursive: true });
  const snsOnly = join(directory, 'entries', `${SNS_ONLY}.ts`);
  writeFileSync(snsOnly, `import { SNSClient } from '${join(ROOT, 'node_modules', '@aws-sdk', 'client-sns')}';\nexport const handler = async () => new SNSClient({});\n`);
  const entries = [{ name: SNS_ONLY, entry: snsOnly }, ...functionEntries()];
  return Promise.all(entries.map(({ name, entry }) => buildOne(name, entry, directory)));
}
