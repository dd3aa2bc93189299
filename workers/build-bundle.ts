import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundlerOptionsFor, failureConverterPath, workflowsPath } from './bundle-options';

/** Prebundles workflow code (Lambda cold starts and tests skip webpack); the bench passes its own registry. */
export async function buildWorkflowBundle(
  outFile: string,
  registry: string = workflowsPath,
  env: 'local' | 'aws' = 'local',
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: registry,
    ...bundlerOptionsFor(env),
    failureConverterPath,
  });
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
    // failure-converter.js sits beside index.js, where the bundled `require.resolve('./failure-converter')` looks.
    entryPoints: { index: join(__dirname, 'lambda.ts'), 'failure-converter': failureConverterPath },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node24',
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
