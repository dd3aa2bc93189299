import { DefinePlugin, type Configuration } from 'webpack';

/** How workflow code is bundled, shared by the prebuilt bundle (`buildWorkflowBundle`) and a worker that bundles at start. */
export const workflowsPath = require.resolve('../workflows');

/** Failure messages and stack traces are encoded (then encrypted) by the workflow sandbox's failure converter too. */
export { failureConverterPath } from '../codec/settings';

/** Modules evaluated once per worker thread and shared by all workflows; see workflows/shared/zod-preload.ts. */
export const preloadModules = [require.resolve('../workflows/shared/zod-preload')];

/**
 * The bundler options for an environment: its trust set is compiled in (`__PAYOPS_TRUST_ENV__`, read by
 * workflows/shared/trust.ts), so a bundle for AWS never trusts the local identity provider's key.
 */
export function bundlerOptionsFor(env: 'local' | 'aws') {
  return {
    preloadModules,
    webpackConfigHook: (config: Configuration): Configuration => ({
      ...config,
      plugins: [...(config.plugins ?? []), new DefinePlugin({ __PAYOPS_TRUST_ENV__: JSON.stringify(env) })],
    }),
  };
}
