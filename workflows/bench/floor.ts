import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

/** Benchmark floor: the same number of activities as a payout, doing nothing, on the same server and worker. */
export async function benchFloor(input: { activities: number }): Promise<number> {
  for (let i = 0; i < input.activities; i++) await noop();
  return input.activities;
}
