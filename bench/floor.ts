import { proxyActivities } from '@temporalio/workflow';

/** The floor's one activity; registered by the bench worker only (`bench/worker.ts`). */
export interface FloorActivities {
  /** Does nothing: the floor's unit of work. */
  noop(): Promise<void>;
}

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10s' });

/** Benchmark floor: the same number of activities as a payout, doing nothing, on the same server and worker. */
export async function benchFloor(input: { activities: number }): Promise<number> {
  for (let i = 0; i < input.activities; i++) await noop();
  return input.activities;
}
