import { createStripePspStatements } from '../../activities/adapters/psp/stripe-statements';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';

/**
 * Contract check of the statement reader and of the PSP sandbox's new endpoints against stripe-mock (which validates
 * each request against Stripe's OpenAPI spec and answers with Stripe's fixtures):
 * - the reader's list and retrieve requests (created window, payout filter, cursor, arrival-date range) are accepted
 *   and stripe-mock's real response shapes map;
 * - for the same requests, the sandbox answers objects with exactly the fields stripe-mock returns, each of the same
 *   JSON kind (a field stripe-mock shows as null may hold a value, and a nullable one may be null).
 */

function stripeMockUrl(): string {
  const url = process.env.STRIPE_MOCK_URL;
  if (!url) throw new Error('STRIPE_MOCK_URL is not set: run through jest (the global setup starts stripe-mock)');
  return url;
}

const KEY = 'sk_test_123';
const ACCOUNT = { accountId: 'psp-contract', timezone: 'Europe/Berlin' };

async function get(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${KEY}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Differences between the sandbox's object and stripe-mock's: missing or extra fields, or another JSON kind. */
function shapeDiff(sandbox: Record<string, unknown>, mock: Record<string, unknown>, at = ''): string[] {
  const out: string[] = [];
  for (const k of Object.keys(mock)) if (!(k in sandbox)) out.push(`${at}${k}: missing in the sandbox`);
  for (const k of Object.keys(sandbox)) if (!(k in mock)) out.push(`${at}${k}: not in Stripe's object`);
  for (const k of Object.keys(mock)) {
    if (!(k in sandbox)) continue;
    const [s, m] = [sandbox[k], mock[k]];
    if (kind(s) === 'null' || kind(m) === 'null') continue;
    if (kind(s) !== kind(m)) out.push(`${at}${k}: ${kind(s)} in the sandbox, ${kind(m)} in Stripe's`);
    else if (kind(m) === 'object')
      out.push(...shapeDiff(s as Record<string, unknown>, m as Record<string, unknown>, `${at}${k}.`));
    else if (kind(m) === 'array' && (m as unknown[]).length && (s as unknown[]).length)
      out.push(
        ...shapeDiff(
          (s as Record<string, unknown>[])[0] ?? {},
          (m as Record<string, unknown>[])[0] ?? {},
          `${at}${k}[0].`,
        ),
      );
  }
  return out;
}

describe('PSP statement reader and sandbox contract against stripe-mock', () => {
  let sandbox: PspSandbox;
  const mock = () => stripeMockUrl();
  const reader = () => createStripePspStatements({ apiBase: mock(), secretKey: KEY, timeoutMs: 5_000 });

  beforeAll(async () => {
    sandbox = await startPspSandbox({ port: 0, webhookSecret: 'whsec_contract' });
    const admin = (path: string, body: unknown) =>
      fetch(`${sandbox.url}/__admin/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    // A charge with a Stripe fee (fee_details non-empty) and an automatic payout of today.
    await admin('charges', { amount: 5_000, currency: 'eur', fee: 175 });
    await admin('faults', { payoutSettleMs: 10 });
    await admin('automatic-payouts', { date: new Date().toISOString().slice(0, 10), currency: 'eur' });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('when balance transactions are listed by created window, payout and cursor, then stripe-mock accepts each request and the lines map', async () => {
    const byWindow = await reader().listBalanceTransactions({
      account: ACCOUNT,
      createdFrom: '2026-12-05T23:00:00.000Z',
      createdTo: '2026-12-06T23:00:00.000Z',
      startingAfter: 'txn_123',
      limit: 100,
    });
    expect(byWindow.lines.length).toBeGreaterThan(0);
    for (const l of byWindow.lines) {
      expect(l).toMatchObject({
        source: 'stripe_bt',
        accountId: ACCOUNT.accountId,
        lineId: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(Number.isInteger(l.amount.amountMinor)).toBe(true);
      expect(l.refs.stripe?.balanceTransactionId).toMatch(/^txn_/);
    }
    const byPayout = await reader().listBalanceTransactions({ account: ACCOUNT, payout: 'po_123', limit: 10 });
    expect(byPayout.lines.every((l) => l.refs.stripe?.payout === 'po_123')).toBe(true);
  });

  it('when a payout is read and payouts are listed by arrival date, then stripe-mock accepts the requests and the payouts map', async () => {
    const p = await reader().getPayout('po_123');
    expect(p).toMatchObject({
      payoutId: 'po_123',
      reconciliationStatus: expect.stringMatching(/^(not_applicable|in_progress|completed)$/),
    });
    expect(p.arrivalDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const listed = await reader().listPayouts({ arrivalFrom: '2026-12-01', arrivalTo: '2026-12-08', limit: 10 });
    expect(listed.payouts.length).toBeGreaterThan(0);
  });

  it("when balance transactions are listed with their source expanded, then stripe-mock accepts it and the sandbox's expanded transfer has the fields and kinds of Stripe's transfer", async () => {
    const auth = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' };
    const made = await fetch(`${sandbox.url}/v1/transfers`, {
      method: 'POST',
      headers: { ...auth, 'Idempotency-Key': 'contract-expand-1' },
      body: 'amount=300&currency=eur&destination=acct_1C&transfer_group=payout-contract-1',
    });
    expect(made.status).toBe(200);
    const fromMock = await get(mock(), '/v1/balance_transactions?limit=1&expand[]=data.source');
    expect(fromMock.status).toBe(200);
    const listed = await get(sandbox.url, '/v1/balance_transactions?type=transfer&limit=1&expand[]=data.source');
    const source = (listed.body.data as Array<{ source: Record<string, unknown> }>)[0]?.source ?? {};
    expect(source).toMatchObject({ object: 'transfer', transfer_group: 'payout-contract-1' });
    const { body: stripeTransfer } = await get(mock(), '/v1/transfers/tr_123');
    expect(shapeDiff(source, stripeTransfer)).toEqual([]);
  });

  it.each([
    ['a balance transaction list', '/v1/balance_transactions?limit=3', 'list'],
    ['a balance transaction list by payout', '/v1/balance_transactions?limit=3&payout=:payout', 'list'],
    ['a balance transaction', '/v1/balance_transactions/:txn', 'object'],
    ['a payout', '/v1/payouts/:payout', 'object'],
    ['a payout list', '/v1/payouts?limit=3&arrival_date[gte]=1', 'list'],
  ])(
    'when the sandbox and stripe-mock answer %s, then the fields and their kinds are the same',
    async (_what, template, shape) => {
      const { body: payouts } = await get(sandbox.url, '/v1/payouts?limit=1');
      const payout = ((payouts.data as Array<{ id: string }>)[0] as { id: string }).id;
      const { body: fees } = await get(sandbox.url, '/v1/balance_transactions?type=charge&limit=1');
      const txn = ((fees.data as Array<{ id: string }>)[0] as { id: string }).id;
      const path = (ids: { payout: string; txn: string }) =>
        template.replace(':payout', ids.payout).replace(':txn', ids.txn);

      const fromMock = await get(mock(), path({ payout: 'po_123', txn: 'txn_123' }));
      const fromSandbox = await get(sandbox.url, path({ payout, txn }));
      expect(fromMock.status).toBe(200);
      expect(fromSandbox.status).toBe(200);
      if (shape === 'object') {
        expect(shapeDiff(fromSandbox.body, fromMock.body)).toEqual([]);
        return;
      }
      const [s, m] = [fromSandbox.body, fromMock.body];
      expect(Object.keys(s).sort()).toEqual(Object.keys(m).sort());
      const [sData, mData] = [s.data as Record<string, unknown>[], m.data as Record<string, unknown>[]];
      expect(sData.length).toBeGreaterThan(0);
      expect(mData.length).toBeGreaterThan(0);
      for (const o of sData) expect(shapeDiff(o, mData[0] ?? {})).toEqual([]);
    },
  );
});
