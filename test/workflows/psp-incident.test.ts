import type { WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { ClientInputError } from '../../client/errors';
import {
  applyAdyenRateLimit,
  applyPspRateLimit,
  describeProviderQueue,
  describePspQueue,
  pausedProviders,
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
    return (await decodedNotices(handle)).map((n) => n.incidentId);
  }

  async function decodedNotices(handle: WorkflowHandle): Promise<PspIncidentNotice[]> {
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).flatMap((e) => {
      const a = e.workflowExecutionSignaledEventAttributes;
      return a?.signalName === 'pspIncident' ? [a.input?.payloads ?? []] : [];
    });
    const converter = h.client.options.loadedDataConverter;
    return Promise.all(signals.map((p) => decodeFromPayloadsAtIndex<PspIncidentNotice>(converter, 0, p)));
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

    const paused = await pausePspCalls(h.client, {
      provider: 'stripe',
      incidentId,
      reason: 'PSP outage',
      taskQueue: queue(),
    });

    expect(paused.notices).toMatchObject({ matched: 4, signalled: 4, failed: 0 });
    expect(paused.previous).toMatchObject({ ratePerSecond: configured });
    expect(await describePspQueue(h.client, queue())).toMatchObject({ ratePerSecond: 0, pausedBy: incidentId });
    expect(await pausedProviders(h.client, queue())).toEqual([
      { provider: 'stripe', incidentId, taskQueue: `${queue()}-psp` },
    ]);
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
    expect((await decodedNotices(handles[0]!)).map((n) => n.provider)).toEqual(['stripe']);
    // A restart or a release re-applying the configured limit must not end the pause.
    expect(await applyPspRateLimit(h.client, { ...h.config, PSP_ACCOUNT_RATE_LIMIT_RPS: configured })).toMatchObject({
      applied: false,
      pausedBy: incidentId,
    });

    const resumed = await resumePspCalls(h.client, { provider: 'stripe', taskQueue: queue() });

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

    const err = await pausePspCalls(h.client, {
      provider: 'stripe',
      incidentId: "INC' OR 1=1",
      reason: 'x',
      taskQueue: queue(),
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ClientInputError);
    expect((err as ClientInputError).issues.map((i) => i.path)).toEqual(['incidentId']);
    expect(await describePspQueue(h.client, queue())).toEqual(before);
  });

  test('when the provider is missing or unknown, then pause and resume are refused naming provider and no queue is touched', async () => {
    const before = await Promise.all([
      describeProviderQueue(h.client, 'stripe', queue()),
      describeProviderQueue(h.client, 'adyen', queue()),
    ]);
    const input = { incidentId: 'INC-1', reason: 'x', taskQueue: queue() };

    const missing = await pausePspCalls(h.client, input as never).catch((e: unknown) => e);
    const unknown = await pausePspCalls(h.client, { ...input, provider: 'paypal' } as never).catch((e: unknown) => e);
    const resume = await resumePspCalls(h.client, { taskQueue: queue() } as never).catch((e: unknown) => e);

    for (const err of [missing, unknown, resume]) {
      expect(err).toBeInstanceOf(ClientInputError);
      expect((err as ClientInputError).issues.map((i) => i.path)).toEqual(['provider']);
    }
    expect((unknown as Error).message).toContain('provider: must be one of stripe, adyen');
    expect(
      await Promise.all([
        describeProviderQueue(h.client, 'stripe', queue()),
        describeProviderQueue(h.client, 'adyen', queue()),
      ]),
    ).toEqual(before);
  });

  test('when ops pause Adyen, then only the Adyen queue stops: Stripe payouts keep paying once each and are not told, and resume restores Adyen', async () => {
    const stripeBefore = await describeProviderQueue(h.client, 'stripe', queue());
    expect(stripeBefore.pausedBy).toBeUndefined();

    const paused = await pausePspCalls(h.client, {
      provider: 'adyen',
      incidentId: 'INC-ADYEN-7',
      reason: 'Adyen 5xx',
      taskQueue: queue(),
    });

    expect(paused).toMatchObject({
      provider: 'adyen',
      taskQueue: `${queue()}-psp-adyen`,
      taskQueues: [`${queue()}-psp-adyen`],
      notices: { matched: 0, signalled: 0, failed: 0 },
    });
    expect(await describeProviderQueue(h.client, 'adyen', queue())).toMatchObject({
      ratePerSecond: 0,
      pausedBy: 'INC-ADYEN-7',
    });
    expect(await describeProviderQueue(h.client, 'stripe', queue())).toEqual(stripeBefore);
    expect(await pausedProviders(h.client, queue())).toEqual([
      { provider: 'adyen', incidentId: 'INC-ADYEN-7', taskQueue: `${queue()}-psp-adyen` },
    ]);
    const before = await sandboxCalls(h);
    const handles = await startPspPayouts(h, 2, 'adyen-paused');
    const results = await Promise.all(handles.map((x) => x.result()));
    expect(results.map((r) => (r as { state: string }).state)).toEqual(['completed', 'completed']);
    expect(
      createsPerPayout(
        (await sandboxCalls(h)).slice(before.length),
        handles.map((x) => x.workflowId),
      ),
    ).toEqual([1, 1]);
    for (const handle of handles) expect(await incidentNotices(handle)).toEqual([]);

    // Adyen had no limit before its pause: resume needs a rate (the decision service passes its configured ceiling).
    const refused = await resumePspCalls(h.client, { provider: 'adyen', taskQueue: queue() }).catch((e: unknown) => e);
    expect((refused as ClientInputError).issues.map((i) => i.path)).toEqual(['ratePerSecond']);
    const resumed = await resumePspCalls(h.client, { provider: 'adyen', ratePerSecond: 10, taskQueue: queue() });

    expect(resumed).toMatchObject({ provider: 'adyen', ratePerSecond: 10, resumedIncident: 'INC-ADYEN-7' });
    expect(await describeProviderQueue(h.client, 'adyen', queue())).toMatchObject({ ratePerSecond: 10 });
    expect((await describeProviderQueue(h.client, 'adyen', queue())).pausedBy).toBeUndefined();
    expect(await pausedProviders(h.client, queue())).toEqual([]);
    expect(await describeProviderQueue(h.client, 'stripe', queue())).toEqual(stripeBefore);
  });
  test('given Adyen paced at start-up on its own limits, when ops pause Adyen and resume it without a rate, then Adyen gets its configured limit back, a restart during the pause keeps the 0, and Stripe is untouched', async () => {
    const stripeBefore = await describeProviderQueue(h.client, 'stripe', queue());
    const adyen = { TEMPORAL_TASK_QUEUE: queue(), rateLimitRps: 7, accountRateLimitRps: 12 };

    // As `npm start` does, after Stripe's.
    expect(await applyAdyenRateLimit(h.client, adyen)).toEqual([
      { taskQueue: `${queue()}-psp-adyen`, ratePerSecond: 12, endpointRatePerSecond: 7, applied: true },
    ]);
    await until(
      async () => {
        const d = await describeProviderQueue(h.client, 'adyen', queue());
        return d.ratePerSecond === 12 && d.endpointRatePerSecond === 7 ? d : undefined;
      },
      15_000,
      () => "Adyen's queue limits at 12/s and 7/s per endpoint",
    );
    expect(await describeProviderQueue(h.client, 'stripe', queue())).toEqual(stripeBefore);

    await pausePspCalls(h.client, {
      provider: 'adyen',
      incidentId: 'INC-ADYEN-8',
      reason: 'Adyen 5xx',
      taskQueue: queue(),
    });
    // A restart (or a release) re-applies the limits: the pause's 0 stays.
    expect(await applyAdyenRateLimit(h.client, adyen)).toMatchObject([{ applied: false, pausedBy: 'INC-ADYEN-8' }]);
    expect(await describeProviderQueue(h.client, 'adyen', queue())).toMatchObject({ ratePerSecond: 0 });

    const resumed = await resumePspCalls(h.client, { provider: 'adyen', taskQueue: queue() });

    expect(resumed).toMatchObject({ provider: 'adyen', ratePerSecond: 12, resumedIncident: 'INC-ADYEN-8' });
    expect(await describeProviderQueue(h.client, 'adyen', queue())).toMatchObject({ ratePerSecond: 12 });
    expect(await describeProviderQueue(h.client, 'stripe', queue())).toEqual(stripeBefore);
  });

  test("when Adyen's pacing is not a positive rate, then it is refused naming the variable and the queue is untouched", async () => {
    const before = await describeProviderQueue(h.client, 'adyen', queue());
    const refused = await applyAdyenRateLimit(h.client, {
      TEMPORAL_TASK_QUEUE: queue(),
      rateLimitRps: 0,
      accountRateLimitRps: 12,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClientInputError);
    expect((refused as Error).message).toMatch(/^invalid ADYEN_RATE_LIMIT_RPS: /);
    expect(await describeProviderQueue(h.client, 'adyen', queue())).toEqual(before);
  });
});
