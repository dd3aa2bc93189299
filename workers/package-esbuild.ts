import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where the one native binary sits in the artefact, relative to index.js (the core bridge is bundled, not shipped). */
export const NATIVE_BINARY_DIR = 'node_modules/@temporalio/core-bridge/releases';

/**
 * The Rust target of the binary shipped: Lambda's x86_64 on Amazon Linux (glibc). It must match `ARCHITECTURE` in
 * infra/cdk/lib/functions.ts; the core bridge picks `releases/<target>/index.node` from os.arch() and os.platform().
 */
export const NATIVE_TARGET = 'x86_64-unknown-linux-gnu';

/** The installed core bridge's binary for NATIVE_TARGET (the npm package carries every platform's). */
export function nativeBinarySource(): string {
  const bridge = dirname(require.resolve('@temporalio/core-bridge/package.json'));
  return join(bridge, 'releases', NATIVE_TARGET, 'index.node');
}

/** The module of the worker thread the SDK starts by path (`require.resolve('./workflow-worker-thread')`). */
const workerThreadEntry = (): string => require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread');

/** Replaces `search` in a file esbuild loads; fails the build when an SDK upgrade moved it (never ship a silent miss). */
function rewrite(file: string, search: string, replacement: string): string {
  const source = readFileSync(file, 'utf8');
  if (!source.includes(search)) throw new Error(`${file}: expected \`${search}\`; the SDK changed, review the plugin`);
  return source.replace(search, replacement);
}

/**
 * What makes the SDK bundleable:
 * - the core bridge resolves its binary as `<its __dirname>/releases/<target>/index.node`; bundled, `__dirname` is the
 *   artefact's root, so the path is pointed at NATIVE_BINARY_DIR, where the one binary is shipped;
 * - `@temporalio/worker` imports its webpack bundler at load time, but a worker given a prebuilt bundle never calls it:
 *   a stub keeps webpack, memfs and swc (about 30 MB) out. The worker reads `defaultWorkflowInterceptorModules` only to
 *   warn about interceptors a prebuilt bundle ignores; an empty list keeps that warning's outcome;
 * - `Worker.create` runs the workflow bundle once in an empty context, for debuggers' breakpoints, and ignores the
 *   error it always throws there. With `displayErrors` (vm's default) Node formats that error's stack first, and under
 *   `--enable-source-maps` (the function's NODE_OPTIONS) that parses index.js's source map (5 MB; more than half of
 *   the worker's creation on a cold start) for a stack nobody reads. Without it, the map is parsed only when a stack
 *   is wanted; the ignored error, and everything else, stays the same.
 */
const temporalSdkPlugin: Plugin = {
  name: 'payops-temporal-sdk',
  setup(b) {
    b.onLoad({ filter: /[\\/]@temporalio[\\/]core-bridge[\\/]common\.js$/ }, (args) => ({
      loader: 'js',
      contents: rewrite(
        args.path,
        "path.resolve(__dirname, 'releases',",
        `path.resolve(__dirname, ${JSON.stringify(NATIVE_BINARY_DIR)},`,
      ),
    }));
    b.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]worker\.js$/ }, (args) => ({
      loader: 'js',
      contents: rewrite(
        args.path,
        'script.runInContext(context);',
        'script.runInContext(context, { displayErrors: false });',
      ),
    }));
    b.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]bundler\.js$/ }, () => ({
      loader: 'js',
      contents: [
        "'use strict';",
        'const refuse = () => {',
        "  throw new Error('this artefact runs a prebuilt workflow bundle only (workflowBundle); it cannot bundle');",
        '};',
        'exports.defaultWorkflowInterceptorModules = [];',
        'exports.WorkflowCodeBundler = class { constructor() { refuse(); } };',
        'exports.bundleWorkflowCode = async () => refuse();',
      ].join('\n'),
    }));
  },
};

/**
 * Files bundled modules read from their own `__dirname` (which, bundled, is the artefact's root). Each is shipped
 * where that code now looks, found from esbuild's metafile: only when a module that reads it was bundled.
 */
const DIRNAME_ASSETS: ReadonlyArray<{ input: RegExp; source: (inputPath: string) => string; target: string }> = [
  {
    // The core bridge's binary, at the path the plugin above points it to.
    input: /@temporalio[\\/]core-bridge[\\/]common\.js$/,
    source: () => nativeBinarySource(),
    target: `${NATIVE_BINARY_DIR}/${NATIVE_TARGET}/index.node`,
  },
  {
    // `source-map` (the SDK maps workflow stack traces with it) reads its WebAssembly decoder beside itself.
    input: /[\\/]source-map[\\/]lib[\\/]read-wasm\.js$/,
    source: (inputPath) => join(dirname(inputPath), 'mappings.wasm'),
    target: 'mappings.wasm',
  },
];

