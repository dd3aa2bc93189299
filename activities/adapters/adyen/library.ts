import type * as AdyenLibrary from '@adyen/api-library';

/** The shape of Adyen's official library (its classes and model namespaces), for code that loads it on first use. */
export type Adyen = typeof AdyenLibrary;

/**
 * Adyen's official library, loaded on the first Adyen call rather than when the worker starts. It is large (about
 * 5 MB of model classes and their dependencies, a third of the worker's bundle): imported at the top, every cold start
 * parsed and ran it before its first poll, though most invocations never call Adyen. A plain `require` keeps the
 * adapters synchronous; Node's module cache makes every later call a look-up. The packager ships the library beside
 * index.js (`WORKER_LAZY_PACKAGES` in workers/package-lambda.ts), so the worker's index.js does not even parse it.
 */
export function adyenLibrary(): Adyen {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('@adyen/api-library') as Adyen;
}
