import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundlerOptionsFor, workflowsPath } from './bundle-options';

/** Prebundles workflow code (Lambda cold starts and tests skip webpack); the bench passes its own registry. */
export async function buildWorkflowBundle(
  outFile: string,
  registry: string = workflowsPath,
  env: 'local' | 'aws' = 'local',
): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: registry, ...bundlerOptionsFor(env) });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

/**
 * `npm run build:lambda`: the Lambda deployment artefact in dist/lambda/ — index.js (the handler,
 * packages left external: ship node_modules, or a layer, next to it) and workflow-bundle.js.
 */
async function buildLambda(outDir: string): Promise<void> {
  await buildWorkflowBundle(join(outDir, 'workflow-bundle.js'), workflowsPath, 'aws');
  await build({
    entryPoints: [join(__dirname, 'lambda.ts')],
    outfile: join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
  });
  console.log(`Lambda artefact in ${outDir}: index.js (export: handler) + workflow-bundle.js`);
}

if (require.main === module) {
  buildLambda(process.argv[2] ?? 'dist/lambda').catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
