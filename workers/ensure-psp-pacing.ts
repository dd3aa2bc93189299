import { applyAdyenRateLimit, applyPspRateLimit, type PspQueueLimit } from '../client/psp-control';
import { adyenConfigOf } from './config-adyen';
import { runScheduleStep, scheduleStep } from './schedule-step';

const USAGE = `usage: tsx workers/ensure-psp-pacing.ts

Sets both PSPs' server-side pacing on their own task queues, as \`npm start\` does locally: Stripe's
(<TEMPORAL_TASK_QUEUE>-psp) to PSP_RATE_LIMIT_RPS per endpoint and PSP_ACCOUNT_RATE_LIMIT_RPS for the whole queue,
Adyen's (<TEMPORAL_TASK_QUEUE>-psp-adyen, every routing table version's) to ADYEN_RATE_LIMIT_RPS and
ADYEN_ACCOUNT_RATE_LIMIT_RPS. A provider paused for an incident keeps its 0 (only its per-endpoint limit is set): a
release never ends a pause. Reads the processes' configuration: TEMPORAL_* (or a temporal.toml profile),
TEMPORAL_TASK_QUEUE, the PSP_* and ADYEN_* rate limits. Run it with every release, after the workers are deployed
(next to workers/ensure-sweep-schedule.ts and workers/ensure-recon-schedules.ts).`;

/** One queue's outcome as the release log shows it. */
function line(provider: string, l: PspQueueLimit & { applied: boolean }): string {
  const endpoint = `${l.endpointRatePerSecond ?? '-'}/s per endpoint`;
  if (!l.applied) return `${provider} ${l.taskQueue} paused by ${l.pausedBy ?? '?'}: kept at 0 (${endpoint})`;
  return `${provider} ${l.taskQueue} ${l.ratePerSecond ?? '-'}/s account, ${endpoint}`;
}

/**
 * The release path's step: exit 0 applied (or kept paused), 2 bad arguments or configuration (a bad rate is named by
 * its variable), 1 anything else. Until this ran on AWS, only `npm start` set the queues' limits, so a deployment's
 * PSP queues ran on the workers' limits alone and Adyen's pause had no rate recorded for its resume.
 */
export const main = (argv: string[]): Promise<number> =>
  scheduleStep(USAGE, argv, async (client, config) => {
    // Adyen's variables were parsed with the rest of the configuration (a bad rate stopped it, named).
    const adyen = adyenConfigOf(config.PAYOPS_MODE, config);
    const stripe = await applyPspRateLimit(client, config);
    const adyenQueues = await applyAdyenRateLimit(client, {
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      rateLimitRps: adyen.rateLimitRps,
      accountRateLimitRps: adyen.accountRateLimitRps,
    });
    return [line('stripe', stripe), ...adyenQueues.map((q) => line('adyen', q))];
  });

if (require.main === module) runScheduleStep(main);
