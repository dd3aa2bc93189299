import { CURRENCY_EXPONENT, type Currency } from '../../workflows/shared/money';
import {
  PROVIDER_IDS,
  ROUTING_TABLE_VERSIONS,
  TRANSPORT_CODES,
  type FailoverEvidence,
  type PayoutRouteFacts,
  type ProviderId,
  type RouteContext,
} from '../../workflows/routing/contract';
import { mayFailOver } from '../../workflows/routing/failover';
import { classifyCode, routePayout, transferCostMinor } from '../../workflows/routing/route';
import {
  ROUTING_TABLES,
  routingTableFor,
  routingTableSchema,
  routingTableVersionAt,
  type RoutingTable,
} from '../../workflows/routing/table';

const table = routingTableFor('2026-12.1');
const both: RouteContext = { paused: [], destinations: ['stripe', 'adyen'] };
const payout = (amountMinor: number, currency: Currency, country = 'DE'): PayoutRouteFacts => ({
  amountMinor,
  currency,
  country,
});

/** A copy of a published table with some fields replaced, as raw input to the schema. */
const variant = (patch: (t: Record<string, unknown>) => void): unknown => {
  const t = structuredClone(table) as unknown as Record<string, unknown>;
  patch(t);
  return t;
};
const issues = (input: unknown) => {
  const r = routingTableSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('routing table', () => {
  it('when every published version is parsed again, then it passes its own schema unchanged', () => {
    for (const v of ROUTING_TABLE_VERSIONS)
      expect(routingTableSchema.parse(ROUTING_TABLES[v])).toEqual(ROUTING_TABLES[v]);
  });

  it('when a rule routes a currency to a provider that does not pay it, then publishing refuses it', () => {
    const input = variant((t) => {
      (t.rules as unknown[]).unshift({ id: 'sek-stripe', when: { currencies: ['SEK'] }, use: { order: ['stripe'] } });
    });
    expect(issues(input)).toContain('rule sek-stripe routes SEK to stripe, which does not pay it');
  });

  it('when a 5xx or a timeout is mapped to a definitive refusal, then publishing refuses it', () => {
    const input = variant((t) => {
      const [stripe] = t.providers as Array<{ errorMap: Record<string, string> }>;
      stripe!.errorMap.http_5xx = 'definitive_refusal';
      stripe!.errorMap.timeout = 'retryable';
    });
    expect(issues(input)).toEqual([
      'stripe: http_5xx may follow a commit or a pause; it must be ambiguous',
      'stripe: timeout may follow a commit or a pause; it must be ambiguous',
    ]);
  });

  it('when the fallback order is empty or repeats a provider, then publishing refuses it', () => {
    expect(issues(variant((t) => (t.fallbackOrder = [])))).toContain('the fallback order must name a provider');
    expect(issues(variant((t) => (t.fallbackOrder = ['stripe', 'stripe'])))).toContain(
      'the fallback order names each provider once',
    );
  });

  it('when a rule id is repeated or a country is not a capital alpha-2 code, then publishing refuses it', () => {
    expect(issues(variant((t) => (t.rules as unknown[]).push((t.rules as unknown[])[0])))).toContain(
      'duplicate rule id nordics-pln',
    );
    expect(issues(variant((t) => ((t.providers as Array<{ countries: string[] }>)[0]!.countries = ['de'])))).toContain(
      'must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE',
    );
  });

  it('when the version in effect is asked for, then the latest effective date not after that time wins', () => {
    expect(routingTableVersionAt(Date.parse('2026-12-06T00:00:00Z'))).toBe('2026-12.1');
    expect(() => routingTableVersionAt(Date.parse('2026-11-30T23:59:59Z'))).toThrow('no routing table is in effect');
    expect(
      routingTableVersionAt(Date.parse('2027-01-02T00:00:00Z'), {
        '2026-12.1': '2026-12-01T00:00:00Z',
        '2027-01.1': '2027-01-01T00:00:00Z',
      }),
    ).toBe('2027-01.1');
  });
});

describe('routePayout', () => {
  it('when a small euro payout matches no rule, then the fallback order decides: stripe, then adyen', () => {
    expect(routePayout(table, payout(2_000, 'EUR'), both)).toEqual({
      kind: 'routed',
      provider: 'stripe',
      ruleId: 'fallback',
      tableVersion: '2026-12.1',
      fallbacks: ['adyen'],
      skipped: [],
    });
  });

  it('when a Swedish krona payout is routed, then the nordics rule sends it to adyen, with no fallback (stripe does not pay SEK)', () => {
    expect(routePayout(table, payout(50_000, 'SEK', 'se'), both)).toEqual({
      kind: 'routed',
      provider: 'adyen',
      ruleId: 'nordics-pln',
      tableVersion: '2026-12.1',
      fallbacks: [],
      skipped: [{ provider: 'stripe', why: 'currency' }],
    });
  });

  it('when a large euro payout is routed, then the cheaper provider comes first and the other is its fallback', () => {
    const facts = payout(200_000, 'EUR');
    const [stripe, adyen] = table.providers;
    expect(transferCostMinor(stripe!, facts)).toBe(525);
    expect(transferCostMinor(adyen!, facts)).toBe(310);
    expect(routePayout(table, facts, both)).toMatchObject({
      provider: 'adyen',
      ruleId: 'eur-large',
      fallbacks: ['stripe'],
    });
  });

  it('when stripe is paused, then a payout goes to adyen and the decision says why stripe was passed over', () => {
    expect(routePayout(table, payout(2_000, 'EUR'), { paused: ['stripe'], destinations: ['stripe', 'adyen'] })).toEqual(
      {
        kind: 'routed',
        provider: 'adyen',
        ruleId: 'fallback',
        tableVersion: '2026-12.1',
        fallbacks: [],
        skipped: [{ provider: 'stripe', why: 'paused' }],
      },
    );
  });

  it('when the creator holds no destination at adyen, then stripe pays with no fallback', () => {
    expect(routePayout(table, payout(200_000, 'EUR'), { paused: [], destinations: ['stripe'] })).toMatchObject({
      provider: 'stripe',
      fallbacks: [],
      skipped: [{ provider: 'adyen', why: 'no_destination' }],
    });
  });

  it('when the amount is over adyen limit, then adyen is skipped for the amount', () => {
    expect(routePayout(table, payout(6_000_000, 'EUR'), both)).toMatchObject({
      provider: 'stripe',
      fallbacks: [],
      skipped: [{ provider: 'adyen', why: 'amount' }],
    });
  });

  it('when no provider is eligible, then the payout is unroutable with every reason listed', () => {
    expect(routePayout(table, payout(50_000, 'SEK', 'SE'), { paused: ['adyen'], destinations: ['adyen'] })).toEqual({
      kind: 'unroutable',
      ruleId: 'nordics-pln',
      tableVersion: '2026-12.1',
      skipped: [
        { provider: 'adyen', why: 'paused' },
        { provider: 'stripe', why: 'currency' },
      ],
    });
  });
});

describe('classifyCode', () => {
  it('when a code is not in the provider map, then it is ambiguous; transport codes are fixed whatever the table says', () => {
    expect(classifyCode(table, 'adyen', 'notEnoughBalance')).toBe('definitive_refusal');
    expect(classifyCode(table, 'adyen', 'somethingNew')).toBe('ambiguous');
    expect(classifyCode(table, 'stripe', 'toString')).toBe('ambiguous');
    expect(classifyCode(table, 'stripe', 'http_5xx')).toBe('ambiguous');
    expect(classifyCode(table, 'stripe', 'rate_limited')).toBe('retryable');
  });
});

describe('mayFailOver', () => {
  const refusal = (code: string, requestId = 'req_1', rail: 'psp' | 'bank' = 'psp'): FailoverEvidence => ({
    kind: 'refusal',
    rail,
    provider: 'stripe',
    code,
    requestId,
  });
  const lookup = (over: Partial<Extract<FailoverEvidence, { kind: 'fence_lookup' }>> = {}): FailoverEvidence => ({
    kind: 'fence_lookup',
    rail: 'psp',
    provider: 'adyen',
    activityId: '7',
    attemptsEnded: true,
    lastAttemptStartedAt: 1_000_000,
    lookupAt: 1_000_000 + table.failover.fenceHorizonMs,
    found: false,
    lookupRequestId: 'req_lookup',
    ...over,
  });

  it('when the provider refused for its own balance with a request ID, then failover is allowed', () => {
    expect(mayFailOver(refusal('balance_insufficient'), table)).toEqual({
      allowed: true,
      basis: 'definitive_refusal',
      decision: 'definitive_refusal',
    });
  });

  it('when a definitive refusal has no request ID, then failover is not allowed', () => {
    expect(mayFailOver(refusal('balance_insufficient', ' '), table)).toEqual({
      allowed: false,
      why: 'missing_code_or_request_id',
    });
  });

  it('when the code is unknown, a rate limit, a destination refusal or a validation error, then failover is not allowed', () => {
    expect(mayFailOver(refusal('brand_new_code'), table)).toMatchObject({ allowed: false, why: 'ambiguous_code' });
    expect(mayFailOver(refusal('rate_limit'), table)).toMatchObject({ allowed: false, why: 'retryable_code' });
    expect(mayFailOver(refusal('account_closed'), table)).toMatchObject({ allowed: false, why: 'destination_refusal' });
    expect(mayFailOver(refusal('parameter_missing'), table)).toMatchObject({ allowed: false, why: 'stop_code' });
  });

  it('when the answer was a 5xx, a timeout or a connection loss, then failover is never allowed', () => {
    for (const code of TRANSPORT_CODES)
      expect(mayFailOver({ kind: 'transport', rail: 'psp', provider: 'adyen', code }, table)).toMatchObject({
        allowed: false,
        why: 'transport_outcome',
      });
  });

  it('when the evidence is on the bank rail, then failover is never allowed, even for a refusal', () => {
    expect(mayFailOver(refusal('balance_insufficient', 'req_1', 'bank'), table)).toEqual({
      allowed: false,
      why: 'bank_rail',
    });
  });

  it('when every attempt was cancelled on the paused queue without starting, then the fence allows failover', () => {
    const e: FailoverEvidence = {
      kind: 'fence_never_started',
      rail: 'psp',
      provider: 'stripe',
      activityId: '12',
      cancelledWithoutStart: true,
    };
    expect(mayFailOver(e, table)).toEqual({ allowed: true, basis: 'fenced_never_started' });
    expect(mayFailOver({ ...e, cancelledWithoutStart: false }, table)).toEqual({
      allowed: false,
      why: 'never_started_unproven',
    });
  });

  it('when an attempt started, then only a look-up after the fence horizon that finds nothing allows failover', () => {
    expect(mayFailOver(lookup(), table)).toEqual({ allowed: true, basis: 'fenced_lookup_absent' });
    expect(mayFailOver(lookup({ lookupAt: 1_000_000 + table.failover.fenceHorizonMs - 1 }), table)).toEqual({
      allowed: false,
      why: 'fence_horizon_not_reached',
    });
    expect(mayFailOver(lookup({ found: true }), table)).toEqual({ allowed: false, why: 'found_at_provider' });
    expect(mayFailOver(lookup({ attemptsEnded: false }), table)).toEqual({ allowed: false, why: 'attempt_running' });
  });
});

/** A small seeded generator (mulberry32): the property runs are reproducible from the seed in the failure message. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const subset = <T>(xs: readonly T[]): T[] => xs.filter(() => next() < 0.5);
  return { next, pick, subset };
}

const CURRENCIES = Object.keys(CURRENCY_EXPONENT) as Currency[];
const COUNTRIES = ['DE', 'fr', 'SE', 'US', 'GB', 'BR', 'JP', 'ch', 'PL', 'AU'];

describe('routing properties over generated payouts', () => {
  const SEED = 20261206;
  const RUNS = 2_000;

  it('when payouts, pauses and destinations are generated, then every decision is deterministic, eligible and bounded', () => {
    const r = rng(SEED);
    for (let i = 0; i < RUNS; i++) {
      const t: RoutingTable = routingTableFor(r.pick(ROUTING_TABLE_VERSIONS));
      const facts = payout(Math.floor(r.next() * 8_000_000) + 1, r.pick(CURRENCIES), r.pick(COUNTRIES));
      const ctx: RouteContext = { paused: r.subset(PROVIDER_IDS), destinations: r.subset(PROVIDER_IDS) };
      const where = `seed ${SEED}, run ${i}: ${JSON.stringify({ v: t.version, facts, ctx })}`;
      const d = routePayout(t, facts, ctx);
      // Deterministic, and blind to the order the workflow lists paused providers and destinations in.
      expect({
        where,
        d: routePayout(t, facts, { paused: [...ctx.paused].reverse(), destinations: [...ctx.destinations].reverse() }),
      }).toEqual({ where, d });
      const eligible = (id: ProviderId) => {
        const p = t.providers.find((e) => e.id === id)!;
        const max = p.maxAmountMinor[facts.currency];
        return (
          !ctx.paused.includes(id) &&
          ctx.destinations.includes(id) &&
          p.currencies.includes(facts.currency) &&
          p.countries.includes(facts.country.toUpperCase()) &&
          (max === undefined || facts.amountMinor <= max)
        );
      };
      const anyEligible = t.providers.some((p) => eligible(p.id));
      expect({ where, kind: d.kind }).toEqual({ where, kind: anyEligible ? 'routed' : 'unroutable' });
      if (d.kind === 'routed') {
        const chain = [d.provider, ...d.fallbacks];
        expect({ where, ok: chain.every(eligible) }).toEqual({ where, ok: true });
        expect({ where, distinct: new Set(chain).size === chain.length }).toEqual({ where, distinct: true });
        expect(chain.length).toBeLessThanOrEqual(t.maxProvidersPerPayout);
        expect(d.skipped.some((s) => s.provider === d.provider)).toBe(false);
      }
      // Every provider is either in the chain, skipped with a reason, or cut by the chain's length.
      expect(new Set(d.skipped.map((s) => s.provider)).size).toBe(d.skipped.length);
    }
  });

  it('when random evidence is generated, then failover is allowed only on a mapped definitive refusal with a request ID or a complete fence', () => {
    const r = rng(SEED + 1);
    const codes = [
      ...TRANSPORT_CODES,
      'balance_insufficient',
      'notEnoughBalance',
      'account_closed',
      'zz_unknown',
      '',
      'error',
      '704',
    ];
    let allowed = 0;
    for (let i = 0; i < RUNS; i++) {
      const provider = r.pick(PROVIDER_IDS);
      const rail = r.next() < 0.2 ? 'bank' : 'psp';
      const kind = r.pick(['refusal', 'transport', 'fence_never_started', 'fence_lookup'] as const);
      const e: FailoverEvidence =
        kind === 'refusal'
          ? { kind, rail, provider, code: r.pick(codes), requestId: r.pick(['', 'req_9']) }
          : kind === 'transport'
            ? { kind, rail, provider, code: r.pick(TRANSPORT_CODES) }
            : kind === 'fence_never_started'
              ? { kind, rail, provider, activityId: '3', cancelledWithoutStart: r.next() < 0.5 }
              : {
                  kind,
                  rail,
                  provider,
                  activityId: '3',
                  attemptsEnded: r.next() < 0.7,
                  lastAttemptStartedAt: 0,
                  lookupAt: Math.floor(r.next() * 2 * table.failover.fenceHorizonMs),
                  found: r.next() < 0.3,
                  lookupRequestId: 'req_l',
                };
      const v = mayFailOver(e, table);
      const expected =
        rail === 'psp' &&
        ((e.kind === 'refusal' &&
          e.requestId !== '' &&
          classifyCode(table, provider, e.code) === 'definitive_refusal') ||
          (e.kind === 'fence_never_started' && e.cancelledWithoutStart) ||
          (e.kind === 'fence_lookup' && e.attemptsEnded && !e.found && e.lookupAt >= table.failover.fenceHorizonMs));
      expect({ i, e, allowed: v.allowed }).toEqual({ i, e, allowed: expected });
      if (e.kind === 'transport' || (e.kind === 'refusal' && classifyCode(table, provider, e.code) === 'ambiguous'))
        expect(v.allowed).toBe(false);
      if (v.allowed) allowed++;
    }
    // The generator reaches both verdicts often (a property that only ever sees "no" proves little).
    expect(allowed).toBeGreaterThan(RUNS / 20);
    expect(allowed).toBeLessThan(RUNS / 2);
  });
});
