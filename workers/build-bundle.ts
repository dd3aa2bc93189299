import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundlerOptionsFor, failureConverterPath, workflowsPath, type BundleOptions } from './bundle-options';
import type { TrustEnvironment } from './bundle-trust';

/**
 * Prebundles workflow code (Lambda cold starts and tests skip webpack); the bench passes its own registry. `env` picks
 * the trust set compiled in and has no default: the Lambda artefact (`npm run build:lambda`, workers/package-lambda.ts)
 * is 'aws', the test stack's and the bench's bundles say 'local'.
 */
export async function buildWorkflowBundle(
  outFile: string,
  env: TrustEnvironment,
  registry: string = workflowsPath,
  opts: Pick<BundleOptions, 'awsTrustKeysFile'> = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: registry,
    ...bundlerOptionsFor(env, opts),
    failureConverterPath,
  });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}
