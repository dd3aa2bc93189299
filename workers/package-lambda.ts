import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadAwsTrustedKeys } from './aws-trust';
import { buildWorkflowBundle } from './build-bundle';
import { failureConverterPath, workflowsPath, type BundleOptions } from './bundle-options';
import { bundleFunction } from './package-esbuild';
import { describeZip, writeZip, type ZipReport } from './package-zip';

/** One Lambda function's artefact: `<outDir>/<name>.zip`, staged in `<outDir>/<name>/` (kept, for a look inside). */
export interface FunctionSpec {
  /** The TypeScript module exporting `handler` (becomes index.js: the CDK's handler is `index.handler`). */
  entry: string;
  /** The zip's base name: `worker` → worker.zip. */
  name: string;
  /** Ship the AWS flavour of the prebuilt workflow bundle as workflow-bundle.js (the worker). */
  withWorkflowBundle: boolean;
  /** Packages not bundled: a layer of the function carries them (see bundleFunction). */
  external?: readonly string[];
  /**
   * Packages the code requires on first use (never imported at the top), each shipped as its own file beside index.js
   * so a cold start neither reads nor compiles them (see bundleFunction).
   */
  lazy?: readonly string[];
}

/**
 * Builds one deployable zip: index.js with every package bundled, the files the code loads by path beside it, the
 * workflow bundle if asked, and in `node_modules/` only the one native core-bridge binary (linux x64 glibc) when the
 * code loads Temporal's core bridge (see package-esbuild.ts). Nothing from devDependencies can get in: only what the entry imports is bundled.
 */
export async function packageFunction(
  spec: FunctionSpec,
  outDir: string,
  opts: Pick<BundleOptions, 'awsTrustKeysFile'> = {},
): Promise<ZipReport> {
  const staging = join(outDir, spec.name);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const { assets } = await bundleFunction(spec.entry, staging, failureConverterPath, spec.external, spec.lazy);
  for (const { source, target } of assets) {
    mkdirSync(dirname(join(staging, target)), { recursive: true });
    copyFileSync(source, join(staging, target));
  }
  if (spec.withWorkflowBundle) {
    // AWS flavour: the bundle never trusts the local keys (their private halves are in this repository), and the
    // build fails here when infra/trust/aws-keys.json has no current 'decisions' key (workers/aws-trust.ts).
    await buildWorkflowBundle(join(staging, 'workflow-bundle.js'), 'aws', workflowsPath, opts);
  }
  return writeZip(staging, join(outDir, `${spec.name}.zip`));
}

/** What the decisions function leaves to its DuckDB layer (infra/cdk/lib/reports-layer.ts ships exactly this). */
export const DECISIONS_EXTERNAL = ['@duckdb/node-api'] as const;

/** What the worker loads on first use (activities/adapters/adyen/library.ts is the only importer of Adyen's library). */
export const WORKER_LAZY_PACKAGES = ['@adyen/api-library'] as const;

/** The project's functions; a missing entry is skipped with a note (the ingress handler may not exist yet). */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    entry: resolve(__dirname, 'lambda.ts'),
    name: 'worker',
    withWorkflowBundle: true,
    // About 5 MB that most invocations never run: loaded on the first Adyen call (activities/adapters/adyen/library.ts).
    lazy: WORKER_LAZY_PACKAGES,
  },
  { entry: resolve(__dirname, '..', 'ingress', 'lambda.ts'), name: 'ingress', withWorkflowBundle: false },
  {
    entry: resolve(__dirname, '..', 'decisions', 'lambda.ts'),
    name: 'decisions',
    withWorkflowBundle: false,
    // The reports' engine and its native binary (68 MB) come from the DuckDB layer (infra/cdk/lib/reports-layer.ts).
    external: DECISIONS_EXTERNAL,
  },
];

/** Where `npm run build:lambda` writes by default: `<name>.zip` per function, staged in `<name>/`. */
export const LAMBDA_OUT_DIR = 'dist/lambda';

/** `npm run build:lambda [outDir]`: every function's zip in outDir (default dist/lambda), with its sizes printed. */
export async function packageAll(
  outDir: string,
  functions = FUNCTIONS,
  opts: Pick<BundleOptions, 'awsTrustKeysFile'> = {},
): Promise<ZipReport[]> {
  // Before minutes of bundling: an aws trust set without a current 'decisions' key fails the build at once.
  if (functions.some((f) => f.withWorkflowBundle)) loadAwsTrustedKeys(opts.awsTrustKeysFile);
  const reports: ZipReport[] = [];
  for (const spec of functions) {
    if (!existsSync(spec.entry)) {
      console.log(`${spec.name}: skipped, ${spec.entry} does not exist`);
      continue;
    }
    const report = await packageFunction(spec, outDir, opts);
    console.log(describeZip(report));
    reports.push(report);
  }
  return reports;
}
