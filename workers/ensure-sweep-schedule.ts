import { connectClient } from '../client/connect';
import { ClientInputError } from '../client/errors';
import { ensureSweepSchedule } from '../client/sweeper';
import { dataConverterFor } from './data-converter';
import { ConfigError, loadConfig, temporalEnv } from './config';

const USAGE = `usage: tsx workers/ensure-sweep-schedule.ts

Creates the stuck-work sweep Schedule (stuck-work-sweep), or updates it to the configuration, keeping it paused if
ops paused it. Reads the processes' configuration: TEMPORAL_* (or a temporal.toml profile), TEMPORAL_TASK_QUEUE,
SWEEP_INTERVAL, SWEEP_THRESHOLDS, WEB_UI_URL, PAYOPS_STAGE, and the payload keys (PAYLOAD_KMS_KEY_ID in aws mode).
Run it with every release, after the workers are deployed.`;

/** The release path's step: exit 0 created/updated, 2 bad arguments or configuration, 1 anything else. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length) {
    console.error(`unknown argument ${argv[0]}\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const { client, close } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
  try {
    const { created } = await ensureSweepSchedule(client, config);
    console.log(`stuck-work-sweep ${created ? 'created' : 'updated'}: every ${config.SWEEP_INTERVAL / 1000} s`);
    return 0;
  } finally {
    await close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const bad = err instanceof ConfigError || err instanceof ClientInputError;
      console.error(err instanceof Error ? err.message : err);
      process.exit(bad ? 2 : 1);
    },
  );
}
