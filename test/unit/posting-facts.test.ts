import { MockActivityEnvironment } from '@temporalio/testing';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { Accounts, type NewPosting } from '../../activities/adapters/ledger/port';
import { payoutPosting } from '../../activities/payouts';
import { postingFactsOf } from '../../activities/posting-facts';
import { payoutRefs } from '../../workflows/payouts/policy';
import { effectiveDateOf } from '../../workflows/shared/posting-facts';

const SCHEDULED = Date.UTC(2026, 11, 5, 23, 59, 58);

describe('posting facts (date and references of a posting)', () => {
  test('when the workflow passed the date and refs, then every attempt posts exactly them', async () => {
    const facts = { effectiveDate: '2026-12-05', refs: { workflowId: 'payout-x', attempt: 1 } };
    const at = (attempt: number, now: number) =>
      new MockActivityEnvironment({
        attempt,
        scheduledTimestampMs: now,
        currentAttemptScheduledTimestampMs: now,
      }).run(async () => postingFactsOf(facts));
    expect(await at(1, SCHEDULED)).toEqual(facts);
    expect(await at(7, SCHEDULED + 3 * 86_400_000)).toEqual(facts);
  });

  test('when an activity scheduled before the change has no date, then every attempt dates it by the first scheduling, past midnight too', async () => {
    const attempt = (n: number, currentAttemptAt: number) =>
      new MockActivityEnvironment({
        attempt: n,
        scheduledTimestampMs: SCHEDULED,
        currentAttemptScheduledTimestampMs: currentAttemptAt,
        workflowExecution: { workflowId: 'payout-old', runId: 'r1' },
      }).run(async () => postingFactsOf({}));
    const first = await attempt(1, SCHEDULED);
    expect(first).toEqual({ effectiveDate: '2026-12-05', refs: { workflowId: 'payout-old' } });
    // The retry runs after midnight UTC: the posting is still the one the first attempt sent.
    expect(await attempt(2, SCHEDULED + 60_000)).toEqual(first);
  });

  test('when a payout posting is built twice from one input, then it is the same posting (bank ids derived, not read)', () => {
    const input = {
      postingId: 'payout-x:reverse',
      creatorId: 'c-1',
      amount: { amountMinor: 900, currency: 'EUR' as const },
      payoutId: 'x',
      effectiveDate: effectiveDateOf(SCHEDULED),
      refs: { workflowId: 'payout-x', attempt: 1, rail: 'bank' as const },
    };
    const a = payoutPosting('reverse', input);
    expect(payoutPosting('reverse', { ...input })).toEqual(a);
    expect(a.refs?.endToEndId).toMatch(/^E2E[0-9A-F]{32}$/);
    expect(a.refs?.pmtInfId).toBe(`MSG${a.refs!.endToEndId!.slice(3)}`);
    expect(payoutPosting('reserve', { ...input, refs: { workflowId: 'payout-x', attempt: 1 } }).refs).toEqual({
      workflowId: 'payout-x',
      attempt: 1,
    });
  });
});

describe('payout posting references (workflow side)', () => {
  const p = { workflowId: 'payout-x', attempt: 2, rail: 'psp' as const, railReference: 'tr_123' };
  test('when a step the rail books is posted, then it names the rail and the transfer; internal steps name only the workflow', () => {
    expect(payoutRefs(p, 'settle')).toEqual({ workflowId: 'payout-x', attempt: 2, rail: 'psp', railRef: 'tr_123' });
    expect(payoutRefs(p, 'reverse_partial')).toMatchObject({ rail: 'psp', railRef: 'tr_123' });
    expect(payoutRefs({ ...p, rail: 'bank', railReference: 'E2EABC' }, 'reverse')).toEqual({
      workflowId: 'payout-x',
      attempt: 2,
      rail: 'bank',
    });
    for (const kind of ['reserve', 'release', 'settle_elsewhere'] as const)
      expect(payoutRefs(p, kind)).toEqual({ workflowId: 'payout-x', attempt: 2 });
  });

  test('when ops resolve a reserved payout as paid elsewhere, then its settle names no rail (no rail will show it)', () => {
    expect(payoutRefs(p, 'settle', true)).toEqual({ workflowId: 'payout-x', attempt: 2 });
  });
});

describe('fake ledger day index and statement (same reads as DynamoDB)', () => {
  const post = (id: string, date: string | undefined, minor: number, rail?: 'bank' | 'psp'): NewPosting =>
    ({
      postingId: id,
      currency: 'EUR',
      description: id,
      legs: [
        { account: Accounts.platformCash, amountMinor: minor },
        { account: Accounts.creatorAvailable('c'), amountMinor: -minor },
      ],
      ...(date ? { effectiveDate: date, refs: { workflowId: 'w', ...(rail ? { rail } : {}) } } : {}),
    }) as NewPosting;

  test('when postings span days and scopes, then postingsOn pages a day scope by scope and the statement ends at the balance', async () => {
    const ledger = createFakeLedger();
    await ledger.post(post('legacy', undefined, 50));
    await ledger.post(post('b2', '2026-12-05', 1, 'bank'));
    await ledger.post(post('b1', '2026-12-05', 2, 'bank'));
    await ledger.post(post('p1', '2026-12-05', 3, 'psp'));
    await ledger.post(post('l1', '2026-12-05', 4));
    await ledger.post(post('n1', '2026-12-06', 5));
    const first = await ledger.postingsOn('2026-12-05', { limit: 3 });
    const second = await ledger.postingsOn('2026-12-05', { limit: 3, startKey: first.next! });
    expect([...first.items, ...second.items].map((p) => p.postingId)).toEqual(['b1', 'b2', 'p1', 'l1']);
    expect(second.next).toBeUndefined();
    const s = await ledger.statement(Accounts.creatorAvailable('c'), 'EUR', '2026-12-05', '2026-12-06');
    expect(s.openingBalanceMinor).toBe(-50);
    expect(s.items.map((l) => l.postingId)).toEqual(['b1', 'b2', 'l1', 'p1', 'n1']);
    expect(s.items.at(-1)!.runningBalanceMinor).toBe(await ledger.balance(Accounts.creatorAvailable('c'), 'EUR'));
  });
});
