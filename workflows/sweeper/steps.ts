import { proxyActivities } from '@temporalio/workflow';
import type { SweeperActivities } from './contract';

/**
 * The sweep's activities. A sweep runs every few minutes under overlap policy SKIP: one that kept retrying would make
 * the Schedule skip every later sweep, so each call gets a few attempts and gives up; the next sweep tries afresh
 * (notices missed now go out then: nothing is recorded as sent before it was sent).
 */
export const sweep = proxyActivities<SweeperActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 3 },
});
