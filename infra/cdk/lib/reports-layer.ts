import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The DuckDB layer of the decisions function: the reports' engine (decisions/reports/engine.ts) and its native
 * binary for Lambda's x86_64 glibc, under `nodejs/node_modules/`, which the Node runtime resolves from `/opt`. The
 * decisions bundle leaves `@duckdb/node-api` external (workers/package-lambda.ts, DECISIONS_EXTERNAL), so these are
 * the only copies it runs. Staged from the repository's node_modules (installed by npm, versions pinned by the
 * lockfile), hard-linked where the file system allows.
 *
 * Why a layer and not the reports rewritten as Athena SQL: the spend and service-level reports are one SQL text run
 * by DuckDB, locally and on AWS; Athena only selects a period's rows. Two dialects (DuckDB and Trino) would have to
 * agree on exact percentiles (quantile_disc vs approx_percentile), rounding and ordering to keep the reports
 * byte-identical, and Trino cannot be run by the tests here (moto's Athena returns canned rows).
 */

/** What the layer holds: node-api requires node-bindings, which requires detect-libc and the platform binary. */
export const DUCKDB_LAYER_PACKAGES = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-linux-x64',
  'detect-libc',
] as const;

/**
 * Well under Lambda's 250 MB (function and layers unzipped): the DuckDB binary is about 68 MB; the decisions bundle
 * a few MB. A growing binary fails synthesis here, not a deployment.
 */
export const DUCKDB_LAYER_MAX_BYTES = 100 * 1024 * 1024;

/** The repository's node_modules (the CDK app's own holds only the CDK). */
export const ROOT_NODE_MODULES = join(__dirname, '..', '..', '..', 'node_modules');
/** Where the layer is staged by default (dist/ is not committed). */
export const DUCKDB_LAYER_DIR = join(__dirname, '..', '..', '..', 'dist', 'layers', 'duckdb');

/** Links (or copies, across devices) `from` into `to`; returns the bytes staged. */
function stageTree(from: string, to: string): number {
  mkdirSync(to, { recursive: true });
  let bytes = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) bytes += stageTree(src, dst);
    else if (entry.isFile()) {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
      bytes += statSync(src).size;
    }
  }
  return bytes;
}

const version = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Stages the layer into `out` (replacing it) from `nodeModules`; returns the folder and its unzipped size. Fails,
 * naming the fix, when a package is missing (the linux-x64 binding is an optional dependency: npm installs it on
 * linux x64 only) or the binding's version differs from node-bindings' (a mismatched binary would fail at first use).
 */
export function stageDuckDbLayer(
  nodeModules = ROOT_NODE_MODULES,
  out = DUCKDB_LAYER_DIR,
): { dir: string; bytes: number } {
  const missing = DUCKDB_LAYER_PACKAGES.filter((p) => !existsSync(join(nodeModules, p, 'package.json')));
  if (missing.length)
    throw new Error(
      `DuckDB layer: ${missing.join(', ')} not installed in ${nodeModules} (run npm ci on linux x64, or pass -c reportsLayerAsset=<folder or zip>)`,
    );
  const bindings = version(join(nodeModules, '@duckdb/node-bindings'));
  const binary = version(join(nodeModules, '@duckdb/node-bindings-linux-x64'));
  if (bindings !== binary)
    throw new Error(`DuckDB layer: @duckdb/node-bindings ${bindings} but @duckdb/node-bindings-linux-x64 ${binary}`);
  rmSync(out, { recursive: true, force: true });
  let bytes = 0;
  for (const p of DUCKDB_LAYER_PACKAGES)
    bytes += stageTree(join(nodeModules, p), join(out, 'nodejs', 'node_modules', p));
  if (bytes > DUCKDB_LAYER_MAX_BYTES)
    throw new Error(`DuckDB layer: ${bytes} bytes unzipped, over its budget of ${DUCKDB_LAYER_MAX_BYTES}`);
  return { dir: out, bytes };
}
