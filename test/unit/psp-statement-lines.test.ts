import { createFakePspStatements } from '../../activities/adapters/psp/fake-statements';
import { toPspPayout, toStatementLine } from '../../activities/adapters/psp/statement-lines';
import { balanceTransactionParams } from '../../activities/adapters/psp/stripe-statements';
import { zonedDate, zonedDayWindow } from '../../activities/recon/business-day';
import { balanceTransactionDay } from '../../activities/recon/psp-day';

const ctx = { accountId: 'psp-stripe-platform', timezone: 'Europe/Berlin' };

/** A balance transaction as Stripe sends it (the fields the mapper reads, plus the ones it must ignore). */
const bt = (over: Record<string, unknown> = {}) => ({
  id: 'txn_1Abc',
  object: 'balance_transaction',
  amount: -2_500,
  available_on: 1_796_600_000,
  balance_type: 'payments',
  created: 1_796_600_000,
  currency: 'eur',
  description: null,
  exchange_rate: null,
  fee: 0,
  fee_details: [],
  net: -2_500,
  reporting_category: 'transfer',
  source: 'tr_1Abc',
  status: 'available',
  type: 'transfer',
  ...over,
});

/** Stripe balance transactions and payouts → normalized statement lines: signs, flags, dates, refusals. */
describe('PSP statement line mapping', () => {
  it('when a transfer is mapped, then it is a debit of the gross in minor units with the Stripe references kept', () => {
    const line = toStatementLine(bt(), ctx);
    expect(line).toMatchObject({
      source: 'stripe_bt',
      accountId: ctx.accountId,
      direction: 'debit',
      amount: { amountMinor: 2_500, currency: 'EUR' },
      entry: { status: 'BOOK', bankTxCode: 'transfer', reversal: false, txCount: 1, entryAmountMinor: 2_500 },
      refs: {
        stripe: {
          balanceTransactionId: 'txn_1Abc',
          source: 'tr_1Abc',
          reportingCategory: 'transfer',
          net: -2_500,
          fee: 0,
        },
      },
    });
    expect(line.flags).toBeUndefined();
    expect(line.lineId).toMatch(/^[0-9a-f]{64}$/);
    expect(toStatementLine(bt(), ctx).lineId).toBe(line.lineId);
    expect(toStatementLine(bt(), { ...ctx, accountId: 'other' }).lineId).not.toBe(line.lineId);
  });

  it("when a transfer is read with its source expanded, then the line keeps the transfer ID and names the payout its transfer_group holds; a charge's group or a foreign group names none", () => {
    const transfer = (group: string | null, object = 'transfer') => ({
      id: 'tr_1Abc',
      object,
      amount: 2_500,
      currency: 'eur',
      transfer_group: group,
    });
    expect(toStatementLine(bt({ source: transfer('payout-c1-2026-11') }), ctx).refs.stripe).toMatchObject({
      source: 'tr_1Abc',
      transferGroup: 'payout-c1-2026-11',
      payoutWorkflowId: 'payout-c1-2026-11',
    });
    const stepped = toStatementLine(bt({ source: transfer('payout-c1-2026-11:initiate') }), ctx).refs.stripe;
    expect(stepped?.payoutWorkflowId).toBe('payout-c1-2026-11');
    for (const other of [transfer(null), transfer('order-77'), transfer('payout-c1-2026-11', 'charge')]) {
      const refs = toStatementLine(bt({ source: other }), ctx).refs.stripe;
      expect(refs?.source).toBe('tr_1Abc');
      expect(refs?.payoutWorkflowId).toBeUndefined();
    }
    // Expanded to an object we do not read (stripe-mock's fixture is an application fee): only its ID is kept.
    const fee = toStatementLine(bt({ source: { id: 'fee_1', object: 'application_fee', amount: 100 } }), ctx);
    expect(fee.refs.stripe).toMatchObject({ source: 'fee_1' });
    expect(fee.refs.stripe).not.toHaveProperty('transferGroup');
  });

  it('when a charge with a fee is mapped, then fee, net and fee details stay integers as sent', () => {
    const line = toStatementLine(
      bt({
        amount: 10_000,
        fee: 320,
        net: 9_680,
        type: 'charge',
        reporting_category: 'charge',
        source: 'ch_1',
        fee_details: [
          {
            amount: 320,
            application: null,
            currency: 'eur',
            description: 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ],
      }),
      ctx,
    );
    expect(line.direction).toBe('credit');
    expect(line.refs.stripe).toMatchObject({
      fee: 320,
      net: 9_680,
      feeDetails: [{ type: 'stripe_fee', amountMinor: 320, description: 'Stripe processing fees' }],
    });
  });

  it('when a transaction has an unknown category, no source, an exchange rate and is pending, then every oddity is a flag and nothing is dropped', () => {
    const line = toStatementLine(
      bt({
        reporting_category: 'brand_new_category',
        source: null,
        exchange_rate: 1.0834,
        status: 'pending',
        amount: 0,
        net: 0,
      }),
      ctx,
    );
    expect(line.flags).toEqual(['unclassified', 'pending', 'no_source', 'fx']);
    expect(line.entry.status).toBe('PDNG');
    expect(line.refs.stripe?.exchangeRate).toBe('1.0834');
    expect(line.refs.stripe).not.toHaveProperty('source');
    expect(line).toMatchObject({ direction: 'credit', amount: { amountMinor: 0 } });
  });

  it('when a transaction was created at 23:59:59 local time, then its business date is the local date, not the UTC one', () => {
    const { toMs } = zonedDayWindow('2026-12-06', 'Asia/Tokyo');
    const created = toMs / 1000 - 1;
    expect(toStatementLine(bt({ created }), { ...ctx, timezone: 'Asia/Tokyo' }).businessDate).toBe('2026-12-06');
    expect(toStatementLine(bt({ created: created + 1 }), { ...ctx, timezone: 'Asia/Tokyo' }).businessDate).toBe(
      '2026-12-07',
    );
    expect(zonedDate(created * 1000, 'UTC')).toBe('2026-12-06');
    const ny = zonedDayWindow('2026-12-06', 'America/New_York');
    expect(zonedDate(ny.toMs - 1_000, 'UTC')).toBe('2026-12-07');
  });

  it('when a field is not what Stripe documents, then the page fails as ProviderPermanent naming the transaction and the field', () => {
    expect(() => toStatementLine(bt({ amount: 12.5 }), ctx)).toThrow(
      expect.objectContaining({
        type: 'ProviderPermanent',
        message: expect.stringMatching(/txn_1Abc: amount must be whole minor units/),
      }),
    );
    expect(() => toStatementLine(bt({ currency: 'xyz' }), ctx)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/currency/) }),
    );
    expect(() => toStatementLine(bt({ status: 'weird' }), ctx)).toThrow(
      expect.objectContaining({ type: 'ProviderPermanent' }),
    );
  });

  it('when a payout is mapped, then its amount, reconciliation status and arrival date (UTC) come through', () => {
    const p = toPspPayout({
      id: 'po_1',
      amount: 7_324,
      currency: 'eur',
      automatic: true,
      status: 'paid',
      reconciliation_status: 'completed',
      arrival_date: Date.UTC(2026, 11, 8) / 1000,
      created: Date.UTC(2026, 11, 7) / 1000,
      balance_transaction: 'txn_po',
      failure_balance_transaction: null,
    });
    expect(p).toEqual({
      payoutId: 'po_1',
      amount: { amountMinor: 7_324, currency: 'EUR' },
      automatic: true,
      status: 'paid',
      reconciliationStatus: 'completed',
      arrivalDate: '2026-12-08',
      createdAt: '2026-12-07T00:00:00.000Z',
      balanceTransactionId: 'txn_po',
    });
  });

  it('when a window is given in milliseconds, then the list asks Stripe for whole seconds [gte, lt) and refuses an empty or unbounded query', () => {
    const account = { accountId: 'a', timezone: 'UTC' };
    expect(
      balanceTransactionParams({
        account,
        createdFrom: '2026-12-06T00:00:00.000Z',
        createdTo: '2026-12-07T00:00:00.000Z',
        limit: 100,
      }),
    ).toEqual({ limit: 100, expand: ['data.source'], created: { gte: 1_796_515_200, lt: 1_796_601_600 } });
    expect(balanceTransactionParams({ account, payout: 'po_1', startingAfter: 'txn_9', limit: 5 })).toEqual({
      limit: 5,
      expand: ['data.source'],
      payout: 'po_1',
      starting_after: 'txn_9',
    });
    expect(() => balanceTransactionParams({ account, limit: 10 })).toThrow(
      expect.objectContaining({ type: 'InvalidInput' }),
    );
    expect(() => balanceTransactionParams({ account, payout: 'po_1', limit: 101 })).toThrow(
      expect.objectContaining({ type: 'InvalidInput' }),
    );
    expect(() =>
      balanceTransactionParams({
        account,
        createdFrom: '2026-12-07T00:00:00Z',
        createdTo: '2026-12-06T00:00:00Z',
        limit: 10,
      }),
    ).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
  });

  it('when the fake reader is paged, then it returns every transaction once, newest first, with the payout filter applied', async () => {
    const fake = createFakePspStatements();
    for (let i = 0; i < 5; i++)
      fake.addBalanceTransaction({
        ...bt({ id: `txn_${i}`, created: 1_796_600_000 + i }),
        status: 'available',
        ...(i < 3 ? { payout: 'po_1' } : {}),
      });
    const account = { accountId: 'a', timezone: 'UTC' };
    const first = await fake.listBalanceTransactions({ account, payout: 'po_1', limit: 2 });
    expect(first.lines.map((l) => l.refs.stripe?.balanceTransactionId)).toEqual(['txn_2', 'txn_1']);
    expect(first.hasMore).toBe(true);
    const rest = await fake.listBalanceTransactions({
      account,
      payout: 'po_1',
      limit: 2,
      startingAfter: first.nextStartingAfter,
    });
    expect(rest.lines.map((l) => l.refs.stripe?.balanceTransactionId)).toEqual(['txn_0']);
    expect(rest.hasMore).toBe(false);
  });
});

