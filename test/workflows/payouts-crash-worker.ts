import { createHttpCreators } from '../../activities/adapters/creators/http-creators';
import { loadConfig } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { createLongLivedWorker } from '../../workers/long-lived';

/**
 * A real worker process for the SIGKILL test: the long-lived worker with real adapters (DynamoDB ledger and audit
 * on the emulator, PSP sandbox), plus the creator directory at CREATORS_API_BASE (argv[2]) and the prebuilt bundle.
 */
async function main(): Promise<void> {
  const [creatorsBase, bundle] = process.argv.slice(2);
  if (!creatorsBase || !bundle) throw new Error('usage: payouts-crash-worker <creatorsApiBase> <bundlePath>');
  const config = loadConfig();
  const deps = buildDependencies(config, { creators: createHttpCreators({ apiBase: creatorsBase }) });
  const { worker } = await createLongLivedWorker({ config, deps, workflowBundlePath: bundle });
  process.stdout.write('worker-ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
