import type { CodeDecision, PayoutRouteFacts, ProviderId, RouteContext, RoutingDecision, SkipReason } from './contract';
import { TRANSPORT_CODES } from './contract';
import type { ProviderEntry, RoutingTable } from './table';

/**
 * The routing decision: a pure, deterministic function of the table, the payout's facts and what the workflow knows
 * (paused providers, the creator's destinations). It runs inside the workflow (replay-safe: no clock, no I/O, no
 * randomness) and its result, with the table version, goes to the payout's audit trail and timeline.
 *
 * Order: the first matching rule's providers (an explicit list, or every provider cheapest first), then the table's
 * one fallback order for the providers not named yet; then the ineligible ones drop out (paused, no destination,
 * currency, country, amount limit). The first eligible provider is chosen, the next ones are its fallbacks.
 */
export function routePayout(table: RoutingTable, facts: PayoutRouteFacts, ctx: RouteContext): RoutingDecision {
  const country = facts.country.toUpperCase();
  const rule = table.rules.find((r) => matches(r.when, facts, country));
  const ruleId = rule?.id ?? 'fallback';
  const head: ProviderId[] = !rule ? [] : 'order' in rule.use ? rule.use.order : byCost(table, facts);
  const ordered: ProviderId[] = [...head];
  for (const id of table.fallbackOrder) if (!ordered.includes(id)) ordered.push(id);

  const eligible: ProviderId[] = [];
  const skipped: Array<{ provider: ProviderId; why: SkipReason }> = [];
  for (const id of ordered) {
    const p = table.providers.find((e) => e.id === id);
    const why = p ? ineligible(p, facts, country, ctx) : 'currency';
    if (why) skipped.push({ provider: id, why });
    else eligible.push(id);
  }
  const [provider, ...rest] = eligible;
  if (provider === undefined) return { kind: 'unroutable', ruleId, tableVersion: table.version, skipped };
  return {
    kind: 'routed',
    provider,
    ruleId,
    tableVersion: table.version,
    fallbacks: rest.slice(0, Math.max(0, table.maxProvidersPerPayout - 1)),
    skipped,
  };
}

function matches(when: RoutingTable['rules'][number]['when'], facts: PayoutRouteFacts, country: string): boolean {
  if (when.currencies && !when.currencies.includes(facts.currency)) return false;
  if (when.countries && !when.countries.includes(country)) return false;
  if (when.amountMinorGte !== undefined && facts.amountMinor < when.amountMinorGte) return false;
  if (when.amountMinorLt !== undefined && facts.amountMinor >= when.amountMinorLt) return false;
  return true;
}

function ineligible(
  p: ProviderEntry,
  facts: PayoutRouteFacts,
  country: string,
  ctx: RouteContext,
): SkipReason | undefined {
  if (ctx.paused.includes(p.id)) return 'paused';
  if (!p.currencies.includes(facts.currency)) return 'currency';
  if (!p.countries.includes(country)) return 'country';
  const max = p.maxAmountMinor[facts.currency];
  if (max !== undefined && facts.amountMinor > max) return 'amount';
  if (!ctx.destinations.includes(p.id)) return 'no_destination';
  return undefined;
}

/** What one transfer of this payout costs at a provider (minor units, rounded up: never under-estimate a fee). */
export function transferCostMinor(p: ProviderEntry, facts: PayoutRouteFacts): number {
  return Math.ceil((facts.amountMinor * p.cost.bps) / 10_000) + (p.cost.fixedMinor[facts.currency] ?? 0);
}

/** Cheapest first; ties keep the fallback order (then the table's provider order), so the result is total. */
function byCost(table: RoutingTable, facts: PayoutRouteFacts): ProviderId[] {
  const rank = (id: ProviderId) => {
    const i = table.fallbackOrder.indexOf(id);
    return i === -1 ? table.fallbackOrder.length + table.providers.findIndex((p) => p.id === id) : i;
  };
  return [...table.providers]
    .sort((a, b) => transferCostMinor(a, facts) - transferCostMinor(b, facts) || rank(a.id) - rank(b.id))
    .map((p) => p.id);
}

/**
 * What a provider's code means for the payout under this table. Transport outcomes are fixed (a 5xx or timeout is
 * never definitive); a code the table does not list is `ambiguous`; so is a provider the table does not list.
 */
export function classifyCode(table: RoutingTable, provider: ProviderId, code: string): CodeDecision {
  if ((TRANSPORT_CODES as readonly string[]).includes(code)) return code === 'rate_limited' ? 'retryable' : 'ambiguous';
  const p = table.providers.find((e) => e.id === provider);
  if (!p || !Object.hasOwn(p.errorMap, code)) return 'ambiguous';
  return p.errorMap[code] ?? 'ambiguous';
}
