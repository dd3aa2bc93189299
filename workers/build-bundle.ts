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
  writeFileSync(outFile, withoutSourcesContent(code));
  return outFile;
}

const INLINE_MAP = '//# sourceMappingURL=data:';

/**
 * The bundle with its inline source map kept but without `sourcesContent` (every module's source, more than half of
 * the file). Each worker reads, decodes and parses that map when it creates its workflow thread, in the main thread
 * and again in the workflow thread (the SDK's stack-trace mapper), so it weighs on every Lambda invocation's start.
 * Stack traces still map to file and line (`mappings`, `sources` and `names` stay); only the stack-trace query's
 * source excerpts (`showStackTraceSources`, off) would need the contents. Found as the SDK finds it.
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(INLINE_MAP);
  const base64 = at > 0 ? code.indexOf('base64,', at) : -1;
  if (base64 < 0) throw new Error('workflow bundle: no inline source map (the SDK requires one)');
  const header = code.slice(at, base64 + 'base64,'.length);
  const map = JSON.parse(Buffer.from(code.slice(header.length + at).trim(), 'base64').toString('utf8')) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  return `${code.slice(0, at)}${header}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
