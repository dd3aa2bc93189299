import { Accounts } from '../../activities/adapters/ledger/port';
import { ClientInputError } from '../../client/errors';
import { failure, FailureType } from '../../workflows/shared/failures';
import {
  cancelPayout,
  getPayoutState,
  holdPayout,
  recheckPayability,
  releasePayout,
  resolvePayout,
  startPayout,
} from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import {
  admin,
  balance,
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
import { until } from '../support/wait';
import { currentDetails } from './retrying-support';
import { recordHistoryIfAsked } from '../support/histories';
import { signedEvent } from '../support/rail-proof';
import { opsSigner } from '../support/staff';

describe('creatorPayout inputs, ops controls and webhooks', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const opts = () => ({ taskQueue: h.config.TEMPORAL_TASK_QUEUE });
  const transferCalls = async () => (await pspTransfers(h)).posts.length;

  test.each([
    ['a negative amount', { amount: usd(-1) }, 'amount.amountMinor'],
    ['a zero amount', { amount: usd(0) }, 'amount.amountMinor'],
    ['fractional minor units', { amount: usd(1.5) }, 'amount.amountMinor'],
    ['an unknown currency', { amount: { amountMinor: 100, currency: 'ABC' } }, 'amount.currency'],
  ])(
    'when a workflow is started with %s, then it fails InvalidInput naming the field and no sandbox is called',
    async (_what, patch, field) => {
      const before = await transferCalls();
      const payoutId = uniqueId('bad');
      const handle = await h.client.workflow.start('creatorPayout', {
        taskQueue: h.config.TEMPORAL_TASK_QUEUE,
        workflowId: creatorPayoutWorkflowId(payoutId),
        args: [{ payoutId, creatorId: 'c1', period: '2026-11', ...patch }],
      });
      const f = await workflowFailure(handle.result());
      expect(f.type).toBe('InvalidInput');
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain(field);
      expect(await transferCalls()).toBe(before);
    },
  );

  test('when the client is given a bad payout, then it throws ClientInputError before reaching Temporal', async () => {
    await expect(
      startPayout(h.client, { payoutId: 'x', creatorId: 'c', period: '2026-11', amount: usd(0) }, opts()),
    ).rejects.toBeInstanceOf(ClientInputError);
  });

  test('when the payout currency does not match the creator balance, then it fails InvalidInput with no transfer', async () => {
    const creatorId = uniqueId('ccy');
    await seedCreator(h, { creatorId, balanceCurrency: 'EUR' });
    const before = await transferCalls();
    const { handle } = await startPayout(
      h.client,
      { payoutId: `${creatorId}-2026-11`, creatorId, period: '2026-11', amount: usd(5_000) },
      opts(),
    );
    const f = await workflowFailure(handle.result());
    expect(f.type).toBe('InvalidInput');
    expect(f.message).toContain('amount.currency');
    expect(await transferCalls()).toBe(before);
  });

  test('when the payout method is missing, then the payout parks awaiting the creator, and a cancel ends it with nothing moved', async () => {
    const creatorId = uniqueId('nomethod');
    await seedCreator(h, { creatorId });
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { payoutMethod: null }, 'PATCH');
    const before = await transferCalls();
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000) },
      opts(),
    );

    const parked = await waitForState(handle, (s) => s.state === 'awaiting_payability');
    expect(parked.awaiting).toMatchObject({ actor: 'creator', reason: 'payout_method_missing' });
    expect(parked.awaiting?.until).toBeDefined();
    expect(parked.lastErrorCode).toBe('payout_method_missing');
    const sa = (await handle.describe()).searchAttributes;
    expect(sa['AwaitingActor']).toEqual(['creator']);
    expect(sa['DeadlineAt']).toBeDefined();
    expect(h.notifications.emails.some((e) => e.subject.includes('Action needed') && e.to.startsWith(creatorId))).toBe(
      true,
    );

    await expect(
      cancelPayout(h.client, payoutId, {
        operator: 'ops.bob',
        sign: opsSigner('ops.bob'),
        reason: 'creator left the platform',
      }),
    ).resolves.toMatchObject({ accepted: true });
    const f = await workflowFailure(handle.result());
    expect(f.type).toBe('Cancelled');
    expect(await transferCalls()).toBe(before);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    expect(h.audit.events.some((e) => e.type === 'payout.ops.cancel' && e.data.operator === 'ops.bob')).toBe(true);
  });

  test('when KYC is pending and then verified, then a recheck signal lets the parked payout go on and pay', async () => {
    const creatorId = uniqueId('kyc');
    await seedCreator(h, { creatorId, kycStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: fast },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability' && s.awaiting?.reason === 'kyc_pending');
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { kycStatus: 'verified' }, 'PATCH');
    await recheckPayability(h.client, payoutId, { reason: 'kyc approved' });
    await expect(handle.result()).resolves.toMatchObject({ state: 'completed' });
  });

  test('when compliance holds a parked payout, then it stops on hold until another compliance officer releases it, and cancel is refused once the rail has it', async () => {
    const creatorId = uniqueId('hold');
    await seedCreator(h, { creatorId, sanctionsStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: { ...fast, returnWindowMs: 20_000 } },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability' && s.awaiting?.actor === 'compliance');
    await expect(
      holdPayout(h.client, payoutId, {
        operator: 'compliance.carol',
        sign: opsSigner('compliance.carol'),
        reason: 'manual review',
      }),
    ).resolves.toMatchObject({ accepted: true });
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { sanctionsStatus: 'clear' }, 'PATCH');
    await recheckPayability(h.client, payoutId);
    const held = await waitForState(handle, (s) => s.state === 'on_hold');
    expect(held.held).toMatchObject({ operator: 'compliance.carol' });
    expect(held.awaiting).toMatchObject({ actor: 'compliance', until: expect.any(String) });
    await expect(
      releasePayout(h.client, `${payoutId}`, {
        operator: 'compliance.carol',
        sign: opsSigner('compliance.carol'),
        reason: 'x',
      }),
    ).rejects.toBeInstanceOf(ClientInputError);
    // Four eyes: the officer who held it cannot release it, nor can payment ops (N12).
    await expect(
      releasePayout(h.client, payoutId, {
        operator: 'Compliance.Carol',
        sign: opsSigner('compliance.carol'),
        reason: 'review passed',
      }),
    ).resolves.toMatchObject({ accepted: false, type: 'PolicyViolation', code: 'release_by_holder' });
    await expect(
      releasePayout(h.client, payoutId, { sign: opsSigner('ops.bob'), reason: 'review passed' }),
    ).resolves.toMatchObject({ accepted: false, type: 'Unauthorized', code: 'missing_role' });
    await expect(
      releasePayout(h.client, payoutId, {
        operator: 'compliance.dana',
        sign: opsSigner('compliance.dana'),
        reason: 'review passed',
      }),
    ).resolves.toMatchObject({ accepted: true });
    await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    await expect(
      cancelPayout(h.client, payoutId, { operator: 'ops.bob', sign: opsSigner('ops.bob'), reason: 'too late' }),
    ).resolves.toMatchObject({
      accepted: false,
      type: 'Conflict',
      code: 'already_initiated',
    });
    await resolvePayout(h.client, payoutId, {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'close the test early',
      outcome: 'paid_elsewhere',
    });
    await expect(handle.result()).resolves.toMatchObject({ state: 'resolved_manually' });
  });

  test('when compliance holds a parked payout, then its current details show the hold at once, without waiting for its next move', async () => {
    const creatorId = uniqueId('holdshown');
    await seedCreator(h, { creatorId, sanctionsStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    // Default re-check, reminder and deadline (hours to days): the parked payout makes no other move during the test.
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000) },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability');
    expect(await currentDetails(h.client, handle.workflowId)).not.toContain('On compliance hold');
    await expect(
      holdPayout(h.client, payoutId, { sign: opsSigner('compliance.carol'), reason: 'manual review' }),
    ).resolves.toMatchObject({ accepted: true });
    // Published once per workflow task since payout-publish-per-task; before, only the next move showed the hold.
    await until(async () =>
      (await currentDetails(h.client, handle.workflowId)).includes('On compliance hold') ? true : undefined,
    );
    await cancelPayout(h.client, payoutId, { sign: opsSigner('ops.bob'), reason: 'test done' });
    await handle.result().catch(() => undefined);
    await recordHistoryIfAsked(handle, 'creator-payout-hold-per-task');
  });

  test('when the audit of a hold cannot be written, then the hold fails and the payout is not held (audit before effect)', async () => {
    const creatorId = uniqueId('auditfirst');
    await seedCreator(h, { creatorId, sanctionsStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: fast },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability' && s.awaiting?.actor === 'compliance');
    const append = h.audit.append;
    h.audit.append = async (event) => {
      if (event.type === 'payout.ops.hold' && event.stream.includes(payoutId))
        throw failure(FailureType.ProviderPermanent, 'audit store refuses the write');
      return append(event);
    };
    try {
      await expect(
        holdPayout(h.client, payoutId, { sign: opsSigner('compliance.carol'), reason: 'manual review' }),
      ).rejects.toThrow();
    } finally {
      h.audit.append = append;
    }
    expect((await getPayoutState(h.client, payoutId)).held).toBeUndefined();
    await cancelPayout(h.client, payoutId, { sign: opsSigner('ops.bob'), reason: 'end the test' });
    await handle.result().catch(() => undefined);
  });

  test('when bank webhooks arrive duplicated and out of order, then each counts once and a late settlement never undoes the return', async () => {
    const creatorId = uniqueId('ooo');
    await seedCreator(h, {
      creatorId,
      payoutMethod: { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' },
    });
    // The bank settles and returns the transfer, its notifications held back: the test delivers them itself.
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 300, holdWebhooks: true });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      {
        payoutId,
        creatorId,
        period: '2026-11',
        amount: usd(9_000),
        timing: { ...fast, pollInitialMs: 600_000, pollMaxMs: 600_000 },
      },
      opts(),
    );
    const waiting = await waitForState(handle, (s) => s.state === 'awaiting_confirmation');
    const reference = waiting.railReference;
    await until(async () => {
      const r = (await admin(h.bank.url, '/__admin/returns', { endToEndId: reference, code: 'R01' })) as {
        status?: string;
      };
      return r.status === 'returned' ? true : undefined;
    }, 10_000);
    const wf = creatorPayoutWorkflowId(payoutId);
    const sign = (e: object) => signedEvent(wf, 'reportRailEvent', e);
    const returned = await sign({ source: 'bank', eventId: 'ntf-2', kind: 'returned', reference, code: 'R01' });
    const paid = await sign({ source: 'bank', eventId: 'ntf-1', kind: 'paid', reference });
    await handle.signal('reportRailEvent', returned);
    await handle.signal('reportRailEvent', returned);
    await handle.signal('reportRailEvent', paid);
    await handle.signal('reportRailEvent', paid);
    await handle.signal('reportRailEvent', { source: 'bank', eventId: 'junk' });

    const f = await workflowFailure(handle.result());
    expect(f.type).toBe('Rejected');
    const state = await handle.query('getPayoutState');
    expect(state).toMatchObject({ state: 'returned', lastErrorCode: 'R01' });
    expect(
      (state as { timeline: Array<{ step: string }> }).timeline.filter((t) => /^rail_event(_claim)?:/.test(t.step)),
    ).toHaveLength(2);
    expect(h.ledger.postings.get(`${wf}:settle`)).toBeDefined();
    expect(h.ledger.postings.get(`${wf}:reverse`)).toBeDefined();
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    await admin(h.bank.url, '/__admin/faults', {}, 'DELETE');
  });
});
