import type { ActivityDeps } from '../../activities';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { createFakePspStatements } from '../../activities/adapters/psp/fake-statements';
import { createFakeReports } from '../../activities/adapters/reports/fake';
import { payoutPosting } from '../../activities/payouts';
import { createReconDayActivities } from '../../activities/recon-days';
import type { ReconAccount } from '../../activities/recon-days/accounts';
import type { BreakClient } from '../../activities/recon-days/breaks';
import { expectedItemOf } from '../../activities/recon-days/expectations';
import type { DayCarry } from '../../activities/recon-days/store';
import { BREAK_COUNTERPART_MATCHED, type ReconBreakInput } from '../../workflows/recon-breaks/contract';
import type { MatchRecord } from '../../workflows/recon/contract';
import { CURRENT_RULE_VERSION, type MatchDayResult } from '../../workflows/recon-days/contract';

/**
 * The daily run's activities over in-memory ports, day after day as the workflow calls them: the PSP rail's balance
 * transactions, what one day carries to the next, and a break a later statement closes by itself.
 */

const ACCOUNT: ReconAccount = {
  accountId: 'psp-test',
  rail: 'psp',
  currency: 'EUR',
  timezone: 'UTC',
  statementDeadlineHours: 6,
  pollEveryMinutes: 30,
};
const D = '2026-05-04';
const dayAfter = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const noon = (date: string) => Date.parse(`${date}T12:00:00Z`);

function setup(accounts: ReconAccount[] = [ACCOUNT]) {
  const ledger = createFakeLedger();
  const reports = createFakeReports();
  const psp = createFakePspStatements();
  const starts: Array<{ workflowId: string; input: ReconBreakInput }> = [];
  const signals: Array<{ workflowId: string; name: string; args: unknown[] }> = [];
  const client: BreakClient = {
    workflow: {
      async signalWithStart(_type, o) {
        starts.push({ workflowId: o.workflowId, input: o.args[0] as ReconBreakInput });
      },
      getHandle: (workflowId) => ({
        async signal(name: string, ...args: unknown[]) {
          signals.push({ workflowId, name, args });
        },
      }),
    },
  };
  let now = 0;
  const deps = { ledger, reports, audit: createFakeAudit(), pspStatements: psp, reconAccounts: accounts };
  const acts = createReconDayActivities(deps as unknown as ActivityDeps, {
    client: () => client,
    taskQueue: () => 'test',
    now: () => now,
  });

  /** A PSP transfer the ledger settled on `date` (a payout attempt through the PSP). */
  const settled = async (n: number, date: string, amountMinor: number) =>
    ledger.post(
      payoutPosting('settle', {
        postingId: `payout-p${n}:settle`,
        creatorId: 'c1',
        amount: { amountMinor, currency: 'EUR' },
        payoutId: `payout-p${n}`,
        effectiveDate: date,
        refs: { workflowId: `payout-p${n}`, rail: 'psp', railRef: `tr_${n}`, attempt: 1 },
      }),
    );
  /** The PSP's balance transaction for that transfer, booked at noon on `date`. */
  const booked = (n: number, date: string, amountMinor: number) =>
    psp.addBalanceTransaction({
      id: `txn_${n}`,
      amount: -amountMinor,
      fee: 0,
      net: -amountMinor,
      currency: 'eur',
      created: noon(date) / 1000,
      available_on: noon(date) / 1000,
      status: 'available',
      type: 'transfer',
      reporting_category: 'transfer',
      source: `tr_${n}`,
      fee_details: [],
    });

  /** One day as the workflow runs it, at `at` (ms). */
  const runDay = async (
    date: string,
    at = Date.parse(`${dayAfter(date, 1)}T07:00:00Z`),
    accountId = ACCOUNT.accountId,
  ) => {
    now = at;
    const account = await acts.reconAccount({ accountId, businessDate: date, atMs: at });
    const fetched = await acts.fetchReconStatement({ account });
    if (fetched.status !== 'ingested') return { fetched };
    const expectations = await acts.loadReconExpectations({ account, ruleVersion: CURRENT_RULE_VERSION });
    const matched: MatchDayResult = await acts.matchReconDay({
      account,
      ruleVersion: CURRENT_RULE_VERSION,
      statement: fetched.statement,
      expectations,
      runWorkflowId: `recon-day-${accountId}-${date}`,
    });
    const opened = await acts.openReconBreaks({ account, keys: matched.keys });
    return { fetched, matched, opened };
  };
  const carryOf = (date: string) =>
    JSON.parse(reports.objects.get(`recon/${ACCOUNT.accountId}/${date}/carry.json`) ?? 'null') as DayCarry | null;
  return { ledger, reports, starts, signals, settled, booked, runDay, carryOf };
}

