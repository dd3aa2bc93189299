import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigError } from './config';
import { processLogger } from './logger';

export type TrustEnvironment = 'local' | 'aws';

/** The first line of every workflow bundle (webpack's BannerPlugin, workers/bundle-options.ts): its trust set. */
export const trustBanner = (env: TrustEnvironment) => `payops-trust-environment=${env}`;
const BANNER = /^\/\*! payops-trust-environment=(local|aws) \*\//;

/** The trust environment a bundle's code was built for, from its first line; undefined when it carries none. */
export function bundleTrustEnvironment(code: string): TrustEnvironment | undefined {
  return BANNER.exec(code.slice(0, 200))?.[1] as TrustEnvironment | undefined;
}

/** The trust environment of a bundle file, from its head only (bundles are megabytes). */
export function bundleFileTrustEnvironment(path: string): TrustEnvironment | undefined {
  return bundleTrustEnvironment(head(path));
}

function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(200);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } catch (err) {
    throw new ConfigError(`WORKFLOW_BUNDLE_PATH: cannot read ${path} (${(err as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * A worker's start-up check of a prebuilt bundle against `PAYOPS_MODE`. With PAYOPS_MODE=aws the bundle must be the
 * aws one: a local bundle trusts keys whose private halves are in this repository (anyone could mint a decision). In
 * local mode the aws bundle is allowed (it trusts only production keys; smoke-testing the release artefact against
 * the dev server, test/e2e/lambda-zip.test.ts) and logged. A bundle without the banner is refused in both.
 */
export function assertBundleTrust(path: string, mode: TrustEnvironment): TrustEnvironment {
  const built = bundleFileTrustEnvironment(path);
  if (!built) {
    throw new ConfigError(
      `WORKFLOW_BUNDLE_PATH: ${path} carries no trust environment (built without workers/bundle-options.ts); ` +
        `rebuild it (npm run build:lambda) for PAYOPS_MODE=${mode}`,
    );
  }
  if (built === 'local' && mode === 'aws') {
    throw new ConfigError(
      `WORKFLOW_BUNDLE_PATH: the bundle was built for the local trust environment but PAYOPS_MODE=aws; ` +
        'it would trust the local keys (public): use the aws bundle (npm run build:lambda)',
    );
  }
  if (built !== mode) {
    processLogger().warn('workflow bundle built for another trust environment', { bundle: built, mode });
  }
  return built;
}
