import { z } from 'zod';
import { currencySchema } from '../shared/money';
import {
  CODE_DECISIONS,
  PROVIDER_IDS,
  ROUTING_TABLE_VERSIONS,
  TRANSPORT_CODES,
  type ProviderId,
  type RoutingTableVersion,
} from './contract';

/**
 * The published payout routing tables: zod-validated, versioned, never edited in place (a decision records the
 * version it was taken under, and a running payout keeps it). A change is a new version with an effective date.
 * Publishing refuses what would route money wrongly: a rule naming a provider without the rule's currency, a
 * fallback naming an unknown provider, a transport outcome (5xx, timeout) mapped to anything that allows failover.
 */

const minor = z.number().int().nonnegative();
const providerIdSchema = z.enum(PROVIDER_IDS, { error: `must be one of ${PROVIDER_IDS.join(', ')}` });
const countrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE' });
const codeDecisionSchema = z.enum(CODE_DECISIONS);

const providerSchema = z.object({
  id: providerIdSchema,
  /** The provider's own task queue: `<workflow queue>-<suffix>` (per-provider pacing and incident pause). */
  taskQueueSuffix: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'must be a short lowercase queue suffix' }),
  /** What the creator must hold there to be paid through it. */
  destination: z.enum(['connected_account', 'balance_account']),
  currencies: z.array(currencySchema).min(1, { error: 'a provider pays at least one currency' }),
  countries: z.array(countrySchema).min(1, { error: 'a provider pays to at least one country' }),
  /** Largest single transfer per currency (minor units); a currency absent here has no table limit. */
  maxAmountMinor: z.partialRecord(currencySchema, minor).default({}),
  /** What one transfer costs us: basis points of the amount plus a fixed fee per currency (minor units). */
  cost: z.object({
    bps: z.number().int().min(0).max(10_000),
    fixedMinor: z.partialRecord(currencySchema, minor).default({}),
  }),
  /**
   * The provider's codes → what they mean for a payout. Codes absent here are `ambiguous` (the Hyperswitch #13180
   * lesson: an unmapped answer must never look like a refusal).
   */
  errorMap: z.record(z.string().min(1), codeDecisionSchema),
});

const ruleSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,47}$/, { error: 'must be a short lowercase rule id' }),
  /** Every listed condition must hold; an empty `when` matches every payout. */
  when: z
    .object({
      currencies: z.array(currencySchema).min(1),
      countries: z.array(countrySchema).min(1),
      amountMinorGte: minor,
      amountMinorLt: minor,
    })
    .partial(),
  /** An explicit order, or the cheapest eligible provider first (ties keep the fallback order). */
  use: z.union([z.object({ order: z.array(providerIdSchema).min(1) }), z.object({ cheapest: z.literal(true) })]),
});

export const routingTableSchema = z
  .object({
    version: z.enum(ROUTING_TABLE_VERSIONS),
    providers: z.array(providerSchema).min(1),
    /** First match wins, top-down. */
    rules: z.array(ruleSchema),
    /** One list: after the matching rule's providers (or alone when no rule matches), in this order. */
    fallbackOrder: z.array(providerIdSchema).min(1, { error: 'the fallback order must name a provider' }),
    /** A payout tries at most this many providers (a failover chain never loops back). */
    maxProvidersPerPayout: z.number().int().min(1).max(2),
    failover: z.object({
      /** How long a provider may stay unanswered or paused before the workflow fences it. */
      budgetMs: z.number().int().positive(),
      /** After the last started attempt, how long before a look-up's "absent" counts (≥ client timeout × 2 + the provider's in-flight window). */
      fenceHorizonMs: z.number().int().positive(),
    }),
  })
  .superRefine((t, ctx) => {
    const known = new Map(t.providers.map((p) => [p.id, p]));
    if (known.size !== t.providers.length)
      ctx.addIssue({ code: 'custom', message: 'each provider is listed once', path: ['providers'] });
    const ids = new Set<string>();
    t.rules.forEach((r, i) => {
      if (ids.has(r.id))
        ctx.addIssue({ code: 'custom', message: `duplicate rule id ${r.id}`, path: ['rules', i, 'id'] });
      ids.add(r.id);
      if ('order' in r.use) {
        if (new Set(r.use.order).size !== r.use.order.length)
          ctx.addIssue({ code: 'custom', message: 'a rule names each provider once', path: ['rules', i, 'use'] });
        for (const id of r.use.order) {
          const p = known.get(id);
          if (!p) {
            ctx.addIssue({ code: 'custom', message: `rule names unknown provider ${id}`, path: ['rules', i, 'use'] });
            continue;
          }
          const missing = (r.when.currencies ?? []).filter((c) => !p.currencies.includes(c));
          if (missing.length > 0)
            ctx.addIssue({
              code: 'custom',
              message: `rule ${r.id} routes ${missing.join(', ')} to ${id}, which does not pay it`,
              path: ['rules', i, 'use'],
            });
        }
      }
    });
    if (new Set(t.fallbackOrder).size !== t.fallbackOrder.length)
      ctx.addIssue({ code: 'custom', message: 'the fallback order names each provider once', path: ['fallbackOrder'] });
    for (const id of t.fallbackOrder)
      if (!known.has(id))
        ctx.addIssue({ code: 'custom', message: `fallback names unknown provider ${id}`, path: ['fallbackOrder'] });
    t.providers.forEach((p, i) => {
      for (const code of TRANSPORT_CODES) {
        const d = p.errorMap[code];
        const allowed = code === 'rate_limited' ? ['retryable', 'ambiguous'] : ['ambiguous'];
        if (d !== undefined && !allowed.includes(d))
          ctx.addIssue({
            code: 'custom',
            message: `${p.id}: ${code} may follow a commit or a pause; it must be ${allowed.join(' or ')}`,
            path: ['providers', i, 'errorMap', code],
          });
      }
    });
    if (t.failover.fenceHorizonMs > t.failover.budgetMs * 10)
      ctx.addIssue({ code: 'custom', message: 'fence horizon is out of proportion to the budget', path: ['failover'] });
  });