describe('PSP business day reader', () => {
  it('when a day is read page by page and resumed from a cursor, then every transaction of the local day comes once and none of the next day', async () => {
    const fake = createFakePspStatements();
    const { fromMs, toMs } = zonedDayWindow('2026-12-06', 'Europe/Berlin');
    const inDay = Array.from({ length: 7 }, (_, i) => fromMs / 1000 + i * 3_600);
    for (const [i, created] of [...inDay, toMs / 1000, fromMs / 1000 - 1].entries())
      fake.addBalanceTransaction({ ...bt({ id: `txn_d${i}`, created }), status: 'available' });
    const account = { accountId: 'a', timezone: 'Europe/Berlin' };
    const seen: string[] = [];
    let cursor: string | undefined;
    for await (const page of balanceTransactionDay(fake, { account, date: '2026-12-06', pageSize: 3 })) {
      seen.push(...page.lines.map((l) => l.refs.stripe?.balanceTransactionId ?? ''));
      cursor = page.cursor;
      if (seen.length === 3) break; // the attempt dies after one page; the retry resumes from its heartbeat
    }
    for await (const page of balanceTransactionDay(fake, {
      account,
      date: '2026-12-06',
      pageSize: 3,
      startingAfter: cursor,
    }))
      seen.push(...page.lines.map((l) => l.refs.stripe?.balanceTransactionId ?? ''));
    expect(seen).toEqual(['txn_d6', 'txn_d5', 'txn_d4', 'txn_d3', 'txn_d2', 'txn_d1', 'txn_d0']);
  });
});
