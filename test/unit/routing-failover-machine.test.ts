import type { FailoverEvidence, ProviderId } from '../../workflows/routing/contract';
import {
  nextFailoverState,
  startFailover,
  type FailoverEvent,
  type FailoverState,
} from '../../workflows/routing/failover-machine';
import { mayFailOver } from '../../workflows/routing/failover';
import { routePayout } from '../../workflows/routing/route';
import { routingTableFor } from '../../workflows/routing/table';

const table = routingTableFor('2026-12.1');
const decision = routePayout(
  table,
  { amountMinor: 2_000, currency: 'EUR', country: 'DE' },
  {
    paused: [],
    destinations: ['stripe', 'adyen'],
  },
);
if (decision.kind !== 'routed') throw new Error('the fixture payout must route');
const chain: ProviderId[] = [decision.provider, ...decision.fallbacks];

const run = (events: FailoverEvent[], rail: 'psp' | 'bank' = 'psp') =>
  events.reduce<FailoverState>((s, e) => nextFailoverState(table, chain, rail, s, e), startFailover(decision));

const lookup = (over: Partial<Extract<FailoverEvidence, { kind: 'fence_lookup' }>> = {}): FailoverEvent => ({
  type: 'fence',
  evidence: {
    kind: 'fence_lookup',
    rail: 'psp',
    provider: 'stripe',
    activityId: '9',
    attemptsEnded: true,
    lastAttemptStartedAt: 0,
    lookupAt: table.failover.fenceHorizonMs,
    found: false,
    lookupRequestId: 'req_l',
    ...over,
  },
});

describe('failover state machine', () => {
  it('when stripe refuses for its balance, then the switch waits for its evidence to be recorded before adyen is called', () => {
    const s = run([{ type: 'refused', code: 'balance_insufficient', requestId: 'req_1', at: 5 }]);
    expect(s).toMatchObject({ at: 'switching', provider: 'stripe', to: 'adyen' });
    expect(nextFailoverState(table, chain, 'psp', s, { type: 'evidence_recorded' })).toEqual({
      at: 'sending',
      provider: 'adyen',
      tried: ['stripe', 'adyen'],
    });
  });

  it('when stripe answers 500 and then the retry with the same key is accepted, then stripe pays and adyen is never tried', () => {
    expect(
      run([
        { type: 'transport', code: 'http_5xx', at: 1 },
        { type: 'accepted', status: 'paid' },
      ]),
    ).toEqual({ at: 'confirming', provider: 'stripe', tried: ['stripe'] });
  });

  it('when stripe answers an unknown code, then the attempt is ambiguous and stays with stripe', () => {
    expect(run([{ type: 'refused', code: 'never_seen_before', requestId: 'req_2', at: 3 }])).toEqual({
      at: 'ambiguous',
      provider: 'stripe',
      tried: ['stripe'],
      since: 3,
    });
  });

  it('when a 429 storm hits, then the attempt stays sending at the same provider', () => {
    const storm = Array.from({ length: 50 }, (_, i): FailoverEvent => ({
      type: 'transport',
      code: 'rate_limited',
      at: i,
    }));
    expect(run(storm)).toEqual({ at: 'sending', provider: 'stripe', tried: ['stripe'] });
  });

  it('when the budget runs out on an ambiguous attempt, then it fences; a look-up before the horizon keeps fencing, a finding follows stripe', () => {
    const fencing = run([
      { type: 'transport', code: 'timeout', at: 0 },
      { type: 'budget_over', at: 100 },
    ]);
    expect(fencing).toMatchObject({ at: 'fencing', provider: 'stripe' });
    expect(nextFailoverState(table, chain, 'psp', fencing, lookup({ lookupAt: 1 }))).toMatchObject({
      at: 'fencing',
      lastRefusal: 'fence_horizon_not_reached',
    });
    expect(nextFailoverState(table, chain, 'psp', fencing, lookup({ found: true }))).toEqual({
      at: 'confirming',
      provider: 'stripe',
      tried: ['stripe'],
    });
    expect(nextFailoverState(table, chain, 'psp', fencing, lookup())).toMatchObject({ at: 'switching', to: 'adyen' });
  });

  it('when stripe is paused past the budget before any answer, then a never-started fence switches to adyen once', () => {
    const fencing = run([{ type: 'budget_over', at: 10 }]);
    expect(fencing).toMatchObject({ at: 'fencing', provider: 'stripe' });
    const fence: FailoverEvent = {
      type: 'fence',
      evidence: {
        kind: 'fence_never_started',
        rail: 'psp',
        provider: 'stripe',
        activityId: '5',
        cancelledWithoutStart: true,
      },
    };
    expect(nextFailoverState(table, chain, 'psp', fencing, fence)).toMatchObject({ at: 'switching', to: 'adyen' });
  });

  it('when the bank rail is ambiguous past the budget, then it parks for ops and never fences', () => {
    expect(
      run(
        [
          { type: 'transport', code: 'timeout', at: 0 },
          { type: 'budget_over', at: 100 },
        ],
        'bank',
      ),
    ).toMatchObject({ at: 'parked' });
    expect(run([{ type: 'refused', code: 'balance_insufficient', requestId: 'r', at: 0 }], 'bank')).toMatchObject({
      at: 'ambiguous',
    });
  });

  it('when adyen also refuses after the switch, then the attempt is exhausted and never loops back to stripe', () => {
    expect(
      run([
        { type: 'refused', code: 'balance_insufficient', requestId: 'req_1', at: 0 },
        { type: 'evidence_recorded' },
        { type: 'refused', code: 'notEnoughBalance', requestId: 'TRF1', at: 1 },
      ]),
    ).toMatchObject({ at: 'exhausted', provider: 'adyen', tried: ['stripe', 'adyen'] });
  });

  it('when the creator account is closed, then the creator is asked for new details, with no failover', () => {
    expect(run([{ type: 'refused', code: 'account_closed', requestId: 'req_3', at: 0 }])).toMatchObject({
      at: 'awaiting_new_details',
      code: 'account_closed',
    });
  });
});

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

