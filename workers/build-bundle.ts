import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Prebundles workflow code (Lambda cold starts and tests skip webpack). */
export async function buildWorkflowBundle(outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: undefined });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

if (require.main === module) {
  const out = process.argv[2] ?? 'dist/workflow-bundle.js';
  buildWorkflowBundle(out).then((file) => console.log(`workflow bundle written to ${file}`), (err) => {
    console.error(err);
    process.exit(1);
  });
}