/** The file a lazily loaded package is shipped as, beside index.js: `@adyen/api-library` → `adyen-api-library.js`. */
export function lazyPackageFile(pkg: string): string {
  return `${pkg.replace(/^@/, '').replace(/\//g, '-')}.js`;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Keeps each of `packages` out of index.js: `require('<pkg>')` becomes `require('./<lazyPackageFile>')`, a file built
 * on its own beside index.js. Bundled inline, a package required on first use is still read and compiled with the
 * rest of index.js at every cold start; on its own, nothing of it is read until that first `require`. Only the package
 * root may be imported: a subpath would bundle a second copy of its modules into index.js (two `HttpClientException`
 * classes, and `instanceof` failing across them).
 */
function lazyPackagesPlugin(packages: readonly string[]): Plugin {
  return {
    name: 'payops-lazy-packages',
    setup(b) {
      for (const pkg of packages) {
        b.onResolve({ filter: new RegExp(`^${escapeRegExp(pkg)}$`) }, () => ({
          path: `./${lazyPackageFile(pkg)}`,
          external: true,
        }));
        b.onResolve({ filter: new RegExp(`^${escapeRegExp(pkg)}/`) }, (args) => ({
          errors: [{ text: `${args.path}: import ${pkg} itself (it is shipped as ./${lazyPackageFile(pkg)})` }],
        }));
      }
    },
  };
}

/** What the bundles need beside them, from esbuild's metafile: it decides what else ships. */
export interface BundleOutput {
  /** Files to copy into the artefact: absolute source, target relative to index.js. */
  assets: Array<{ source: string; target: string }>;
  /** The code runs workflows in the SDK's worker thread: workflow-worker-thread.js was built beside index.js. */
  runsWorkflows: boolean;
}

/** The DIRNAME_ASSETS the bundled inputs need; two different files for one target would be a silent break: refused. */
function assetsFor(inputs: string[]): BundleOutput['assets'] {
  const byTarget = new Map<string, string>();
  for (const rule of DIRNAME_ASSETS) {
    for (const input of inputs.filter((p) => rule.input.test(p))) {
      const source = rule.source(resolve(input));
      const seen = byTarget.get(rule.target);
      if (seen && !readFileSync(seen).equals(readFileSync(source))) {
        throw new Error(`${rule.target}: two different versions are bundled (${seen}, ${source}); dedupe them`);
      }
      byTarget.set(rule.target, source);
    }
  }
  return [...byTarget].map(([target, source]) => ({ source, target }));
}

/**
 * Bundles `entry` (export `handler`) into `outDir/index.js`, with everything the code loads by path beside it:
 * `failure-converter.js` (the data converter requires it by path) and, for a worker, `workflow-worker-thread.js`
 * (the SDK starts it with `new Worker(require.resolve(...))` relative to index.js). Node 24, CommonJS, every package
 * bundled. Source maps carry names and lines but not the sources (`sourcesContent: false`): Lambda's
 * `--enable-source-maps` maps stack traces without them, and the sources would double the maps' size.
 */
export async function bundleFunction(
  entry: string,
  outDir: string,
  failureConverterPath: string,
  /** Packages left to `require` at run time (a Lambda layer provides them under /opt/nodejs/node_modules). */
  external: readonly string[] = [],
  /** Packages the code requires on first use: each ships as its own file beside index.js (see lazyPackagesPlugin). */
  lazy: readonly string[] = [],
): Promise<BundleOutput> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    outdir: outDir,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    // The modules loaded by `require.resolve(path)` are the ones shipped beside index.js (see above) or unused here
    // (the SDK's debug replayer); any other warning still prints.
    logOverride: { 'require-resolve-not-external': 'silent' },
    plugins: [temporalSdkPlugin],
    external: [...external],
  };
  const main = await build({
    ...common,
    entryPoints: { index: entry, 'failure-converter': failureConverterPath },
    plugins: [temporalSdkPlugin, lazyPackagesPlugin(lazy)],
  });
  const inputs = Object.keys(main.metafile?.inputs ?? {});
  if (lazy.length > 0) {
    const entryPoints = Object.fromEntries(
      lazy.map((pkg) => [lazyPackageFile(pkg).replace(/\.js$/, ''), require.resolve(pkg)]),
    );
    const lazyBuild = await build({ ...common, entryPoints });
    inputs.push(...Object.keys(lazyBuild.metafile?.inputs ?? {}));
  }
  const runsWorkflows = inputs.some((p) => /@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]threaded-vm\.js$/.test(p));
  if (runsWorkflows) {
    const thread = await build({ ...common, entryPoints: { 'workflow-worker-thread': workerThreadEntry() } });
    inputs.push(...Object.keys(thread.metafile?.inputs ?? {}));
  }
  return { assets: assetsFor(inputs), runsWorkflows };
}
