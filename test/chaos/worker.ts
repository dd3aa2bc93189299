import { loadConfig } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { createLongLivedWorker } from '../../workers/long-lived';

/**
 * The chaos matrix's worker process: the long-lived worker with the real adapters (sandboxes, DynamoDB on moto) and
 * the prebuilt bundle (argv[2]). A child process, so a row can SIGKILL it.
 */
async function main(): Promise<void> {
  const bundle = process.argv[2];
  if (!bundle) throw new Error('usage: worker <bundlePath>');
  const config = loadConfig();
  const { worker } = await createLongLivedWorker({
    config,
    deps: buildDependencies(config),
    workflowBundlePath: bundle,
  });
  process.stdout.write('worker-ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
