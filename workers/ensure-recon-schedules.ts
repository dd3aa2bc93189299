import { connectClient } from '../client/connect';
import { ClientInputError } from '../client/errors';
import { ensureReconSchedules } from '../client/recon';
import { dataConverterFor } from './data-converter';
import { ConfigError, loadConfig, temporalEnv } from './config';
import { reconAccounts } from './config-recon';

const USAGE = `usage: tsx workers/ensure-recon-schedules.ts

Creates the daily reconciliation Schedules (recon-<accountId>, 07:00 account time, overlap skip), one per account of
RECON_ACCOUNTS (default bank-main and psp-platform), or updates them to the configuration, keeping any ops paused.
Reads the processes' configuration: TEMPORAL_* (or a temporal.toml profile), TEMPORAL_TASK_QUEUE, RECON_ACCOUNTS,
BANK_DEBTOR_IBAN, and the payload keys (PAYLOAD_KMS_KEY_ID in aws mode). Run it with every release, after the workers
are deployed (next to workers/ensure-sweep-schedule.ts).`;

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
    const { created, updated } = await ensureReconSchedules(client, {
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      accounts: reconAccounts(config),
    });
    for (const id of created) console.log(`${id} created`);
    for (const id of updated) console.log(`${id} updated`);
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
