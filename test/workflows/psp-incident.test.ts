import type { WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { ClientInputError } from '../../client/errors';
import {
  applyPspRateLimit,
  describePspQueue,
  pausePspCalls,
  payoutsAtPspQuery,
  resumePspCalls,
} from '../../client/psp-control';
import type { PspIncidentNotice } from '../../workflows/shared/ops-notices';
import { until } from '../support/wait';
import { admin, startPayoutHarness, type PayoutHarness } from './payouts-harness';
import {
  createsPerPayout,
  pendingActivity,
  SCHEDULED,
  sandboxCalls,
  startPspPayouts,
  untilScheduledNotStarted,
} from './psp-queue-support';

/**
 * Issue 13.3 against the dev server: ops pause every PSP call during a PSP incident (the PSP queue's rate limit goes
 * to 0, the payouts at the PSP step are told), then resume (the limit comes back, the backlog drains, each payout
 * pays once). The scenario of the issue's "done when": a PSP outage first, payouts retrying their transfer.
 */
describe('PSP incident: pause and resume (dev server, PSP sandbox)', () => {
  let h: PayoutHarness;
  const incidentId = 'INC-2026-0042';
  const configured = 25;
  const queue = () => h.config.TEMPORAL_TASK_QUEUE;

  beforeAll(async () => {
    h = await startPayoutHarness();
    // As `npm start` does (the queue-wide limit is the account's; each endpoint gets PSP_RATE_LIMIT_RPS).
    await applyPspRateLimit(h.client, { ...h.config, PSP_ACCOUNT_RATE_LIMIT_RPS: configured });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** The `pspIncident` notices in a payout's history, decoded (they are encrypted like every payload). */
  async function incidentNotices(handle: WorkflowHandle): Promise<Array<string | null>> {
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).flatMap((e) => {
      const a = e.workflowExecutionSignaledEventAttributes;
      return a?.signalName === 'pspIncident' ? [a.input?.payloads ?? []] : [];
    });
    const converter = h.client.options.loadedDataConverter;
    const notices = await Promise.all(
      signals.map((p) => decodeFromPayloadsAtIndex<PspIncidentNotice>(converter, 0, p)),
    );
    return notices.map((n) => n.incidentId);
  }

  /** True when each payout's PSP create is scheduled, not started, and was due at least `ms` ago. */
  async function heldPastDue(handles: WorkflowHandle[], ms: number): Promise<true | undefined> {
    const pending = await Promise.all(handles.map((x) => pendingActivity(x, 'initiatePspPayout')));
    const now = Date.now();
    const held = pending.every((a) => {
      const due = optionalTsToMs(a?.nextAttemptScheduleTime) ?? optionalTsToMs(a?.scheduledTime);
      return a?.state === SCHEDULED && due !== undefined && due + ms < now;
    });
    return held ? true : undefined;
  }

  test('given payouts retrying against a failing PSP, when ops pause PSP calls, then no PSP call is dispatched while paused, each payout is told, and after resume each pays exactly once', async () => {
    await admin(h.psp.url, '/__admin/faults', { fail5xxNext: 100_000, faultMethod: 'POST' });
    const handles = await startPspPayouts(h, 4, 'incident');
    const retrying = async () => {
      const pending = await Promise.all(handles.map((x) => pendingActivity(x, 'initiatePspPayout')));
      return pending.every((a) => (a?.attempt ?? 0) >= 2) ? true : undefined;
    };
    await until(retrying, 60_000);
    const listed = async () =>
      (await h.client.workflow.count(payoutsAtPspQuery(queue()))).count === 4 ? true : undefined;
    await until(listed, 30_000); // visibility is eventually consistent

    const paused = await pausePspCalls(h.client, { incidentId, reason: 'PSP outage', taskQueue: queue() });

    expect(paused.notices).toMatchObject({ matched: 4, signalled: 4, failed: 0 });
    expect(paused.previous).toMatchObject({ ratePerSecond: configured });
    expect(await describePspQueue(h.client, queue())).toMatchObject({ ratePerSecond: 0, pausedBy: incidentId });
    // An attempt already running at the pause finishes (against the outage); then nothing more may reach the PSP.
    await untilScheduledNotStarted(handles, 'initiatePspPayout');
    const callsWhilePaused = (await sandboxCalls(h)).length;
    // The PSP recovers during the pause: a call let through now would create a transfer.
    await admin(h.psp.url, '/__admin/faults', undefined, 'DELETE');
    await until(() => heldPastDue(handles, 1_000), 60_000);
    const afterHold = await sandboxCalls(h);
    expect(afterHold.length).toBe(callsWhilePaused);
    expect(
      createsPerPayout(
        afterHold,
        handles.map((x) => x.workflowId),
      ),
    ).toEqual([0, 0, 0, 0]);
    for (const handle of handles) expect(await incidentNotices(handle)).toEqual([incidentId]);
    // A restart or a release re-applying the configured limit must not end the pause.
    expect(await applyPspRateLimit(h.client, { ...h.config, PSP_ACCOUNT_RATE_LIMIT_RPS: configured })).toMatchObject({
      applied: false,
      pausedBy: incidentId,
    });

    const resumed = await resumePspCalls(h.client, { taskQueue: queue() });

    expect(resumed).toMatchObject({ ratePerSecond: configured, resumedIncident: incidentId });
    expect(resumed.notices).toMatchObject({ matched: 4, signalled: 4, failed: 0 });
    const results = await Promise.all(handles.map((x) => x.result()));
    expect(results.map((r) => (r as { state: string }).state)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    expect(
      createsPerPayout(
        await sandboxCalls(h),
        handles.map((x) => x.workflowId),
      ),
    ).toEqual([1, 1, 1, 1]);
    for (const handle of handles) expect(await incidentNotices(handle)).toEqual([incidentId, null]);
    expect(await describePspQueue(h.client, queue())).toMatchObject({ ratePerSecond: configured });
  });

  test('when the incident ID is malformed, then the pause is refused naming the field and the PSP queue is untouched', async () => {
    const before = await describePspQueue(h.client, queue());

    const err = await pausePspCalls(h.client, { incidentId: "INC' OR 1=1", reason: 'x', taskQueue: queue() }).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(ClientInputError);
    expect((err as ClientInputError).issues.map((i) => i.path)).toEqual(['incidentId']);
    expect(await describePspQueue(h.client, queue())).toEqual(before);
  });
});
