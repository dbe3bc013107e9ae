// The packaged functions, built the way they are deployed (minified, tree-shaken CommonJS for
// Node 22), next to a bundle that only imports the SNS client: the floor any AWS function pays.
import { build, type BuildOptions } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const SNS_ONLY = 'sns-only';

/** The options the functions are packaged with. */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = { bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error' };

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
  '@aws-sdk/credential-provider-node',
] as const;

export interface Bundle {
  name: string;
  path: string;
  bytes: number;
  /** The same entry with HEAVY_MODULES left external, to see which of them init requires. */
  probePath: string;
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

type Entry = Pick<BuildOptions, 'entryPoints' | 'stdin'>;

async function buildOne(name: string, entry: Entry, directory: string): Promise<Bundle> {
  const path = join(directory, `${name}.js`);
  const result = await build({ ...FUNCTION_BUILD_OPTIONS, ...entry, outfile: path, metafile: true });
  const inputs = Object.keys(result.metafile.inputs);
  const contains = HEAVY_MODULES.filter((module) => inputs.some((input) => input.includes(`node_modules/${module}/`)));
  const probePath = join(directory, `${name}.probe.js`);
  await build({ ...FUNCTION_BUILD_OPTIONS, ...entry, outfile: probePath, external: [...HEAVY_MODULES] });
  return { name, path, bytes: statSync(path).size, probePath, contains };
}

/** Builds every functions/*.ts and the SNS-only reference into `directory`. */
export async function buildBundles(directory: string): Promise<Bundle[]> {
  // Resolved from the project root, so it bundles the same @aws-sdk/client-sns the functions use.
  const contents = "import { SNSClient } from '@aws-sdk/client-sns';\nexport const handler = async () => new SNSClient({});\n";
  const snsOnly = buildOne(SNS_ONLY, { stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'sns-only.ts' } }, directory);
  const functions = functionEntries().map(({ name, entry }) => buildOne(name, { entryPoints: [entry] }, directory));
  return Promise.all([snsOnly, ...functions]);
}