/** A parsed routing table. */
export type RoutingTable = z.infer<typeof routingTableSchema>;
export type ProviderEntry = RoutingTable['providers'][number];

const MINUTE = 60_000;

/** Stripe's transfer codes as the payout sees them (activities/adapters/psp/errors.ts maps the rest). */
const STRIPE_ERRORS = {
  balance_insufficient: 'definitive_refusal',
  insufficient_funds: 'definitive_refusal',
  amount_too_large: 'definitive_refusal',
  transfers_not_allowed: 'definitive_refusal',
  account_invalid: 'destination_refusal',
  account_closed: 'destination_refusal',
  parameter_missing: 'stop',
  parameter_invalid_integer: 'stop',
  amount_too_small: 'stop',
  idempotency_error: 'stop',
  rate_limit: 'retryable',
  lock_timeout: 'retryable',
  api_key_invalid: 'retryable',
  rate_limited: 'retryable',
} as const;

/**
 * Adyen's transfer `reason`s (a `refused` transfer) and the Transfers API's `errorCode`s. The `reason`s a transfer
 * gets after it was booked (`counterpartyBankTimedOut`, `error`, `unknown`) stay ambiguous: money may be out.
 */
const ADYEN_ERRORS = {
  notEnoughBalance: 'definitive_refusal',
  amountLimitExceded: 'definitive_refusal',
  routeNotFound: 'definitive_refusal',
  counterpartyAccountBlocked: 'destination_refusal',
  counterpartyAccountClosed: 'destination_refusal',
  counterpartyAccountNotFound: 'destination_refusal',
  counterpartyAddressRequired: 'destination_refusal',
  counterpartyBankTimedOut: 'ambiguous',
  counterpartyBankUnavailable: 'ambiguous',
  error: 'ambiguous',
  unknown: 'ambiguous',
  /** Request validation (the sandbox's code for an invalid `TransferInfo`). */
  '30_100': 'stop',
  /** "Request already processed or in progress" (a concurrent duplicate of the idempotency key). */
  '704': 'ambiguous',
  '00_401': 'retryable',
  rate_limited: 'retryable',
} as const;

const EUROPE = ['AT', 'BE', 'DE', 'DK', 'ES', 'FI', 'FR', 'IE', 'IT', 'NL', 'NO', 'PL', 'PT', 'SE', 'CH', 'GB'];

