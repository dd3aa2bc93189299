import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startPayout } from '../../client/payouts';
import { until } from '../support/wait';
import { admin, fast, seedCreator, uniqueId, usd, type PayoutHarness } from './payouts-harness';

/** Helpers of the PSP queue tests (pacing, incident pause): sandbox calls, payouts in bulk, pending PSP activities. */

export interface SandboxCall {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
}

/** Every call the PSP sandbox answered so far. */
export async function sandboxCalls(h: PayoutHarness): Promise<SandboxCall[]> {
  return ((await admin(h.psp.url, '/__admin/calls', undefined, 'GET')) as { calls: SandboxCall[] }).calls;
}

/** Successful transfer creates per payout (under each payout's first initiation key), in the given order. */
export function createsPerPayout(calls: SandboxCall[], workflowIds: string[]): number[] {
  const creates = calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers' && c.status === 200);
  return workflowIds.map((wf) => creates.filter((c) => c.idempotencyKey === `${wf}:initiate`).length);
}

/** Starts `n` PSP payouts (fresh, funded creators) on the harness's queue; returns their handles. */
export async function startPspPayouts(h: PayoutHarness, n: number, tag: string): Promise<WorkflowHandle[]> {
  const creators = Array.from({ length: n }, () => uniqueId(tag));
  await Promise.all(creators.map((creatorId) => seedCreator(h, { creatorId })));
  const started = await Promise.all(
    creators.map((creatorId) =>
      startPayout(
        h.client,
        { payoutId: `${creatorId}-2026-11`, creatorId, period: '2026-11', amount: usd(1_000), timing: fast },
        { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
      ),
    ),
  );
  return started.map((s) => s.handle);
}

export const SCHEDULED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;

/** The workflow's pending activity of `type` (from describe(), strongly consistent), if any. */
export async function pendingActivity(handle: WorkflowHandle, type: string) {
  const d = await handle.describe();
  return d.raw.pendingActivities?.find((a) => a.activityType?.name === type);
}

/** Waits until each payout has `type` scheduled on the server and not started (a backlog on the PSP queue). */
export async function untilScheduledNotStarted(handles: WorkflowHandle[], type: string, timeoutMs = 60_000) {
  await until(async () => {
    const pending = await Promise.all(handles.map((h) => pendingActivity(h, type)));
    return pending.every((a) => a?.state === SCHEDULED) ? true : undefined;
  }, timeoutMs);
}