describe('failover state machine over generated event sequences', () => {
  it('when random provider answers, budgets and fences arrive, then a provider is only ever called after a recorded, allowed switch', () => {
    const SEED = 25;
    const r = rng(SEED);
    const codes = [
      'balance_insufficient',
      'notEnoughBalance',
      'account_closed',
      'zz',
      'rate_limit',
      'error',
      'parameter_missing',
    ];
    let switches = 0;
    for (let run = 0; run < 3_000; run++) {
      const rail = r.next() < 0.15 ? 'bank' : 'psp';
      let s = startFailover(decision);
      const calls: ProviderId[] = [s.provider];
      for (let step = 0; step < 12; step++) {
        const provider = s.provider;
        const e: FailoverEvent = r.pick<FailoverEvent>([
          { type: 'accepted', status: 'pending' },
          { type: 'refused', code: r.pick(codes), requestId: r.pick(['', 'req']), at: step },
          {
            type: 'transport',
            code: r.pick(['http_5xx', 'timeout', 'connection', 'rate_limited', 'in_flight'] as const),
            at: step,
          },
          { type: 'budget_over', at: step },
          lookup({
            provider,
            found: r.next() < 0.3,
            lookupAt: r.next() < 0.3 ? 1 : table.failover.fenceHorizonMs,
            rail,
          }),
          {
            type: 'fence',
            evidence: {
              kind: 'fence_never_started',
              rail,
              provider,
              activityId: '4',
              cancelledWithoutStart: r.next() < 0.5,
            },
          },
          { type: 'evidence_recorded' },
        ]);
        const before = s;
        s = nextFailoverState(table, chain, rail, s, e);
        const where = `seed ${SEED} run ${run} step ${step}: ${JSON.stringify({ before, e, s })}`;
        if (s.at === 'sending' && s.provider !== before.provider) {
          // A new provider: only from a switching state, on the recorded event, with evidence mayFailOver allows.
          expect({ where, ok: before.at === 'switching' && e.type === 'evidence_recorded' }).toEqual({
            where,
            ok: true,
          });
          if (before.at === 'switching') expect(mayFailOver(before.evidence, table).allowed).toBe(true);
          calls.push(s.provider);
          switches++;
        }
        expect({ where, bankSwitch: rail === 'bank' && s.at === 'switching' }).toEqual({ where, bankSwitch: false });
      }
      // Never more providers than the table allows, never the same provider twice.
      expect(calls.length).toBeLessThanOrEqual(table.maxProvidersPerPayout);
      expect(new Set(calls).size).toBe(calls.length);
    }
    expect(switches).toBeGreaterThan(50);
  });
});
