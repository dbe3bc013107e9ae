// How the Lambda functions are bundled. serverless-esbuild reads it (serverless.yml,
// custom.esbuild.config) and so does `npm run bench` (test/bench/bundles.ts), which measures
// the very bundles that are deployed.
//
// ES modules split into chunks: a module the code loads with `await import()` (the Kubernetes
// client, every SDK client but EKS) is a chunk of its own, read and compiled only when first
// imported. A single CommonJS file would be parsed whole at module init, whatever the code
// then uses. Lambda (nodejs22.x) runs `functions/<name>.mjs` for the handler
// `functions/<name>.handler`.
'use strict';

const { existsSync } = require('node:fs');
const { basename, extname, resolve: resolvePath } = require('node:path');

/**
 * Each function is built on its own; its chunks go to a folder named after its handler file
 * (functions/guardduty.chunks/). serverless-esbuild leaves `functions/<other>.*` out of a
 * function's zip, so each zip holds its own handler and chunks and nobody else's.
 */
const chunksPerFunction = {
  name: 'chunks-per-function',
  setup(build) {
    const entries = build.initialOptions.entryPoints;
    const list = Array.isArray(entries) ? entries : Object.values(entries ?? {});
    if (list.length !== 1) throw new Error(`chunks-per-function: expected one entry point per build, got ${list.length}`);
    const entry = typeof list[0] === 'string' ? list[0] : list[0].in;
    build.initialOptions.chunkNames = `${basename(entry, extname(entry))}.chunks/[name]-[hash]`;
  },
};

/**
 * whatwg-url (with its 260 KB Unicode table, tr46) is bundled for node-fetch, which the Kubernetes
 * client uses, and node-fetch takes it only where Node has no URL class (`Url.URL ||
 * whatwgUrl.URL`): on Node 22 it is dead weight that costs every cold start about 30 ms, while
 * the Kubernetes client loads between the cluster lookup and the first Kubernetes request.
 * Node's own URL stands in for it.
 */
const nodeUrlForWhatwgUrl = {
  name: 'node-url-for-whatwg-url',
  setup(build) {
    build.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'node-url' }));
    build.onLoad({ filter: /.*/, namespace: 'node-url' }, () => ({ contents: 'export const URL = globalThis.URL;\nexport default { URL };\n', loader: 'js' }));
  },
};

const KUBERNETES_CLIENT = '/node_modules/@kubernetes/client-node/';

/**
 * The Kubernetes client's modules only declare and export (none runs anything when loaded), but
 * its package.json does not say so (no `sideEffects: false`), so esbuild keeps every module its
 * index re-exports: exec, attach and port-forward over WebSocket, copy over tar, and the
 * packages behind them (ws, tar-fs, tar-stream, streamx), about 100 KB in 42 modules that no
 * function calls. Said here, they are left out, and the chunk the first Kubernetes request of a
 * cold start waits for loads in about 130 ms instead of 150 on the bench machine.
 */
const kubernetesClientWithoutSideEffects = {
  name: 'kubernetes-client-without-side-effects',
  setup(build) {
    // The client's own imports name their files (`./gen/index.js`): resolved here directly, as a
    // call back to esbuild's resolver for each of them would slow every build several times over.
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!args.importer.includes(KUBERNETES_CLIENT)) return undefined;
      const path = resolvePath(args.resolveDir, args.path);
      return path.includes(KUBERNETES_CLIENT) && existsSync(path) ? { path, sideEffects: false } : undefined;
    });
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, async (args) => {
      if (args.pluginData === KUBERNETES_CLIENT) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: KUBERNETES_CLIENT });
      return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path, sideEffects: false };
    });
  },
};

/** esbuild options, for serverless-esbuild (which adds entryPoints and outdir) and the bench. */
const buildOptions = {
  bundle: true,
  minify: true,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  splitting: true,
  // The ES module builds of the AWS SDK (dist-es) rather than CommonJS (dist-cjs): esbuild keeps
  // only the commands and schemas a client's importer uses (the EC2 client: 560 KB, not 1 MB),
  // and the SDK's own optional parts (SSO, other credential sources) become chunks of their own.
  mainFields: ['module', 'main'],
  sourcemap: false,
  // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
  banner: { js: "import { createRequire as eksResponderCreateRequire } from 'node:module'; const require = eksResponderCreateRequire(import.meta.url);" },
  plugins: [chunksPerFunction, nodeUrlForWhatwgUrl, kubernetesClientWithoutSideEffects],
};

/** serverless-esbuild's own options on top: `.mjs` output, and nothing excluded. */
module.exports = () => ({
  ...buildOptions,
  outputFileExtension: '.mjs',
  // The default exclude is ['aws-sdk']; we exclude nothing, so @aws-sdk/* is bundled at the
  // versions package-lock.json pins instead of whatever the Lambda runtime ships.
  exclude: [],
  external: [],
});
module.exports.buildOptions = buildOptions;
