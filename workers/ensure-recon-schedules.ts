import { ensureReconSchedules } from '../client/recon';
import { runScheduleStep, scheduleStep } from './schedule-step';
import { reconAccounts } from './config-recon';

const USAGE = `usage: tsx workers/ensure-recon-schedules.ts

Creates the daily reconciliation Schedules (recon-<accountId>, 07:00 account time, overlap skip), one per account of
RECON_ACCOUNTS (default bank-main and psp-platform), or updates them to the configuration, keeping any ops paused.
Reads the processes' configuration: TEMPORAL_* (or a temporal.toml profile), TEMPORAL_TASK_QUEUE, RECON_ACCOUNTS,
BANK_DEBTOR_IBAN, and the payload keys (PAYLOAD_KMS_KEY_ID in aws mode). Run it with every release, after the workers
are deployed (next to workers/ensure-sweep-schedule.ts).`;

/** The release path's step: exit 0 created/updated, 2 bad arguments or configuration, 1 anything else. */
export const main = (argv: string[]): Promise<number> =>
  scheduleStep(USAGE, argv, async (client, config) => {
    const { created, updated } = await ensureReconSchedules(client, {
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      accounts: reconAccounts(config),
    });
    return [...created.map((id) => `${id} created`), ...updated.map((id) => `${id} updated`)];
  });

if (require.main === module) runScheduleStep(main);
