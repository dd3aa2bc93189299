import {
  awaitingActorFor,
  cancellable,
  checkPayability,
  classifyReturn,
  holdable,
  mergeRailStatus,
  moneyMayHaveMoved,
  needsFx,
  nextRecheckAt,
  parkDeadline,
  pollDelayMs,
  railStatusFromPoll,
  resolvable,
  resolveTiming,
  runOutcomeOf,
  parkedAfterStart,
  stepName,
  wakeable,
  refuseCancel,
  refuseHold,
  refuseRelease,
  refuseResolve,
  refuseRetryNow,
  refuseWhileClosing,
  type CommandFacts,
} from '../../workflows/payouts/policy';
import { ledgerFromPostings, payoutPostingIds } from '../../workflows/payouts/carry';
import {
  creatorPayoutInput,
  PayoutRefusal,
  payoutRefusals,
  type PayabilityFacts,
} from '../../workflows/payouts/contract';

const ok: PayabilityFacts = {
  kycStatus: 'verified',
  sanctionsStatus: 'clear',
  payoutMethod: { rail: 'psp', currency: 'USD', country: 'US' },
};
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' as const });
const NOW = Date.parse('2026-12-01T00:00:00Z');

describe('payout policy', () => {
  test('when every check passes, then the payout is payable', () => {
    expect(checkPayability(ok, usd(5000), NOW)).toEqual({ payable: true });
  });

  test('when KYC, method and sanctions all fail, then every blocker is reported and compliance is awaited first', () => {
    const v = checkPayability({ kycStatus: 'pending', sanctionsStatus: 'pending' }, usd(5000), NOW);
    expect(v.payable).toBe(false);
    if (v.payable) return;
    expect(v.permanent).toBe(false);
    expect(v.blockers.map((b) => b.code)).toEqual(['sanctions_pending', 'kyc_pending', 'payout_method_missing']);
    expect(awaitingActorFor(v.blockers)).toBe('compliance');
  });

  test('when the amount is below the minimum, then the verdict is permanent', () => {
    const v = checkPayability(ok, usd(99), NOW);
    expect(v).toMatchObject({ payable: false, permanent: true, blockers: [{ code: 'below_minimum' }] });
  });

  test('when earnings are on hold, then the payout waits on the schedule and re-checks when the hold lifts', () => {
    const holdUntil = new Date(NOW + 3_600_000).toISOString();
    const v = checkPayability({ ...ok, holdUntil }, usd(5000), NOW);
    if (v.payable) throw new Error('expected a blocker');
    expect(awaitingActorFor(v.blockers)).toBe('schedule');
    const timing = resolveTiming('psp', undefined);
    expect(nextRecheckAt(v.blockers, NOW, timing)).toBe(NOW + 3_600_000);
    expect(parkDeadline(v.blockers, NOW, timing)).toBe(NOW + timing.parkDeadlineMs);
  });

  test('when polls repeat, then the delay doubles up to the cap', () => {
    const t = { pollInitialMs: 1000, pollMaxMs: 5000 };
    expect([0, 1, 2, 3, 10, 100].map((n) => pollDelayMs(n, t))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  test('when a return code means the account is gone or wrong, then new details are awaited; otherwise the payout ends returned', () => {
    for (const code of ['R02', 'R03', 'R04', 'AC04', 'AC01', 'account_closed'])
      expect(classifyReturn(code).action).toBe('await_new_details');
    expect(classifyReturn('R01')).toEqual({ action: 'end_returned', code: 'R01' });
    expect(classifyReturn(undefined)).toEqual({ action: 'end_returned', code: 'unknown' });
  });

  test('when webhook statuses arrive out of order, then a late paid never undoes a return', () => {
    expect(mergeRailStatus('returned', 'paid')).toBe('returned');
    expect(mergeRailStatus('paid', 'pending')).toBe('paid');
    expect(mergeRailStatus(undefined, 'pending')).toBe('pending');
    expect(mergeRailStatus('pending', 'failed')).toBe('failed');
  });

  test('when rails report their own vocabulary, then it maps to paid, failed, returned or pending', () => {
    expect(
      ['paid', 'settled', 'failed', 'rejected', 'reversed', 'returned', 'accepted'].map(railStatusFromPoll),
    ).toEqual(['paid', 'paid', 'failed', 'failed', 'returned', 'returned', 'pending']);
  });

  test('when the balance and payout currencies differ, then FX is needed', () => {
    expect(needsFx('USD', 'EUR')).toBe(true);
    expect(needsFx('USD', 'USD')).toBe(false);
  });

  test('when a payout has reached a rail, then it can no longer be cancelled', () => {
    expect(cancellable('awaiting_payability')).toBe(true);
    expect(cancellable('awaiting_confirmation')).toBe(false);
  });

  test('when ops act, then holds, wake-ups and manual resolution are allowed only in the states that can take them', () => {
    expect(holdable('awaiting_payability')).toBe(true);
    expect(holdable('awaiting_confirmation')).toBe(false);
    expect(wakeable('awaiting_confirmation')).toBe(true);
    expect(wakeable('reserving')).toBe(false);
    expect(resolvable('paid_in_return_window')).toBe(true);
    expect(resolvable('initiating')).toBe(false);
  });

  test('when a payout fails after its rail was asked, then only a typed refusal by the rail proves no money moved', () => {
    expect(moneyMayHaveMoved(false, undefined)).toBe(false);
    expect(moneyMayHaveMoved(true, 'Declined')).toBe(false);
    expect(moneyMayHaveMoved(true, 'Conflict')).toBe(true);
    expect(moneyMayHaveMoved(true, undefined)).toBe(true);
  });

  test('when a payout reaches a decisive state, then its run hears the outcome; re-pays get new step names', () => {
    expect(runOutcomeOf('awaiting_payability')).toBe('parked');
    expect(runOutcomeOf('paid_in_return_window')).toBe('paid');
    expect(runOutcomeOf('reserving')).toBeUndefined();
    expect([stepName('initiate', 1), stepName('initiate', 2)]).toEqual(['initiate', 'initiate-2']);
  });

  test('when overrides are given, then they replace only the named defaults', () => {
    const t = resolveTiming('bank', { returnWindowMs: 5 });
    expect(t.returnWindowMs).toBe(5);
    expect(t.parkDeadlineMs).toBe(14 * 86_400_000);
  });
});

describe('payout input contract', () => {
  const valid = { payoutId: 'p1', creatorId: 'c1', period: '2026-11', amount: usd(1000) };
  test.each([
    ['a negative amount', { amount: usd(-5) }, 'amount.amountMinor'],
    ['a zero amount', { amount: usd(0) }, 'amount.amountMinor'],
    ['fractional minor units', { amount: usd(10.5) }, 'amount.amountMinor'],
    ['an unknown currency', { amount: { amountMinor: 100, currency: 'XXX' } }, 'amount.currency'],
    ['a bad period', { period: '2026-13' }, 'period'],
    ['account data smuggled in', { iban: 'DE89370400440532013000' }, 'iban'],
  ])('when the input has %s, then parsing fails naming the field', (_what, patch, field) => {
    const r = creatorPayoutInput.safeParse({ ...valid, ...patch });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(JSON.stringify(r.error.issues)).toContain(field.split('.').pop() ?? field);
  });
});

describe('parkedAfterStart', () => {
  test('when a payout is on hold or awaits ops at the rail, then its run counts it as parked', () => {
    expect(parkedAfterStart('on_hold', undefined)).toBe(true);
    expect(parkedAfterStart('awaiting_confirmation', 'confirmation_overdue')).toBe(true);
    expect(parkedAfterStart('awaiting_confirmation', 'outcome_unknown')).toBe(true);
    expect(parkedAfterStart('awaiting_confirmation', undefined)).toBe(false);
    expect(parkedAfterStart('initiating', 'confirmation_overdue')).toBe(false);
  });
});

describe('ledgerFromPostings', () => {
  const wf = 'payout-c1-2026-11';
  test('when the ledger holds postings of a payout, then the position is the one after the latest of them, attempt by attempt', () => {
    expect(ledgerFromPostings(wf, 1, [])).toBe('none');
    expect(ledgerFromPostings(wf, 1, [`${wf}:reserve`])).toBe('reserved');
    expect(ledgerFromPostings(wf, 1, [`${wf}:release`, `${wf}:reserve`])).toBe('none');
    expect(ledgerFromPostings(wf, 1, [`${wf}:reserve`, `${wf}:settle`, `${wf}:reverse`])).toBe('reversed');
    const returned = [`${wf}:reserve`, `${wf}:settle`, `${wf}:reverse`];
    expect(ledgerFromPostings(wf, 2, [...returned, `${wf}:reserve-2`])).toBe('reserved');
    expect(ledgerFromPostings(wf, 2, returned)).toBe('reversed');
    // Another payout's postings (same prefix, longer ID) and later attempts than asked do not count.
    expect(ledgerFromPostings(wf, 1, [`${wf}0:reserve`, `${wf}:reserve-2`])).toBe('none');
    expect(payoutPostingIds(wf, 2)).toHaveLength(10);
  });
});

describe('payout ops command rules', () => {
  const facts = (over: Partial<CommandFacts> = {}): CommandFacts => ({
    state: 'awaiting_payability',
    initiated: false,
    held: undefined,
    ledger: 'none',
    partialReturnMinor: undefined,
    stop: undefined,
    ...over,
  });

  test('when each rule refuses, then its code is in the refusal table with the type callers branch on', () => {
    const refused = [
      refuseWhileClosing(facts({ stop: { kind: 'cancel' } })),
      refuseCancel(facts({ state: 'initiating', initiated: true })),
      refuseHold(facts({ held: { operator: 'cora' } })),
      refuseHold(facts({ state: 'awaiting_confirmation' })),
      refuseRelease(facts(), undefined),
      refuseRelease(facts({ held: { operator: 'Cora' } }), { subject: 'cora' }),
      refuseRetryNow(facts({ state: 'reserving' })),
      refuseResolve(facts({ state: 'initiating' }), { outcome: 'abandoned' }),
      refuseResolve(facts({ state: 'paid_in_return_window', ledger: 'settled' }), { outcome: 'partial_return' }),
    ].map((r) => r && { code: r.code, type: payoutRefusals[r.code].type });
    expect(refused).toEqual([
      { code: 'already_closing', type: 'Conflict' },
      { code: 'already_initiated', type: 'Conflict' },
      { code: 'already_on_hold', type: 'Conflict' },
      { code: 'wrong_state', type: 'Conflict' },
      { code: 'not_on_hold', type: 'Conflict' },
      { code: 'release_by_holder', type: 'PolicyViolation' },
      { code: 'wrong_state', type: 'Conflict' },
      { code: 'wrong_state', type: 'Conflict' },
      { code: 'no_partial_return', type: 'Conflict' },
    ]);
    // Every code of the table is returned by a rule, except invalid_input (the validator's parse refuses with it).
    const table = Object.keys(payoutRefusals).filter((c) => c !== 'invalid_input');
    expect(new Set(refused.map((r) => r?.code))).toEqual(new Set(table));
  });

  test('when a command meets its rule, then no rule refuses it', () => {
    expect(refuseWhileClosing(facts())).toBeUndefined();
    expect(refuseCancel(facts())).toBeUndefined();
    expect(refuseHold(facts())).toBeUndefined();
    expect(refuseRelease(facts({ held: { operator: 'cora' } }), { subject: 'olaf' })).toBeUndefined();
    expect(refuseRetryNow(facts())).toBeUndefined();
    const partial = facts({ state: 'paid_in_return_window', ledger: 'settled', partialReturnMinor: 100 });
    expect(refuseResolve(partial, { outcome: 'partial_return' })).toBeUndefined();
  });

  test('when the old constant names are used, then they name the same codes as the table', () => {
    for (const code of Object.values(PayoutRefusal)) expect(payoutRefusals).toHaveProperty(code);
  });
});
