/** How workflow code is bundled, shared by the prebuilt bundle (`buildWorkflowBundle`) and a worker that bundles at start. */
export const workflowsPath = require.resolve('../workflows');

/** Failure messages and stack traces are encoded (then encrypted) by the workflow sandbox's failure converter too. */
export { failureConverterPath } from '../codec/settings';

/** Modules evaluated once per worker thread and shared by all workflows; see workflows/shared/zod-preload.ts. */
export const preloadModules = [require.resolve('../workflows/shared/zod-preload')];
