import { ensureSweepSchedule } from '../client/sweeper';
import { runScheduleStep, scheduleStep } from './schedule-step';

const USAGE = `usage: tsx workers/ensure-sweep-schedule.ts

Creates the stuck-work sweep Schedule (stuck-work-sweep), or updates it to the configuration, keeping it paused if
ops paused it. Reads the processes' configuration: TEMPORAL_* (or a temporal.toml profile), TEMPORAL_TASK_QUEUE,
SWEEP_INTERVAL, SWEEP_THRESHOLDS, WEB_UI_URL, PAYOPS_STAGE, and the payload keys (PAYLOAD_KMS_KEY_ID in aws mode).
Run it with every release, after the workers are deployed.`;

/** The release path's step: exit 0 created/updated, 2 bad arguments or configuration, 1 anything else. */
export const main = (argv: string[]): Promise<number> =>
  scheduleStep(USAGE, argv, async (client, config) => {
    const { created } = await ensureSweepSchedule(client, config);
    return [`stuck-work-sweep ${created ? 'created' : 'updated'}: every ${config.SWEEP_INTERVAL / 1000} s`];
  });

if (require.main === module) runScheduleStep(main);
