import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAwsTrustedKeys, TrustSetError } from './aws-trust';
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
  const { assets } = await bundleFunction(spec.entry, staging, failureConverterPath);
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

/** The project's functions; a missing entry is skipped with a note (the ingress handler may not exist yet). */
export const FUNCTIONS: readonly FunctionSpec[] = [
  { entry: resolve(__dirname, 'lambda.ts'), name: 'worker', withWorkflowBundle: true },
  { entry: resolve(__dirname, '..', 'ingress', 'lambda.ts'), name: 'ingress', withWorkflowBundle: false },
  { entry: resolve(__dirname, '..', 'decisions', 'lambda.ts'), name: 'decisions', withWorkflowBundle: false },
];

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

const USAGE =
  'usage: npm run build:lambda [-- <outDir>]   (default dist/lambda; writes worker.zip, and ingress.zip once ingress/lambda.ts exists)';

/** Parses the CLI's arguments; a bad one exits 2 naming it. */
function outDirFromArgs(args: string[]): string {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (positionals.length > 1) throw new Error(`unexpected argument '${positionals[1]}': one output folder at most`);
    return positionals[0] ?? 'dist/lambda';
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
}

if (require.main === module) {
  packageAll(resolve(outDirFromArgs(process.argv.slice(2)))).catch((err: unknown) => {
    console.error(err instanceof TrustSetError ? err.message : err);
    process.exit(1);
  });
}
