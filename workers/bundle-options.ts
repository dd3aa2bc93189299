/** How workflow code is bundled, shared by the prebuilt bundle (`buildWorkflowBundle`) and a worker that bundles at start. */
export const workflowsPath = require.resolve('../workflows');

/** Modules evaluated once per worker thread and shared by all workflows; see workflows/shared/zod-preload.ts. */
export const preloadModules = [require.resolve('../workflows/shared/zod-preload')];
