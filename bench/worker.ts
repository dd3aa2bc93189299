import { createActivities } from '../activities';
import { loadConfig } from '../workers/config';
import { buildDependencies } from '../workers/dependencies';
import { createLongLivedWorker } from '../workers/long-lived';
import type { FloorActivities } from './floor';

/** The floor's activity: the bench's worker registers it beside the product's, nothing else does. */
export const floorActivities = { noop: async (): Promise<void> => undefined } satisfies FloorActivities;

/**
 * The bench's worker process: the product's worker (same config, adapters and options) plus the floor's activity,
 * on the bench bundle (`bench/workflows.ts`, prebuilt by the bench and given as `WORKFLOW_BUNDLE_PATH`).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.WORKFLOW_BUNDLE_PATH) throw new Error('WORKFLOW_BUNDLE_PATH: the bench worker runs a prebuilt bundle');
  const deps = buildDependencies(config);
  const { worker, connection } = await createLongLivedWorker({
    config,
    deps,
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
    extra: { activities: { ...createActivities(deps), ...floorActivities } },
  });
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
