import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { zonedDate, zonedDayWindow } from '../../activities/recon/business-day';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { UNKNOWN_CATEGORY } from '../../sandboxes/psp/automatic-payouts';
import { until } from '../support/wait';

type Bt = {
  id: string;
  object: string;
  amount: number;
  fee: number;
  net: number;
  fee_details: Array<{ amount: number; type: string }>;
  created: number;
  status: string;
  type: string;
  reporting_category: string;
  source: string | null;
  exchange_rate: number | null;
  currency: string;
};
type List<T> = { object: string; data: T[]; has_more: boolean; url: string };
type Payout = { id: string; amount: number; automatic: boolean; reconciliation_status: string; status: string };

const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });
const today = () => new Date().toISOString().slice(0, 10);

/**
 * The PSP sandbox's balance journal as reconciliation reads it: what each booking leaves in
 * `GET /v1/balance_transactions`, Stripe's list semantics, and the automatic payouts with their bad inputs (research
 * wave3 A.4.6), all checked from the sandbox's own records.
 */
describe('PSP sandbox: balance transactions and automatic payouts', () => {
  let sandbox: PspSandbox;
  const psp = () => createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 2_000 });

  const admin = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${sandbox.url}/__admin/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const api = async <T>(path: string) => {
    const res = await fetch(`${sandbox.url}${path}`, { headers: { Authorization: 'Bearer sk_test_sandbox' } });
    return { status: res.status, json: (await res.json()) as T };
  };
  const bts = async (query: string) => (await api<List<Bt>>(`/v1/balance_transactions?${query}`)).json;
  const charge = async (amount: number, fee?: number) =>
    (await admin('charges', { amount, currency: 'eur', ...(fee ? { fee } : {}) })).json as { id: string };

  beforeAll(async () => {
    sandbox = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test_bt' });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(async () => {
    await admin('reset');
  });

  it('when money moves in every way the sandbox books, then each movement is one balance transaction with its type, category, source and net', async () => {
    const ch = await charge(10_000, 320);
    const t = await psp().createTransfer({
      idempotencyKey: 'bt-kinds-1',
      amount: EUR(4_000),
      destinationAccount: 'acct_1Creator',
      reference: 'payout-bt-kinds',
    });
    await admin(`transfers/${t.transferId}/reverse`, { amount: 1_000 });
    const refund = await psp().createRefund({
      idempotencyKey: 'bt-kinds-2',
      paymentRef: ch.id,
      amount: EUR(500),
      reference: 'order-1',
    });
    await admin(`refunds/${refund.refundId}/fail`, {});
    const dp = (await admin('disputes', { amount: 2_000, currency: 'eur' })).json as { id: string };
    await admin(`disputes/${dp.id}/outcome`, { status: 'won' });
    await admin('fees', { amount: 90, currency: 'eur', description: 'Connect account fee' });

    const list = await bts('limit=100');
    const rows = list.data.map((b) => [b.type, b.reporting_category, b.amount, b.fee, b.net, b.source?.slice(0, 3)]);
    expect(rows.reverse()).toEqual([
      ['charge', 'charge', 10_000, 320, 9_680, 'ch_'],
      ['transfer', 'transfer', -4_000, 0, -4_000, 'tr_'],
      ['transfer_refund', 'transfer_reversal', 1_000, 0, 1_000, 'trr'],
      ['refund', 'refund', -500, 0, -500, 're_'],
      ['refund_failure', 'refund_failure', 500, 0, 500, 're_'],
      ['charge', 'charge', 2_000, 0, 2_000, 'ch_'],
      ['adjustment', 'dispute', -2_000, 1_500, -3_500, 'dp_'],
      ['adjustment', 'dispute_reversal', 2_000, 0, 2_000, 'dp_'],
      ['stripe_fee', 'fee', -90, 0, -90, undefined],
    ]);
    expect(list.data.find((b) => b.source === ch.id)?.fee_details).toEqual([
      expect.objectContaining({ amount: 320, type: 'stripe_fee', currency: 'eur' }),
    ]);
    // The objects point at their own transaction, as Stripe's do.
    const transfer = (await api<{ balance_transaction: string }>(`/v1/transfers/${t.transferId}`)).json;
    expect((await api<Bt>(`/v1/balance_transactions/${transfer.balance_transaction}`)).json.source).toBe(t.transferId);
    expect((await api<unknown>('/v1/balance_transactions/txn_missing')).status).toBe(404);
  });

  it('when a list is paged with starting_after and back with ending_before, then each page is newest first and has_more tells the truth in both directions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(
        ((await admin('charges', { amount: 100 + i, currency: 'eur' })).json as { balance_transaction: string })
          .balance_transaction,
      );
    const newestFirst = [...ids].reverse();
    const first = await bts('limit=3');
    expect(first.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.has_more).toBe(true);
    const second = await bts(`limit=3&starting_after=${first.data[2]?.id}`);
    expect(second.data.map((b) => b.id)).toEqual(newestFirst.slice(3, 6));
    const last = await bts(`limit=3&starting_after=${second.data[2]?.id}`);
    expect(last.data.map((b) => b.id)).toEqual(newestFirst.slice(6));
    expect(last.has_more).toBe(false);
    const back = await bts(`limit=2&ending_before=${second.data[0]?.id}`);
    expect(back.data.map((b) => b.id)).toEqual(newestFirst.slice(1, 3));
    expect(back.has_more).toBe(true);
    expect((await api<unknown>('/v1/balance_transactions?limit=101')).status).toBe(400);
    expect((await api<unknown>('/v1/balance_transactions?starting_after=txn_nope')).status).toBe(400);
  });

  it('when the list is filtered by type, source, currency and created range, then only matching transactions come back', async () => {
    const ch = await charge(1_000);
    const t = await psp().createTransfer({
      idempotencyKey: 'bt-filter-1',
      amount: EUR(300),
      destinationAccount: 'acct_1Creator',
      reference: 'payout-bt-filter',
    });
    await admin('charges', { amount: 700, currency: 'usd' });
    expect((await bts('type=transfer')).data.map((b) => b.source)).toEqual([t.transferId]);
    expect((await bts(`source=${ch.id}`)).data).toHaveLength(1);
    expect((await bts('currency=usd')).data.map((b) => b.amount)).toEqual([700]);
    const created = (await bts('limit=1')).data[0]?.created ?? 0;
    expect((await bts(`created[gte]=${created}&created[lt]=${created + 1}`)).data).toHaveLength(3);
    expect((await bts(`created[gt]=${created}`)).data).toHaveLength(0);
    expect((await bts(`created[lte]=${created - 1}`)).data).toHaveLength(0);
    expect((await api<unknown>('/v1/balance_transactions?created[after]=1')).status).toBe(400);
  });

  it("when a day is paid out automatically, then the payout's transactions sum to its amount once completed (R8) and the payout moves in_progress → completed", async () => {
    await charge(10_000, 290);
    await charge(5_000);
    await psp().createTransfer({
      idempotencyKey: 'bt-r8-1',
      amount: EUR(3_000),
      destinationAccount: 'acct_1Creator',
      reference: 'payout-bt-r8',
    });
    await admin('faults', { payoutSettleMs: 200 });
    const r = await admin('automatic-payouts', { date: today(), currency: 'eur' });
    expect(r.status).toBe(200);
    const payout = r.json.payout as Payout;
    expect(payout).toMatchObject({ automatic: true, reconciliation_status: 'in_progress', status: 'pending' });
    const completed = await until(async () => {
      const p = (await api<Payout>(`/v1/payouts/${payout.id}`)).json;
      return p.reconciliation_status === 'completed' ? p : undefined;
    });
    expect(completed.status).toBe('paid');

    const paid = (await bts(`payout=${payout.id}&limit=100`)).data;
    const own = paid.filter((b) => b.type === 'payout');
    const swept = paid.filter((b) => b.type !== 'payout');
    expect(own).toEqual([expect.objectContaining({ source: payout.id, amount: -payout.amount })]);
    expect(swept.reduce((s, b) => s + b.net, 0)).toBe(payout.amount);
    expect(payout.amount).toBe(10_000 - 290 + 5_000 - 3_000);
    // A second payout of the same day finds nothing left to pay.
    expect((await admin('automatic-payouts', { date: today(), currency: 'eur' })).status).toBe(400);
    const listed = (await api<List<Payout>>('/v1/payouts?limit=10')).json;
    expect(listed.data.map((p) => p.id)).toEqual([payout.id]);
  });

  it('when an automatic payout carries every bad input, then each is in the journal as Stripe would send it and the stuck payout stays in_progress', async () => {
    await charge(20_000);
    const t = await psp().createTransfer({
      idempotencyKey: 'bt-bad-1',
      amount: EUR(1_000),
      destinationAccount: 'acct_1Creator',
      reference: 'payout-bt-bad',
    });
    await admin('faults', { payoutSettleMs: 20 });
    const timezone = 'America/New_York';
    // The account's day now (the transfer above was booked in it, so it can be booked twice that day).
    const date = zonedDate(Date.now(), timezone);
    const r = await admin('automatic-payouts', {
      date,
      timezone,
      currency: 'eur',
      stuck: true,
      inject: ['pending', 'exchange_rate', 'source_null', 'unknown_category', 'end_of_day', 'duplicate_transfer'],
    });
    expect(r.status).toBe(200);
    const injected = r.json.injected as string[];
    const get = async (id: string) => (await api<Bt>(`/v1/balance_transactions/${id}`)).json;
    const [pending, fx, noSource, unknown, endOfDay, duplicate] = await Promise.all(injected.map(get));
    expect(pending).toMatchObject({ status: 'pending', type: 'charge' });
    expect(fx?.exchange_rate).toEqual(expect.any(Number));
    expect(noSource).toMatchObject({ source: null, reporting_category: 'other_adjustment' });
    expect(unknown?.reporting_category).toBe(UNKNOWN_CATEGORY);
    expect(endOfDay?.created).toBe(zonedDayWindow(date, timezone).toMs / 1000 - 1);
    expect(duplicate).toMatchObject({ type: 'transfer', source: t.transferId, amount: -1_000 });
    expect((await bts(`source=${t.transferId}`)).data).toHaveLength(2);

    const payout = r.json.payout as Payout;
    const swept = r.json.balance_transactions as string[];
    // Pending funds are not paid out; everything else of the day is.
    expect(swept).not.toContain(pending?.id);
    expect(swept).toEqual(expect.arrayContaining(injected.filter((id) => id !== pending?.id)));
    await until(async () =>
      (await api<Payout>(`/v1/payouts/${payout.id}`)).json.status === 'paid' ? true : undefined,
    );
    expect((await api<Payout>(`/v1/payouts/${payout.id}`)).json.reconciliation_status).toBe('in_progress');
    await admin(`payouts/${payout.id}/reconcile`);
    expect((await api<Payout>(`/v1/payouts/${payout.id}`)).json.reconciliation_status).toBe('completed');
  });

  it('when the admin asks for a payout with a bad request, then it answers 400 naming the field', async () => {
    expect((await admin('automatic-payouts', { date: '2026-13' })).json.error).toMatch(/date/);
    expect((await admin('automatic-payouts', { date: today(), timezone: 'Mars/Olympus' })).json.error).toMatch(
      /timezone/,
    );
    expect((await admin('automatic-payouts', { date: today(), inject: ['gremlins'] })).json.error).toMatch(/inject/);
  });
});
