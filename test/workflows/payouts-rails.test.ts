import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { payoutsRoute } from '../../ingress/routes/payouts';
import { creatorPayoutWorkflowId, getPayoutStateQuery } from '../../workflows/payouts/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { recordHistoryIfAsked } from '../support/histories';
import {
  admin,
  balance,
  pspLookups,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  waitForState,
  type PayoutHarness,
  fast,
  usd,
  workflowFailure,
} from './payouts-harness';
import { signedEvent } from '../support/rail-proof';
import { opsSigner, staffUpdate } from '../support/staff';

describe('creatorPayout on the real dev server (PSP, bank and directory sandboxes)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when a PSP creator is paid, then one transfer moves, the ledger settles, the creator is told and the payout completes after the return window', async () => {
    const creatorId = uniqueId('psp');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(12_345), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    const result = await handle.result();

    expect(result).toMatchObject({ payoutId, state: 'completed', rail: 'psp', attempts: 1 });
    const { posts } = await pspTransfers(h);
    expect(posts.filter((p) => p.idempotencyKey === `${creatorPayoutWorkflowId(payoutId)}:initiate`)).toHaveLength(1);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 12_345);
    const wf = creatorPayoutWorkflowId(payoutId);
    // Dated by the workflow and referenced for reconciliation: the settle names the rail and the PSP transfer; the
    // reservation is internal (no rail).
    const settle = h.ledger.postings.get(`${wf}:settle`);
    expect(result.railReference).toMatch(/^tr_/);
    expect(settle).toMatchObject({
      effectiveDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      refs: { workflowId: wf, attempt: 1, rail: 'psp', railRef: result.railReference },
    });
    expect(h.ledger.postings.get(`${wf}:reserve`)?.refs).toEqual({ workflowId: wf, attempt: 1 });
    expect((await h.ledger.postingsOn(settle!.effectiveDate!, { scope: 'psp' })).items).toContainEqual(settle);
    expect(
      h.notifications.emails.some((e) => e.to === `${creatorId}@creators.example` && e.body.includes(payoutId)),
    ).toBe(true);
    expect(h.notifications.events.some((e) => e.type === 'payout.paid' && e.data.payoutId === payoutId)).toBe(true);
    const state = await handle.query('getPayoutState');
    expect(state).toMatchObject({ state: 'completed', rail: 'psp' });
    expect(await handle.query('getState')).toEqual(state);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get({ name: 'PayoutState', type: 'KEYWORD' } as never)).toBe('completed');
    await recordHistoryIfAsked(handle, 'creator-payout-psp');
  });

  test('when a bank creator is paid, then a pain.001 goes out, the camt.054 settlement confirms it through the route, and the payout completes', async () => {
    const creatorId = uniqueId('bank');
    await seedCreator(h, {
      creatorId,
      payoutMethod: {
        rail: 'bank',
        currency: 'USD',
        country: 'DE',
        iban: 'DE89370400440532013000',
        accountHolderName: 'Ada Creator',
      },
    });
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 300 });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      {
        payoutId,
        creatorId,
        period: '2026-11',
        amount: usd(50_000),
        timing: { ...fast, pollInitialMs: 60_000, pollMaxMs: 60_000 },
      },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'bank' });
    expect(result.railReference).toMatch(/^E2E[0-9A-F]{32}$/);
    expect(h.delivered.some((d) => d.workflowId === creatorPayoutWorkflowId(payoutId))).toBe(true);
    const history = await handle.fetchHistory();
    expect(JSON.stringify(history)).not.toContain('DE89370400440532013000');
    expect(await balance(h, Accounts.payoutsSettled)).toBeLessThanOrEqual(-50_000);
    // The settle carries the EndToEndId and PmtInfId the pain.001 carried (PmtInfId = MsgId): what camt.053 shows.
    const wf = creatorPayoutWorkflowId(payoutId);
    expect(h.ledger.postings.get(`${wf}:settle`)?.refs).toEqual({
      workflowId: wf,
      attempt: 1,
      rail: 'bank',
      endToEndId: result.railReference,
      pmtInfId: `MSG${result.railReference!.slice(3)}`,
    });
    await recordHistoryIfAsked(handle, 'creator-payout-bank');
  });

  test('when the payout method is in another currency than the balance, then the rate is locked once and the transfer moves the converted amount', async () => {
    const creatorId = uniqueId('fx');
    await seedCreator(h, {
      creatorId,
      payoutMethod: {
        rail: 'psp',
        currency: 'EUR',
        country: 'DE',
        accountToken: `acct_${creatorId.replace(/-/g, '_')}`,
      },
    });
    const locksBefore = ((await (await fetch(`${h.creators.url}/__admin/calls`)).json()) as { locks: number }).locks;
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(10_000), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    // The sandbox's USD>EUR rate is 0.92: 100.00 USD from the balance become 92.00 EUR at the PSP.
    expect((await handle.query(getPayoutStateQuery)).fx).toMatchObject({
      rate: '0.920000',
      target: { amountMinor: 9_200, currency: 'EUR' },
    });
    const transfer = (await (
      await fetch(`${h.psp.url}/v1/transfers/${result.railReference}`, {
        headers: { authorization: 'Bearer sk_test_local' },
      })
    ).json()) as { amount: number; currency: string };
    expect(transfer).toMatchObject({ amount: 9_200, currency: 'eur' });
    expect(((await (await fetch(`${h.creators.url}/__admin/calls`)).json()) as { locks: number }).locks).toBe(
      locksBefore + 1,
    );
    // The ledger moves the balance currency.
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 10_000);
  });

  test('when a payout is started without search attributes (CLI, Web UI) it sets them itself, and a client-started one starts listed and upserts only changes', async () => {
    const raw = uniqueId('raw');
    await seedCreator(h, { creatorId: raw });
    const rawHandle = await h.client.workflow.start('creatorPayout', {
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
      workflowId: creatorPayoutWorkflowId(`${raw}-2026-11`),
      args: [{ payoutId: `${raw}-2026-11`, creatorId: raw, period: '2026-11', amount: usd(1_000), timing: fast }],
    });
    await rawHandle.result();
    const sa = (await rawHandle.describe()).typedSearchAttributes;
    expect([
      sa.get(SA.CreatorId),
      sa.get(SA.AmountMinor),
      sa.get(SA.Currency),
      sa.get(SA.Rail),
      sa.get(SA.PayoutState),
      sa.get(SA.AwaitingActor),
    ]).toEqual([raw, 1_000, 'USD', 'psp', 'completed', 'none']);

    const viaClient = uniqueId('listed');
    await seedCreator(h, { creatorId: viaClient });
    const { handle } = await startPayout(
      h.client,
      { payoutId: `${viaClient}-2026-11`, creatorId: viaClient, period: '2026-11', amount: usd(1_000), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const decode = (fields: Record<string, { data?: Uint8Array | null }> | null | undefined) =>
      Object.entries(fields ?? {}).map(
        ([key, p]) => [key, Buffer.from(p.data ?? new Uint8Array()).toString()] as const,
      );
    const known = new Map(decode(events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields));
    expect(known.get('PayoutState')).toBe('"validating"');
    let upserts = 0;
    for (const e of events) {
      for (const [key, value] of decode(
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields,
      )) {
        expect(`${key}=${value}`).not.toBe(`${key}=${known.get(key)}`);
        known.set(key, value);
        upserts++;
      }
    }
    expect(upserts).toBeGreaterThan(0);
    expect(known.get('PayoutState')).toBe('"completed"');
  });

  test('when the same payout is started twice, while running and after it closed, then there is one workflow run and one transfer', async () => {
    const creatorId = uniqueId('idem');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const input = { payoutId, creatorId, period: '2026-11', amount: usd(2_000), timing: fast };
    const opts = { taskQueue: h.config.TEMPORAL_TASK_QUEUE };
    const first = await startPayout(h.client, input, opts);
    const firstRun = (await first.handle.describe()).runId;
    const second = await startPayout(h.client, input, opts);
    expect((await second.handle.describe()).runId).toBe(firstRun);
    await first.handle.result();
    const third = await startPayout(h.client, input, opts);
    expect((await third.handle.describe()).runId).toBe(firstRun);
    const { posts } = await pspTransfers(h);
    expect(posts.filter((p) => p.idempotencyKey?.startsWith(creatorPayoutWorkflowId(payoutId)))).toHaveLength(1);
  });

  test('when the PSP answers 5xx and times out, then the transfer is retried with the same key and money moves once', async () => {
    const creatorId = uniqueId('flaky');
    await seedCreator(h, { creatorId });
    const before = (await pspTransfers(h)).created;
    await admin(h.psp.url, '/__admin/faults', { fail5xxNext: 2, timeoutNext: 1, timeoutPhase: 'after', hangMs: 300 });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(3_000), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    await expect(handle.result()).resolves.toMatchObject({ state: 'completed' });

    const { created, posts } = await pspTransfers(h);
    const wf = creatorPayoutWorkflowId(payoutId);
    const mine = posts.filter((p) => p.idempotencyKey === `${wf}:initiate`);
    // Each try first looks the transfer up by its group (an expired key must not pay twice), then sends the same key.
    const lookups = (await pspLookups(h)).filter((path) => path.includes(`transfer_group=${wf}&`));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.length + lookups.length).toBeGreaterThanOrEqual(4);
    expect(created - before).toBe(1);
    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');
  });

  test('when the PSP declines the destination, then the payout fails with Declined and the reservation is released', async () => {
    const creatorId = uniqueId('decline');
    await seedCreator(h, { creatorId });
    await admin(h.psp.url, '/__admin/faults', { declineDestinations: [`acct_${creatorId.replace(/-/g, '_')}`] });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(4_000), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    const f = await workflowFailure(handle.result());

    expect(f.type).toBe('Declined');
    expect(f.nonRetryable).toBe(true);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    expect(h.ledger.postings.get(`${creatorPayoutWorkflowId(payoutId)}:release`)).toBeDefined();
    expect(h.notifications.events.some((e) => e.type === 'payout.failed' && e.data.payoutId === payoutId)).toBe(true);
    expect(await handle.query('getPayoutState')).toMatchObject({ state: 'failed', lastErrorCode: 'account_invalid' });
    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');
  });

  test('when a paid PSP transfer is reversed with account_closed, then the ledger reverses, new details are awaited, and the re-pay uses a new key', async () => {
    const creatorId = uniqueId('ret');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(7_000), timing: { ...fast, returnWindowMs: 20_000 } },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );

    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    await admin(h.psp.url, '/__admin/faults', { holdWebhooks: true });
    await admin(h.psp.url, `/__admin/transfers/${paid.railReference}/reverse`, {});
    await handle.signal(
      'reportRailEvent',
      await signedEvent(handle.workflowId, 'reportRailEvent', {
        source: 'psp',
        eventId: 'evt_manual_return',
        kind: 'returned',
        reference: paid.railReference,
        code: 'account_closed',
      }),
    );
    await admin(h.psp.url, '/__admin/faults', { holdWebhooks: false });
    await waitForState(handle, (s) => s.state === 'awaiting_new_details');
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    expect(h.notifications.events.some((e) => e.type === 'payout.returned' && e.data.payoutId === payoutId)).toBe(true);

    await admin(
      h.creators.url,
      `/__admin/creators/${creatorId}`,
      {
        payoutMethod: {
          rail: 'psp',
          currency: 'USD',
          country: 'US',
          accountToken: `acct_${creatorId.replace(/-/g, '_')}_new`,
        },
      },
      'PATCH',
    );
    await handle.signal('updatePayoutMethod', { reason: 'creator saved a new account' });
    await waitForState(handle, (s) => s.state === 'paid_in_return_window' && s.attempt === 2);
    await staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.alice',
      sign: opsSigner('ops.alice'),
      reason: 'test ends the return window early',
      outcome: 'paid_elsewhere',
    });
    const result = await handle.result();

    expect(result).toMatchObject({ state: 'resolved_manually', attempts: 2 });
    const keys = (await pspTransfers(h)).posts.map((p) => p.idempotencyKey).filter((k) => k?.startsWith(wf));
    expect([...new Set(keys)]).toEqual([`${wf}:initiate`, `${wf}:initiate-2`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 7_000);
    expect(
      h.audit.events.some(
        (e) => e.stream === `payout:${wf}` && e.type === 'payout.ops.resolve' && e.data.operator === 'ops.alice',
      ),
    ).toBe(true);
    await recordHistoryIfAsked(handle, 'creator-payout-return');
  });

  test("when the connected account's own payout fails after the transfer (payout.failed with event.account), then no payout is signalled, nothing is reversed or re-paid, and ops see it parked", async () => {
    const creatorId = uniqueId('pofail');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(3_000), timing: { ...fast, returnWindowMs: 2_000 } },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    await waitForState(handle, (s) => s.state === 'paid_in_return_window');

    // Stripe's event for the connected account's bank payout: a `po_…` object on *their* balance (`event.account`),
    // whose metadata the account holder wrote (here naming our workflow).
    const payload = {
      id: `evt_${creatorId}`,
      type: 'payout.failed',
      account: 'acct_creator_connected',
      data: {
        object: {
          id: 'po_connected_1',
          object: 'payout',
          amount: 3_000,
          currency: 'usd',
          status: 'failed',
          failure_code: 'account_closed',
          metadata: { payout_workflow_id: wf },
        },
      },
    };
    const deliveries = await payoutsRoute(
      { source: 'psp', eventId: payload.id, type: payload.type, payload },
      { audit: h.audit, notifications: h.notifications },
    );
    expect(deliveries).toEqual([]);
    expect(h.audit.events.some((e) => e.stream === 'connected-account-events' && e.eventId === payload.id)).toBe(true);
    expect(h.notifications.events.some((e) => e.type === 'payout.connected_account_payout_failed')).toBe(true);

    expect(await handle.result()).toMatchObject({ state: 'completed', attempts: 1 });
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 3_000);
    const keys = (await pspTransfers(h)).posts.map((p) => p.idempotencyKey).filter((k) => k?.startsWith(wf));
    expect(keys).toEqual([`${wf}:initiate`]);
  });
});
