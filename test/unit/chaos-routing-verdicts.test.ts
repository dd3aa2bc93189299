import { emptyVerdicts } from '../chaos/checks';
import { rowHeld, type RowResult } from '../chaos/matrix';
import { fencedOnly, routedVerdicts, type Seen } from '../chaos/rows/routing';

/**
 * How the routing rows judge a stalled Adyen (test/chaos/rows/routing.ts), without a stack: which failover bases count
 * as proof, and how a row's own expectation fails it (unmet) without being counted as money.
 */

const wf = (i: number) => `payout-r-${i}`;
function seen(bases: Array<string | undefined>, adyenPosts: Record<string, number> = {}): Seen {
  const failovers = new Map<string, Record<string, unknown>>();
  bases.forEach((basis, i) => basis && failovers.set(wf(i), { basis, from: 'adyen', to: 'stripe' }));
  return {
    payouts: bases.map((_, i) => ({
      payoutId: `r-${i}`,
      creatorId: `r-c${i}`,
      amountMinor: 100_000,
      fundedMinor: 150_000,
      rail: 'psp',
      currency: 'EUR',
    })),
    stripePosts: new Map(),
    adyenPosts: new Map(Object.entries(adyenPosts)),
    adyenStatuses: [],
    failovers,
  };
}
const result = (v: ReturnType<typeof routedVerdicts>): RowResult => ({ fault: 'row', n: 1, wallMs: 0, ...v });

describe('the routing rows judging a stalled Adyen', () => {
  test('when some payouts were fenced as never started (their initiation never ran within the budget) and the others by a look-up, then both count as proof', () => {
    const lines = fencedOnly(seen(['fenced_never_started', 'fenced_lookup_absent', 'fenced_never_started']));

    expect(lines).toEqual([]);
  });

  test('when a payout failed over on any other basis, or not at all, then the row names it', () => {
    const lines = fencedOnly(seen(['fenced_lookup_absent', 'definitive_refusal', undefined]));

    expect(lines).toEqual([
      `${wf(1)}: failover {"basis":"definitive_refusal","from":"adyen","to":"stripe"}`,
      `${wf(2)}: failover undefined`,
    ]);
  });

  test('when a payout fenced as never started had in fact sent Adyen a transfer POST, then the row names it', () => {
    const lines = fencedOnly(seen(['fenced_lookup_absent', 'fenced_never_started'], { [wf(1)]: 1 }));

    expect(lines).toEqual([`${wf(1)}: fenced as never started, yet Adyen saw 1 transfer POSTs`]);
  });

  test('when no payout was fenced by a look-up (no Adyen attempt started), then the row says the fault did not hit', () => {
    const lines = fencedOnly(seen(['fenced_never_started', 'fenced_never_started']));

    expect(lines).toEqual([`the fault did not hit: no payout's Adyen attempt started (none fenced by a look-up)`]);
  });

  test('when a row expectation fails, then the row does not hold, counts it as unmet, and its duplicates stay what the records say', () => {
    const v = routedVerdicts(
      { ...emptyVerdicts(), outcomes: { completed: 2 } },
      ['payout-r-1: failover undefined'],
      seen(['fenced_lookup_absent', undefined]),
    );

    expect(v).toMatchObject({ duplicates: 0, lost: 0, ledgerBreaks: 0, unmet: 1 });
    expect(v.findings).toEqual(['payout-r-1: failover undefined']);
    expect(v.outcomes).toEqual({ completed: 2, 'failover:fenced_lookup_absent': 1 });
    expect(rowHeld(result(v))).toBe(false);
  });

  test('when every expectation holds, then the row holds and its outcomes count the failovers by basis', () => {
    const v = routedVerdicts(
      emptyVerdicts(),
      [],
      seen(['fenced_lookup_absent', 'fenced_never_started', 'fenced_lookup_absent']),
    );

    expect(v.unmet ?? 0).toBe(0);
    expect(v.outcomes).toEqual({ 'failover:fenced_lookup_absent': 2, 'failover:fenced_never_started': 1 });
    expect(rowHeld(result(v))).toBe(true);
  });
});
