import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundlerOptionsFor, failureConverterPath, workflowsPath } from './bundle-options';

/**
 * Prebundles workflow code (Lambda cold starts and tests skip webpack); the bench passes its own registry. `env`
 * picks the trust set compiled in: the Lambda artefact (`npm run build:lambda`, workers/package-lambda.ts) uses 'aws'.
 */
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
