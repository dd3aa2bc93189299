import { BannerPlugin, DefinePlugin, type Configuration } from 'webpack';
import { AWS_TRUST_KEYS_FILE, loadAwsTrustedKeys } from './aws-trust';
import { trustBanner, type TrustEnvironment } from './bundle-trust';

/** How workflow code is bundled, shared by the prebuilt bundle (`buildWorkflowBundle`) and a worker that bundles at start. */
export const workflowsPath = require.resolve('../workflows');

/** Failure messages and stack traces are encoded (then encrypted) by the workflow sandbox's failure converter too. */
export { failureConverterPath } from '../codec/settings';

/** Modules evaluated once per worker thread and shared by all workflows; see workflows/shared/preload.ts. */
export const preloadModules = [require.resolve('../workflows/shared/preload')];

/**
 * Workflow interceptor modules compiled into a bundle: with `tracing`, OpenTelemetry's (RunWorkflow, StartActivity,
 * StartChildWorkflow spans, handed to the worker through its `exporter` sink). They are fixed when the bundle is built
 * (a worker given a prebuilt bundle ignores `interceptors.workflowModules`), so a bundle built without them traces
 * no workflow code whatever the worker's configuration; one built with them is safe under a worker with tracing off
 * (workers/dependencies.ts then gives the sink a no-op). Adding them changes no command a workflow issues (headers
 * only), so recorded histories replay either way.
 */
export function workflowInterceptorModules(opts: { tracing?: boolean } = {}): string[] {
  return opts.tracing ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [];
}

/** What `bundlerOptionsFor` takes besides the environment. */
export interface BundleOptions {
  /** Compile the tracing workflow interceptors in. */
  tracing?: boolean;
  /** The aws trust set to compile in (default: infra/trust/aws-keys.json); tests pass a file with a test key. */
  awsTrustKeysFile?: string;
}

/**
 * The bundler options for an environment: its trust set is compiled in (`__PAYOPS_TRUST_ENV__`, and for aws the keys
 * of infra/trust/aws-keys.json as `__PAYOPS_AWS_TRUSTED_KEYS__`, read by workflows/shared/trust.ts), so a bundle for
 * AWS never trusts the local keys, and the environment is the bundle's first line (`/*! payops-trust-environment=… *\/`)
 * for the worker's start-up check (workers/bundle-trust.ts). For aws, a trust set without a current `decisions` key
 * throws here (workers/aws-trust.ts): the build, and a worker bundling at start, refuse.
 */
export function bundlerOptionsFor(env: TrustEnvironment, opts: BundleOptions = {}) {
  const awsKeys = env === 'aws' ? loadAwsTrustedKeys(opts.awsTrustKeysFile ?? AWS_TRUST_KEYS_FILE) : [];
  return {
    preloadModules,
    // For bundleWorkflowCode (build-bundle.ts); a worker bundling at start-up takes them as interceptors.workflowModules.
    workflowInterceptorModules: workflowInterceptorModules(opts),
    webpackConfigHook: (config: Configuration): Configuration => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        new DefinePlugin({
          __PAYOPS_TRUST_ENV__: JSON.stringify(env),
          __PAYOPS_AWS_TRUSTED_KEYS__: JSON.stringify(awsKeys),
        }),
        new BannerPlugin({ banner: trustBanner(env), entryOnly: true }),
      ],
    }),
  };
}