describe('reconDay activities over in-memory ports (PSP rail, carry, later close)', () => {
  test('when the PSP day has not ended, then there is no statement yet; once it has, then its transfers match the ledger', async () => {
    const s = setup();
    await s.settled(1, D, 1_000);
    s.booked(1, D, 1_000);

    expect((await s.runDay(D, noon(D))).fetched).toEqual({
      status: 'not_yet',
      reason: `business day ${D} has not ended`,
    });
    const day = await s.runDay(D);
    expect(day.fetched).toMatchObject({ status: 'ingested', statement: { source: 'stripe_bt', lines: 1 } });
    expect(day.matched?.counts).toMatchObject({ lines: 1, items: 1, matchedLines: 1, matchedItems: 1, breaks: 0 });
    expect(s.starts).toHaveLength(0);
    expect(s.carryOf(D)?.settled).toEqual([
      expect.objectContaining({ workflowId: 'payout-p1', attempt: 1, accountId: ACCOUNT.accountId, date: D }),
    ]);
  });

  test('when a settlement is booked days after its posting, then it is carried as expected and matched on the day it shows', async () => {
    const s = setup();
    await s.settled(2, D, 2_500);
    s.booked(2, dayAfter(D, 1), 2_500);

    const first = await s.runDay(D);
    expect(first.matched?.counts).toMatchObject({ items: 1, matchedItems: 0, expectedItems: 1, breaks: 0 });
    expect(s.carryOf(D)?.expected.map((i) => i.itemId)).toEqual(['payout-p2:settle']);

    const second = await s.runDay(dayAfter(D, 1));
    expect(second.matched?.counts).toMatchObject({
      lines: 1,
      matchedLines: 1,
      matchedItems: 1,
      expectedItems: 0,
      breaks: 0,
    });
    expect(s.carryOf(dayAfter(D, 1))?.expected).toEqual([]);
  });

  test('when a settlement stays away past its allowance, then it is a missing_external break, and the day it shows closes it by signal', async () => {
    const s = setup();
    await s.settled(3, D, 4_000);
    for (let n = 0; n <= 2; n++) await s.runDay(dayAfter(D, n));
    expect(s.starts).toHaveLength(0);

    const late = await s.runDay(dayAfter(D, 3));
    expect(late.matched?.counts.breaksByClass).toEqual({ missing_external: 1 });
    expect(s.starts).toHaveLength(1);
    const opened = s.starts[0] as { workflowId: string; input: ReconBreakInput };
    expect(opened.input.facts).toMatchObject({
      class: 'missing_external',
      amountMinor: 4_000,
      refs: { workflowId: 'payout-p3', railRef: 'tr_3' },
    });
    expect(s.carryOf(dayAfter(D, 3))?.openBreaks.map((b) => b.workflowId)).toEqual([opened.workflowId]);

    s.booked(3, dayAfter(D, 4), 4_000);
    const closing = await s.runDay(dayAfter(D, 4));
    expect(closing.matched?.counts).toMatchObject({ matchedLines: 1, closedCarried: 1, breaks: 0 });
    expect(closing.opened).toEqual({ signalled: 0, alreadyClosed: 0, counterpartSignalled: 1 });
    const key = `recon/${ACCOUNT.accountId}/${dayAfter(D, 4)}/matches.ndjson`;
    const match = JSON.parse((s.reports.objects.get(key) ?? '').trim()) as MatchRecord;
    expect(match.closesBreakIds).toEqual([opened.input.facts.breakId]);
    expect(s.signals).toEqual([
      {
        workflowId: opened.workflowId,
        name: BREAK_COUNTERPART_MATCHED,
        args: [{ businessDate: dayAfter(D, 4), matchId: match.matchId, resultsKey: key }],
      },
    ]);
    expect(s.carryOf(dayAfter(D, 4))?.openBreaks).toEqual([]);
  });

  test('when one payout attempt is settled on two accounts, then the second account to run sees a duplicate_disbursement', async () => {
    const other: ReconAccount = { ...ACCOUNT, accountId: 'psp-other' };
    const s = setup([ACCOUNT, other]);
    await s.settled(5, D, 9_900);
    // Both accounts' books show the transfer (here: both read the same PSP balance).
    s.booked(5, D, 9_900);

    const first = await s.runDay(D);
    expect(first.matched?.counts).toMatchObject({ matchedLines: 1, breaks: 0 });
    const second = await s.runDay(D, undefined, other.accountId);
    expect(second.matched?.counts.breaksByClass).toEqual({ duplicate_disbursement: 1 });
    expect(s.starts.map((x) => x.input.facts)).toMatchObject([
      {
        class: 'duplicate_disbursement',
        accountId: other.accountId,
        amountMinor: -9_900,
        refs: { workflowId: 'payout-p5' },
      },
    ]);
  });

  test('when the ledger index holds payout and dispute postings, then settle leaves the account, reverse comes back, and internal moves are skipped', () => {
    const base = {
      creatorId: 'c',
      amount: { amountMinor: 700, currency: 'EUR' as const },
      payoutId: 'p',
      effectiveDate: D,
    };
    const refs = { workflowId: 'payout-x', rail: 'bank' as const, attempt: 2 };
    const settle = expectedItemOf(payoutPosting('settle', { ...base, postingId: 'payout-x:settle-2', refs }), 'a', D);
    const back = expectedItemOf(
      payoutPosting('reverse_partial', { ...base, postingId: 'payout-x:reverse_partial-2', refs }),
      'a',
      dayAfter(D, 3),
    );
    const reserve = expectedItemOf(
      payoutPosting('reserve', { ...base, postingId: 'payout-x:reserve-2', refs: { workflowId: 'payout-x' } }),
      'a',
      D,
    );
    expect(settle).toMatchObject({
      kind: 'payout_settle',
      direction: 'debit',
      amount: { amountMinor: 700 },
      refs: { attempt: 2 },
    });
    expect(settle?.refs.endToEndId).toMatch(/^E2E/);
    expect(back).toMatchObject({ kind: 'payout_reverse', direction: 'credit', ageDays: 3 });
    expect(reserve).toBeUndefined();
    // A dispute opening: the PSP takes the money off the platform balance (cash leg credited).
    const dispute = expectedItemOf(
      {
        postingId: 'dispute-du_1:open',
        currency: 'EUR',
        description: 'dispute opened',
        legs: [
          { account: 'disputes:held', amountMinor: 500 },
          { account: 'platform:cash', amountMinor: -500 },
        ],
        effectiveDate: D,
        refs: { workflowId: 'dispute-du_1', rail: 'psp', railRef: 'du_1' },
      },
      'a',
      D,
    );
    expect(dispute).toMatchObject({
      kind: 'dispute',
      direction: 'debit',
      amount: { amountMinor: 500 },
      refs: { railRef: 'du_1' },
    });
  });
});
