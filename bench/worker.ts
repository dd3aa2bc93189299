import { reportMemory } from './worker-memory'; // first: it watches the threads the SDK starts
import { makeAwsClients } from '../activities/adapters/aws';
import { awsOptions, loadConfig } from '../workers/config';
import { buildDependencies } from '../workers/dependencies';
import { countAwsCalls } from './aws-calls';
import { createLongLivedWorker, workerMain } from '../workers/long-lived';
import { Context } from '@temporalio/activity';
import { benchSignal, type FloorActivities } from './floor';

/** The floor's activity: the bench's worker registers it beside the product's, nothing else does. */
export const floorActivities = {
  noop: async (): Promise<void> => undefined,
  async noopThenSignal(signals: number): Promise<void> {
    const { client, info } = Context.current();
    const handle = client.workflow.getHandle(info.workflowExecution?.workflowId ?? '');
    for (let i = 0; i < signals; i++) await handle.signal(benchSignal);
  },
} satisfies FloorActivities;

/**
 * The bench's worker process: the product's worker (same config, adapters and options) plus the floor's activity,
 * on the bench bundle (`bench/workflows.ts`, prebuilt by the bench and given as `WORKFLOW_BUNDLE_PATH`). With
 * `BENCH_MEMORY_FILE`, it appends its memory samples there (bench/worker-memory.ts) with its AWS calls so far
 * (bench/aws-calls.ts).
 */
if (require.main === module) {
  workerMain(async () => {
    const config = loadConfig();
    if (!config.WORKFLOW_BUNDLE_PATH) throw new Error('WORKFLOW_BUNDLE_PATH: the bench worker runs a prebuilt bundle');
    const aws = makeAwsClients(awsOptions(config));
    const awsCalls = countAwsCalls(aws);
    const { worker, connection } = await createLongLivedWorker({
      config,
      deps: buildDependencies(config, {}, aws),
      workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
      extraActivities: floorActivities,
    });
    const memoryFile = process.env['BENCH_MEMORY_FILE'];
    if (memoryFile) {
      reportMemory(memoryFile, () => {
        const s = worker.getStatus();
        return { cached: s.numCachedWorkflows, activities: s.numInFlightActivities, aws: awsCalls() };
      });
    }
    try {
      await worker.run();
    } finally {
      await connection.close();
    }
  });
}
