import type { ActivityDeps } from '../../activities';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { createFakePspStatements } from '../../activities/adapters/psp/fake-statements';
import { createFakeReports } from '../../activities/adapters/reports/fake';
import { payoutPosting } from '../../activities/payouts';
import {
  adyenStatementLine,
  adyenTransactionDay,
  createAdyenStatements,
  type AdyenStatementPort,
} from '../../activities/recon/adyen-statements';
import { createReconDayActivities } from '../../activities/recon-days';
import { reconAccountSchema, type ReconAccount } from '../../activities/recon-days/accounts';
import type { BreakClient } from '../../activities/recon-days/breaks';
import type { ReconBreakInput } from '../../workflows/recon-breaks/contract';
import { CURRENT_RULE_VERSION, type MatchDayResult } from '../../workflows/recon-days/contract';
import type { StatementLine } from '../../workflows/recon/contract';
import { startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import type { TransferData } from '../../sandboxes/adyen/state';
import { until } from '../support/wait';

/**
 * Reconciliation watches Adyen (issue 25): the platform balance account's transactions, read from the Adyen sandbox
 * through the official library, as statement lines; a daily run of an Adyen account matching them against the
 * ledger's `psp-adyen` postings; and a late success at Adyen after Stripe paid the same payout, caught across
 * accounts as a duplicate_disbursement.
 */

const PLATFORM = 'BA00000000000000PLATFORM';
const ADYEN: ReconAccount = reconAccountSchema.parse({
  accountId: 'psp-adyen',
  rail: 'psp',
  provider: 'adyen',
  currency: 'EUR',
  timezone: 'UTC',
  statementDeadlineHours: 6,
});
const STRIPE: ReconAccount = reconAccountSchema.parse({
  accountId: 'psp-platform',
  rail: 'psp',
  currency: 'EUR',
  timezone: 'UTC',
  statementDeadlineHours: 6,
});
/** The sandbox books transactions now: the business day under test is today (UTC), run tomorrow morning. */
const today = () => new Date().toISOString().slice(0, 10);
const dayAfter = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('Adyen reconciliation (Adyen sandbox, official library)', () => {
  let sandbox: AdyenSandbox;
  let reader: AdyenStatementPort;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    sandbox = await startAdyenSandbox({ port: 0, hmacKey: 'AA'.repeat(32) });
    reader = createAdyenStatements({ apiKey: 'test', balanceAccountId: PLATFORM, apiBase: sandbox.url });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  /** A transfer out of the platform balance account, booked (the payout's create at Adyen). */
  async function bookedTransfer(reference: string, value: number): Promise<TransferData> {
    const res = await fetch(`${sandbox.url}/btl/v4/transfers`, {
      method: 'POST',
      headers: { 'X-API-Key': 'test', 'Idempotency-Key': `${reference}:adyen`, 'content-type': 'application/json' },
      body: JSON.stringify({
        amount: { currency: 'EUR', value },
        balanceAccountId: PLATFORM,
        category: 'internal',
        counterparty: { balanceAccountId: 'BA_CREATOR_1' },
        reference,
      }),
    });
    const t = (await res.json()) as TransferData;
    await until(async () => {
      const r = await fetch(`${sandbox.url}/btl/v4/transfers/${t.id}`, { headers: { 'X-API-Key': 'test' } });
      return ((await r.json()) as TransferData).status === 'booked' ? true : undefined;
    });
    return t;
  }
  async function readDay(date: string, pageSize = 100): Promise<StatementLine[]> {
    const lines: StatementLine[] = [];
    for await (const page of adyenTransactionDay(reader, { account: ADYEN, date, pageSize })) lines.push(...page.lines);
    return lines;
  }

  describe('the statement reader', () => {
    test('when transfers are booked and one is returned, then the day reads a debit per booking and a credit for the return, with the transfer, its reference and the payout it names, page by page', async () => {
      await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ settleMs: 10 }) });
      const a = await bookedTransfer(`payout-r1-${run}:initiate`, 1_500);
      const b = await bookedTransfer(`invoice-${run}`, 250);
      await fetch(`${sandbox.url}/__admin/transfers/${a.id}/return`, { method: 'POST', body: '{}' });

      const lines = (await readDay(today(), 1)).filter((l) => [a.id, b.id].includes(l.refs.adyen?.transferId ?? ''));

      expect(lines.map((l) => [l.refs.adyen?.transferId, l.direction, l.amount.amountMinor])).toEqual([
        [a.id, 'debit', 1_500],
        [b.id, 'debit', 250],
        [a.id, 'credit', 1_500],
      ]);
      expect(lines[0]).toMatchObject({
        source: 'adyen_tx',
        accountId: 'psp-adyen',
        businessDate: today(),
        amount: { currency: 'EUR' },
        entry: { status: 'BOOK', reversal: false, bookingDate: today(), txCount: 1 },
        refs: { adyen: { reference: `payout-r1-${run}:initiate`, payoutWorkflowId: `payout-r1-${run}` } },
      });
      expect(lines[1]?.refs.adyen?.payoutWorkflowId).toBeUndefined();
      // The same transactions are the same lines on every read (R2/R3: matched at most once).
      const again = (await readDay(today())).filter((l) => [a.id, b.id].includes(l.refs.adyen?.transferId ?? ''));
      expect(again.map((l) => l.lineId)).toEqual(lines.map((l) => l.lineId));
      expect(new Set(lines.map((l) => l.lineId)).size).toBe(3);
      // The window is the business day: yesterday holds none of them.
      expect(await readDay(dayAfter(today(), -1))).toEqual([]);
    });

    test('when Adyen sends a transaction the reader cannot read, then it fails naming the field (never a silent skip)', () => {
      const tx = {
        id: 'EVJN42',
        amount: { currency: 'EUR', value: 1.5 },
        bookingDate: '2026-12-01T10:00:00Z',
        status: 'booked',
      };
      expect(() => adyenStatementLine(tx, ADYEN)).toThrow(
        'Adyen sent an unreadable transaction: amount.value must be an integer in minor units',
      );
      expect(() => adyenStatementLine({ ...tx, amount: { currency: 'EUR', value: 1 }, status: 'x' }, ADYEN)).toThrow(
        /status must be 'booked' or 'pending'/,
      );
    });

    test('when an account names a provider, then only a psp account may, and only a known one', () => {
      const bank = { ...ADYEN, rail: 'bank', iban: 'DE89370400440532013000' };
      expect(reconAccountSchema.safeParse(bank).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['provider', 'only a psp account names a provider'],
      ]);
      expect(reconAccountSchema.safeParse({ ...ADYEN, provider: 'paypal' }).error?.issues[0]?.message).toBe(
        'provider must be one of stripe, adyen',
      );
    });
  });

  describe('a reconciliation day of the Adyen account', () => {
    function setup() {
      const ledger = createFakeLedger();
      const reports = createFakeReports();
      const stripe = createFakePspStatements();
      const starts: Array<{ workflowId: string; input: ReconBreakInput }> = [];
      const client: BreakClient = {
        workflow: {
          async signalWithStart(_type, o) {
            starts.push({ workflowId: o.workflowId, input: o.args[0] as ReconBreakInput });
          },
          getHandle: () => ({ signal: async () => undefined }),
        },
      };
      let now = 0;
      const deps = {
        ledger,
        reports,
        audit: createFakeAudit(),
        pspStatements: stripe,
        adyenStatements: reader,
        reconAccounts: [STRIPE, ADYEN],
      };
      const acts = createReconDayActivities(deps as unknown as ActivityDeps, {
        client: () => client,
        taskQueue: () => 'test',
        now: () => now,
      });
      /** The ledger's settle of a payout attempt on `rail` (`psp` = Stripe, `psp-adyen` = Adyen). */
      const settled = (workflowId: string, rail: 'psp' | 'psp-adyen', railRef: string, amountMinor: number) =>
        ledger.post(
          payoutPosting('settle', {
            postingId: `${workflowId}:settle`,
            creatorId: 'c1',
            amount: { amountMinor, currency: 'EUR' },
            payoutId: workflowId,
            effectiveDate: today(),
            refs: { workflowId, rail, railRef, attempt: 1 },
          }),
        );
      /** A Stripe transfer's balance transaction; `transferGroup`: read with its source expanded, as the reader does. */
      const stripeBooked = (n: string, amountMinor: number, transferGroup?: string) =>
        stripe.addBalanceTransaction({
          id: `txn_${n}`,
          amount: -amountMinor,
          fee: 0,
          net: -amountMinor,
          currency: 'eur',
          created: Math.floor(Date.now() / 1000),
          available_on: Math.floor(Date.now() / 1000),
          status: 'available',
          type: 'transfer',
          reporting_category: 'transfer',
          source: transferGroup
            ? { id: `tr_${n}`, object: 'transfer', amount: amountMinor, transfer_group: transferGroup }
            : `tr_${n}`,
          fee_details: [],
        });
      const runDay = async (accountId: string) => {
        const date = today();
        now = Date.parse(`${dayAfter(date, 1)}T07:00:00Z`);
        const account = await acts.reconAccount({ accountId, businessDate: date, atMs: now });
        const fetched = await acts.fetchReconStatement({ account });
        if (fetched.status !== 'ingested') throw new Error(`not ingested: ${JSON.stringify(fetched)}`);
        const expectations = await acts.loadReconExpectations({ account, ruleVersion: CURRENT_RULE_VERSION });
        const matched: MatchDayResult = await acts.matchReconDay({
          account,
          ruleVersion: CURRENT_RULE_VERSION,
          statement: fetched.statement,
          expectations,
          runWorkflowId: `recon-day-${accountId}-${date}`,
        });
        await acts.openReconBreaks({ account, keys: matched.keys });
        return { fetched, expectations, matched };
      };
      return { settled, stripeBooked, runDay, starts };
    }

    test('when Adyen paid a payout the ledger settled on psp-adyen, and a late success at Adyen follows a payout Stripe paid, then the Adyen day matches the first and raises a duplicate_disbursement for the second; Stripe postings are never expected at Adyen', async () => {
      // Each test run uses a fresh sandbox day's worth of transactions: start from a clean sandbox.
      await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST', body: '{}' });
      await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ settleMs: 10 }) });
      const s = setup();
      // payout-a1: routed to Adyen, paid there, settled in the ledger on psp-adyen.
      const a1 = await bookedTransfer(`payout-a1-${run}:initiate`, 4_200);
      await s.settled(`payout-a1-${run}`, 'psp-adyen', a1.id, 4_200);
      // payout-a2: Adyen timed out, was fenced, Stripe paid (settled on psp); then Adyen's transfer lands after all.
      await s.settled(`payout-a2-${run}`, 'psp', `tr_a2${run}`, 7_700);
      s.stripeBooked(`a2${run}`, 7_700);
      await bookedTransfer(`payout-a2-${run}:initiate`, 7_700);

      const stripeDay = await s.runDay(STRIPE.accountId);
      const adyenDay = await s.runDay(ADYEN.accountId);

      expect(stripeDay.matched.counts).toMatchObject({ lines: 1, items: 1, matchedLines: 1, breaks: 0 });
      expect(adyenDay.fetched.statement).toMatchObject({ source: 'adyen_tx', lines: 2, notBooked: 0 });
      // Only its own postings: payout-a1's (psp-adyen), never payout-a2's Stripe settle.
      expect(adyenDay.expectations.items).toBe(1);
      expect(adyenDay.matched.counts).toMatchObject({ lines: 2, items: 1, matchedLines: 1, matchedItems: 1 });
      expect(adyenDay.matched.counts.breaksByClass).toEqual({ duplicate_disbursement: 1 });
      expect(s.starts.map((x) => x.input.facts)).toMatchObject([
        {
          class: 'duplicate_disbursement',
          accountId: 'psp-adyen',
          amountMinor: -7_700,
          refs: { workflowId: `payout-a2-${run}` },
        },
      ]);
    });

    test('when Adyen paid a payout after failover and a late success at Stripe follows, then the Stripe day traces the transfer by its transfer_group and raises a duplicate_disbursement, not unexpected_external', async () => {
      await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST', body: '{}' });
      await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ settleMs: 10 }) });
      const s = setup();
      // payout-b1: Stripe timed out, was fenced, Adyen paid (settled on psp-adyen); then Stripe's transfer lands.
      const b1 = await bookedTransfer(`payout-b1-${run}:initiate`, 5_300);
      await s.settled(`payout-b1-${run}`, 'psp-adyen', b1.id, 5_300);
      s.stripeBooked(`b1${run}`, 5_300, `payout-b1-${run}`);
      // A Stripe transfer naming no payout of ours stays unexpected_external.
      s.stripeBooked(`x1${run}`, 1_100, `order-${run}`);

      const adyenDay = await s.runDay(ADYEN.accountId);
      const stripeDay = await s.runDay(STRIPE.accountId);

      expect(adyenDay.matched.counts).toMatchObject({ lines: 1, items: 1, matchedLines: 1, breaks: 0 });
      expect(stripeDay.expectations.items).toBe(0);
      expect(stripeDay.matched.counts.breaksByClass).toEqual({ duplicate_disbursement: 1, unexpected_external: 1 });
      const facts = s.starts.map((x) => x.input.facts);
      expect(facts.find((f) => f.class === 'duplicate_disbursement')).toMatchObject({
        accountId: STRIPE.accountId,
        amountMinor: -5_300,
        refs: { workflowId: `payout-b1-${run}`, railRef: `tr_b1${run}` },
      });
      expect(facts.find((f) => f.class === 'unexpected_external')?.refs).not.toHaveProperty('workflowId');
    });
  });
});
