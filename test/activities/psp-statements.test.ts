import { createHash } from 'node:crypto';
import { ProviderTransientError } from '../../activities/adapters/errors';
import type { PspStatementPort } from '../../activities/adapters/psp/port';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { createStripePspStatements } from '../../activities/adapters/psp/stripe-statements';
import { zonedDate, zonedDayWindow } from '../../activities/recon/business-day';
import type { StatementLine } from '../../activities/recon/statement-line';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { UNKNOWN_CATEGORY } from '../../sandboxes/psp/automatic-payouts';
import { failureOf, until } from '../support/wait';

const ACCOUNT = { accountId: 'psp-stripe-platform', timezone: 'UTC' };
const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The statement reader (PspStatementPort over the official SDK) against the running PSP sandbox: a business day read
 * page by page, its window edges, an automatic payout's three-way sum (R8) and each Stripe bad input of research
 * wave3 A.4.6, checked against the sandbox's own journal.
 */
describe('PSP statement reader against the PSP sandbox', () => {
  let sandbox: PspSandbox;
  let reader: PspStatementPort;

  const admin = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${sandbox.url}/__admin/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const charge = async (amount: number) =>
    ((await admin('charges', { amount, currency: 'eur' })).json as { balance_transaction: string }).balance_transaction;

  /** Every line of a window or payout, one page at a time, as a reconciliation activity streams it. */
  const readAll = async (
    q: { createdFrom?: string; createdTo?: string; payout?: string },
    limit = 100,
    between?: () => Promise<void>,
  ) => {
    const lines: StatementLine[] = [];
    let startingAfter: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await reader.listBalanceTransactions({
        account: ACCOUNT,
        ...q,
        limit,
        ...(startingAfter ? { startingAfter } : {}),
      });
      pages++;
      lines.push(...page.lines);
      if (!page.hasMore) return { lines, pages };
      startingAfter = page.nextStartingAfter;
      await between?.();
    }
  };
  const utcDay = (date: string) => {
    const w = zonedDayWindow(date, 'UTC');
    return { createdFrom: iso(w.fromMs), createdTo: iso(w.toMs) };
  };
  const today = () => new Date().toISOString().slice(0, 10);
  const btId = (l: StatementLine) => l.refs.stripe?.balanceTransactionId;

  beforeAll(async () => {
    sandbox = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test_statements' });
    reader = createStripePspStatements({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(async () => {
    await admin('reset');
  });

  it('when a day holds several pages of balance transactions, then reading it page by page returns every one exactly once, even while new ones are booked between pages', async () => {
    const booked: string[] = [];
    for (let i = 0; i < 230; i++) booked.push(await charge(100 + i));
    const { lines, pages } = await readAll(utcDay(today()), 100, async () => {
      await charge(1); // newer than the cursor: a later read sees it, this one must not shift because of it
    });
    expect(pages).toBe(3);
    const ids = lines.map(btId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...booked].sort());
    expect(new Set(lines.map((l) => l.lineId)).size).toBe(lines.length);
    // A re-read sees the two booked meanwhile, and gives every line the same lineId as before.
    const again = await readAll(utcDay(today()), 37);
    expect(again.lines).toHaveLength(232);
    const before = new Map(lines.map((l) => [btId(l), l.lineId]));
    for (const l of again.lines) if (before.has(btId(l))) expect(l.lineId).toBe(before.get(btId(l)));
    const first = lines[0] as StatementLine;
    expect(first.lineId).toBe(
      createHash('sha256')
        .update(`${ACCOUNT.accountId}|${btId(first)}`)
        .digest('hex'),
    );
  });

  it('when a transaction is booked at 23:59:59 local time, then it belongs to that day in the account timezone and to the next day in UTC', async () => {
    const timezone = 'America/New_York';
    const date = '2026-11-01'; // the day New York leaves daylight saving time: 25 hours long
    const r = await admin('automatic-payouts', { date, timezone, currency: 'eur', inject: ['end_of_day'] });
    expect(r.status).toBe(200);
    const [edgeId] = r.json.injected as string[];
    const local = zonedDayWindow(date, timezone);
    expect(local.toMs - local.fromMs).toBe(25 * 3_600_000);
    const nyAccount = { accountId: 'psp-ny', timezone };
    const read = (from: number, to: number) =>
      reader.listBalanceTransactions({ account: nyAccount, createdFrom: iso(from), createdTo: iso(to), limit: 100 });

    const inDay = await read(local.fromMs, local.toMs);
    expect(inDay.lines.map(btId)).toEqual([edgeId]);
    expect(inDay.lines[0]).toMatchObject({ businessDate: date, entry: { bookingDate: date } });
    // The window is [from, to): one second less at the end and it is gone; the next local day does not have it.
    expect((await read(local.fromMs, local.toMs - 1_000)).lines).toEqual([]);
    expect((await read(local.toMs, local.toMs + 86_400_000)).lines.map(btId)).not.toContain(edgeId);
    // The same instant is 2026-11-02 in UTC.
    expect(zonedDate(local.toMs - 1_000, 'UTC')).toBe('2026-11-02');
    const utc = utcDay('2026-11-02');
    const utcLines = await reader.listBalanceTransactions({ account: ACCOUNT, ...utc, limit: 100 });
    expect(utcLines.lines.map(btId)).toContain(edgeId);
    expect(utcLines.lines.find((l) => btId(l) === edgeId)?.businessDate).toBe('2026-11-02');
  });

  it("when a payout's transfer and its reversal are read, then the transfer's line names the payout by its transfer_group (source expanded) and the reversal's names none; the journal still holds IDs", async () => {
    await charge(9_000);
    const psp = createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 2_000 });
    const { transferId } = await psp.createTransfer({
      idempotencyKey: 'group-t1',
      amount: EUR(2_400),
      destinationAccount: 'acct_1C',
      reference: 'payout-c7-2026-12',
    });
    await psp.reverseTransfer({
      transferId,
      idempotencyKey: 'group-t1:reverse',
      amountMinor: 2_400,
      reference: 'payout-c7-2026-12:recover',
    });

    const { lines } = await readAll(utcDay(today()));
    const transfer = lines.find((l) => l.refs.stripe?.type === 'transfer');
    expect(transfer?.refs.stripe).toMatchObject({
      source: transferId,
      transferGroup: 'payout-c7-2026-12',
      payoutWorkflowId: 'payout-c7-2026-12',
    });
    const reversal = lines.find((l) => l.refs.stripe?.reportingCategory === 'transfer_reversal');
    expect(reversal?.refs.stripe?.source).toMatch(/^trr_/);
    expect(reversal?.refs.stripe).not.toHaveProperty('payoutWorkflowId');
    const plain = await fetch(`${sandbox.url}/v1/balance_transactions?type=transfer&limit=1`, {
      headers: { Authorization: 'Bearer sk_test_sandbox' },
    });
    expect(((await plain.json()) as { data: Array<{ source: unknown }> }).data[0]?.source).toBe(transferId);
  });

  it('when an automatic payout has completed, then the lines read with its payout filter sum to its amount (R8) and it is listed by arrival date', async () => {
    await charge(12_000);
    await charge(3_500);
    const psp = createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 2_000 });
    await psp.createTransfer({
      idempotencyKey: 'r8-t1',
      amount: EUR(4_200),
      destinationAccount: 'acct_1C',
      reference: 'payout-r8',
    });
    await admin('fees', { amount: 75, currency: 'eur' });
    await admin('faults', { payoutSettleMs: 50 });
    const r = await admin('automatic-payouts', { date: today(), currency: 'eur' });
    const payoutId = (r.json.payout as { id: string }).id;

    const completed = await until(async () => {
      const p = await reader.getPayout(payoutId);
      return p.reconciliationStatus === 'completed' ? p : undefined;
    });
    expect(completed).toMatchObject({ automatic: true, status: 'paid', amount: EUR(12_000 + 3_500 - 4_200 - 75) });
    const { lines, pages } = await readAll({ payout: payoutId }, 2);
    expect(pages).toBe(3);
    const own = lines.filter((l) => l.refs.stripe?.type === 'payout');
    const paid = lines.filter((l) => l.refs.stripe?.type !== 'payout');
    expect(own).toEqual([
      expect.objectContaining({
        direction: 'debit',
        amount: completed.amount,
        refs: { stripe: expect.objectContaining({ source: payoutId, payout: payoutId }) },
      }),
    ]);
    expect(paid.reduce((s, l) => s + (l.refs.stripe?.net ?? 0), 0)).toBe(completed.amount.amountMinor);
    expect(paid.every((l) => l.refs.stripe?.payout === payoutId)).toBe(true);

    const listed = await reader.listPayouts({
      arrivalFrom: completed.arrivalDate,
      arrivalTo: completed.arrivalDate,
      limit: 10,
    });
    expect(listed.payouts.map((p) => p.payoutId)).toEqual([payoutId]);
    const dayBefore = new Date(Date.parse(completed.arrivalDate) - 86_400_000).toISOString().slice(0, 10);
    expect((await reader.listPayouts({ arrivalFrom: dayBefore, arrivalTo: dayBefore, limit: 10 })).payouts).toEqual([]);
  });

  it('when the day carries every Stripe bad input, then each maps to a flagged line, none is dropped, and the stuck payout reads in_progress', async () => {
    await charge(9_000);
    const psp = createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 2_000 });
    const t = await psp.createTransfer({
      idempotencyKey: 'bad-t1',
      amount: EUR(800),
      destinationAccount: 'acct_1C',
      reference: 'payout-bad',
    });
    const r = await admin('automatic-payouts', {
      date: today(),
      currency: 'eur',
      stuck: true,
      inject: ['pending', 'exchange_rate', 'source_null', 'unknown_category', 'end_of_day', 'duplicate_transfer'],
    });
    expect(r.status).toBe(200);
    const [pending, fx, noSource, unknown, endOfDay, duplicate] = r.json.injected as string[];
    const { lines } = await readAll(utcDay(today()), 3);
    const line = (id?: string) => lines.find((l) => btId(l) === id) as StatementLine;

    expect(line(pending)).toMatchObject({ flags: ['pending'], entry: { status: 'PDNG' } });
    expect(line(fx)).toMatchObject({
      flags: ['fx'],
      refs: { stripe: { exchangeRate: '1.16744' } },
      amount: EUR(1_167),
    });
    expect(line(noSource).flags).toEqual(['no_source']);
    expect(line(noSource).refs.stripe).not.toHaveProperty('source');
    expect(line(unknown)).toMatchObject({
      flags: ['unclassified'],
      refs: { stripe: { reportingCategory: UNKNOWN_CATEGORY } },
    });
    expect(line(endOfDay)).toMatchObject({ businessDate: today(), entry: { status: 'BOOK' } });
    expect(line(endOfDay).flags).toBeUndefined();
    const transferLines = lines.filter((l) => l.refs.stripe?.source === t.transferId);
    expect(transferLines.map(btId)).toEqual(expect.arrayContaining([duplicate]));
    expect(transferLines).toHaveLength(2);
    expect(new Set(transferLines.map((l) => l.lineId)).size).toBe(2);
    for (const l of transferLines) expect(l).toMatchObject({ direction: 'debit', amount: EUR(800) });
    // Nothing dropped: every transaction of the day in the sandbox's own journal is a line (the payout's own
    // transaction is booked at the end of the day, i.e. the next day).
    const journal = (await (
      await fetch(`${sandbox.url}/v1/balance_transactions?limit=100`, {
        headers: { Authorization: 'Bearer sk_test_sandbox' },
      })
    ).json()) as { data: Array<{ id: string; type: string }> };
    expect([...lines.map(btId)].sort()).toEqual(
      journal.data
        .filter((b) => b.type !== 'payout')
        .map((b) => b.id)
        .sort(),
    );

    const payoutId = (r.json.payout as { id: string }).id;
    await until(async () => ((await reader.getPayout(payoutId)).status === 'paid' ? true : undefined));
    expect((await reader.getPayout(payoutId)).reconciliationStatus).toBe('in_progress');
  });

  it('when the PSP answers 5xx, then the read is retryable; when the cursor is unknown, then it is a non-retryable ProviderPermanent failure', async () => {
    await charge(100);
    await admin('faults', { fail5xxNext: 1, faultMethod: 'GET' });
    const transient = await failureOf(
      reader.listBalanceTransactions({ account: ACCOUNT, ...utcDay(today()), limit: 10 }),
    );
    expect(transient).toBeInstanceOf(ProviderTransientError);
    expect(
      (await reader.listBalanceTransactions({ account: ACCOUNT, ...utcDay(today()), limit: 10 })).lines,
    ).toHaveLength(1);
    const permanent = await failureOf(
      reader.listBalanceTransactions({ account: ACCOUNT, ...utcDay(today()), startingAfter: 'txn_gone', limit: 10 }),
    );
    expect(permanent).toMatchObject({ type: 'ProviderPermanent', nonRetryable: true });
    await expect(reader.getPayout('po_missing')).rejects.toMatchObject({ type: 'ProviderPermanent' });
    await expect(reader.listBalanceTransactions({ account: ACCOUNT, limit: 10 })).rejects.toMatchObject({
      type: 'InvalidInput',
    });
  });
});
