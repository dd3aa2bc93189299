import { startPayout } from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { activityRetryingSignal, pspIncidentSignal } from '../../workflows/shared/ops-notices';
import { until } from '../support/wait';
import {
  admin,
  fast,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  type PayoutHarness,
} from './payouts-harness';
import { currentDetails, listed, listedAsRetrying } from './retrying-support';

/**
 * Issue 13, items 1 and 3 (workflow side): a payout whose PSP transfer keeps failing is found by the `retrying` stuck
 * query (FailedAttempts, LastErrorCode, current details) and leaves it when the PSP recovers; a PSP incident pause
 * shows on payouts that wait on the PSP, and only on those. Real dev server, worker with the retry-reporting
 * interceptor (threshold 3, the default), PSP sandbox with its fault switches.
 */
describe('retrying and paused payouts are listable (real dev server)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(async () => {
    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');
  });
  const opts = () => ({ taskQueue: h.config.TEMPORAL_TASK_QUEUE });
  const startOne = async (prefix: string, timing = fast) => {
    const creatorId = uniqueId(prefix);
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(2_500), timing },
      opts(),
    );
    return { handle, wf: creatorPayoutWorkflowId(payoutId) };
  };
  /** Every PSP create fails with a 5xx until the faults are cleared (look-ups still answer). */
  const pspCreatesDown = () => admin(h.psp.url, '/__admin/faults', { fail5xxNext: 10_000, faultMethod: 'POST' });

  test('when the PSP transfer fails 3+ times, then the payout is listed as retrying with its code and details, and leaves the list once the PSP recovers', async () => {
    await pspCreatesDown();
    const { handle, wf } = await startOne('retry');

    const shown = await until(() => listedAsRetrying(h.client, wf), 30_000);
    expect(shown.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(shown.lastErrorCode).toBe('PSP_UNAVAILABLE');
    const details = await currentDetails(h.client, wf);
    expect(details).toMatch(
      /retrying initiatePspPayout since \S+Z, attempt \d+, last error PSP_UNAVAILABLE, next attempt \d{4}-\d\d-\d\dT\S+Z/,
    );

    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');
    await expect(handle.result()).resolves.toMatchObject({ state: 'completed' });
    // Visibility is eventually consistent: the last upsert lands shortly after the close.
    await until(async () => ((await listed(h.client, wf))?.failedAttempts === 0 ? true : undefined), 15_000);
    expect(await listedAsRetrying(h.client, wf)).toBeUndefined();
    expect((await listed(h.client, wf))?.lastErrorCode).toBe('none');
    expect(await currentDetails(h.client, wf).catch(() => '')).not.toContain('retrying');
  }, 90_000);

  test('when a PSP incident is signalled, then a payout sending to the PSP shows the pause until it is cleared; invalid notices change nothing', async () => {
    await pspCreatesDown();
    const { handle, wf } = await startOne('paused');
    await waitForState(handle, (s) => s.state === 'initiating' && s.rail === 'psp');

    const at = new Date().toISOString();
    await handle.signal(pspIncidentSignal, { incidentId: 'INC-2026-0042', at });
    const paused = await until(async () => {
      const l = await listed(h.client, wf);
      return l?.lastErrorCode === 'psp_incident' ? l : undefined;
    }, 15_000);
    expect(paused.awaitingActor).toBe('psp');
    expect(await currentDetails(h.client, wf)).toContain(`paused: PSP incident INC-2026-0042 since ${at}`);

    // Malformed notices are ignored (logged): the workflow neither fails nor changes what it shows.
    await handle.signal(pspIncidentSignal, { incidentId: 'not an id!', at } as never);
    await handle.signal(activityRetryingSignal, { activityType: 'initiatePspPayout', attempt: 0 } as never);
    expect(await currentDetails(h.client, wf)).toContain('paused: PSP incident INC-2026-0042');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await handle.signal(pspIncidentSignal, { incidentId: null, at: new Date().toISOString() });
    await until(
      async () => ((await listed(h.client, wf))?.lastErrorCode !== 'psp_incident' ? true : undefined),
      15_000,
    );
    expect(await currentDetails(h.client, wf)).not.toContain('paused: PSP incident');

    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');
    await expect(handle.result()).resolves.toMatchObject({ state: 'completed' });
  }, 90_000);

  test('when a PSP incident is signalled to a payout that no longer waits on the PSP, then nothing shows', async () => {
    const { handle, wf } = await startOne('not-waiting', { ...fast, returnWindowMs: 10 * 60_000 });
    await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    const before = await currentDetails(h.client, wf);

    await handle.signal(pspIncidentSignal, { incidentId: 'INC-2026-0043', at: new Date().toISOString() });
    // The signal is handled once the workflow task that carries it completes: the query answers after it.
    expect(await currentDetails(h.client, wf)).toBe(before);
    expect((await listed(h.client, wf))?.lastErrorCode).toBe('none');
    expect(await listedAsRetrying(h.client, wf)).toBeUndefined();
    await handle.terminate('test done');
  }, 60_000);
});