/** Table versions ever published; never edit one (audit trails and running payouts refer to it). */
export const ROUTING_TABLES = {
  '2026-12.1': routingTableSchema.parse({
    version: '2026-12.1',
    providers: [
      {
        id: 'stripe',
        taskQueueSuffix: 'psp',
        destination: 'connected_account',
        currencies: ['USD', 'EUR', 'GBP', 'CAD', 'AUD'],
        countries: ['US', 'CA', 'AU', ...EUROPE],
        maxAmountMinor: { USD: 10_000_000, EUR: 10_000_000, GBP: 10_000_000 },
        cost: { bps: 25, fixedMinor: { USD: 25, EUR: 25, GBP: 20 } },
        errorMap: STRIPE_ERRORS,
      },
      {
        id: 'adyen',
        taskQueueSuffix: 'psp-adyen',
        destination: 'balance_account',
        currencies: ['EUR', 'GBP', 'SEK', 'NOK', 'DKK', 'PLN', 'CHF', 'USD'],
        countries: [...EUROPE, 'US'],
        maxAmountMinor: { EUR: 5_000_000, GBP: 5_000_000, USD: 5_000_000 },
        cost: { bps: 15, fixedMinor: { EUR: 10, GBP: 10, USD: 30 } },
        errorMap: ADYEN_ERRORS,
      },
    ],
    rules: [
      // Nordic and Polish currencies: only Adyen pays them.
      { id: 'nordics-pln', when: { currencies: ['SEK', 'NOK', 'DKK', 'PLN', 'CHF'] }, use: { order: ['adyen'] } },
      // The euro area's large payouts: the cheaper provider first.
      { id: 'eur-large', when: { currencies: ['EUR'], amountMinorGte: 100_000 }, use: { cheapest: true } },
    ],
    fallbackOrder: ['stripe', 'adyen'],
    maxProvidersPerPayout: 2,
    failover: { budgetMs: 30 * MINUTE, fenceHorizonMs: 10 * MINUTE },
  }),
  '2027-01.1': routingTableSchema.parse({
    version: '2027-01.1',
    providers: [
      {
        id: 'stripe',
        taskQueueSuffix: 'psp',
        destination: 'connected_account',
        currencies: ['USD', 'EUR', 'GBP', 'CAD', 'AUD'],
        countries: ['US', 'CA', 'AU', ...EUROPE],
        maxAmountMinor: { USD: 10_000_000, EUR: 10_000_000, GBP: 10_000_000 },
        cost: { bps: 25, fixedMinor: { USD: 25, EUR: 25, GBP: 20 } },
        errorMap: STRIPE_ERRORS,
      },
      {
        id: 'adyen',
        taskQueueSuffix: 'psp-adyen',
        destination: 'balance_account',
        currencies: ['EUR', 'GBP', 'SEK', 'NOK', 'DKK', 'PLN', 'CHF', 'USD'],
        countries: [...EUROPE, 'US'],
        maxAmountMinor: { EUR: 5_000_000, GBP: 5_000_000, USD: 5_000_000 },
        cost: { bps: 15, fixedMinor: { EUR: 10, GBP: 10, USD: 30 } },
        errorMap: ADYEN_ERRORS,
      },
    ],
    rules: [
      { id: 'nordics-pln', when: { currencies: ['SEK', 'NOK', 'DKK', 'PLN', 'CHF'] }, use: { order: ['adyen'] } },
      // Every European payout by cost from January: Adyen is cheaper on EUR and GBP above a few euros.
      { id: 'europe-cost', when: { currencies: ['EUR', 'GBP'] }, use: { cheapest: true } },
    ],
    fallbackOrder: ['stripe', 'adyen'],
    maxProvidersPerPayout: 2,
    failover: { budgetMs: 30 * MINUTE, fenceHorizonMs: 10 * MINUTE },
  }),
} as const satisfies Record<RoutingTableVersion, RoutingTable>;

/** The table a decision was (or is to be) taken under. */
export function routingTableFor(version: RoutingTableVersion): RoutingTable {
  return ROUTING_TABLES[version];
}

/**
 * When each version takes effect (UTC). `null` = published but not in effect yet; never move a date that has passed
 * (decisions in histories and audit trails were taken under it).
 */
export const ROUTING_TABLE_EFFECTIVE_FROM: Record<RoutingTableVersion, string | null> = {
  '2026-12.1': '2026-12-01T00:00:00Z',
  '2027-01.1': null,
};

/** The version in effect at `atMs` (workflow time): the latest effective date not after it. */
export function routingTableVersionAt(atMs: number, effectiveFrom = ROUTING_TABLE_EFFECTIVE_FROM): RoutingTableVersion {
  let best: { version: RoutingTableVersion; fromMs: number } | undefined;
  for (const version of ROUTING_TABLE_VERSIONS) {
    const from = effectiveFrom[version];
    const fromMs = from === null ? NaN : Date.parse(from);
    if (fromMs <= atMs && (!best || fromMs >= best.fromMs)) best = { version, fromMs };
  }
  if (!best) throw new Error(`no routing table is in effect at ${new Date(atMs).toISOString()}`);
  return best.version;
}

/** The provider entry, or undefined when the table does not list it. */
export function providerIn(table: RoutingTable, id: ProviderId): ProviderEntry | undefined {
  return table.providers.find((p) => p.id === id);
}

/**
 * Every provider task-queue suffix any published table names (`psp`, `psp-adyen`): what the worker serves beside the
 * workflow queue, so a payout decided under any version finds its provider's queue polled.
 */
export const PROVIDER_QUEUE_SUFFIXES: readonly string[] = [
  ...new Set(Object.values(ROUTING_TABLES).flatMap((t) => t.providers.map((p) => p.taskQueueSuffix))),
];

/**
 * A provider's task-queue suffix under `version`'s table (a published table never changes it). Stripe's is `psp`,
 * the queue Stripe-era payouts already use.
 */
export function queueSuffixOf(version: RoutingTableVersion, provider: ProviderId): string {
  const p = providerIn(routingTableFor(version), provider);
  if (!p) throw new Error(`routing table ${version} does not list ${provider}`);
  return p.taskQueueSuffix;
}
