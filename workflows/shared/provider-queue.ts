import { PROVIDER_IDS, type ProviderId } from '../routing/contract';
import { providerIn, ROUTING_TABLES, type RoutingTable } from '../routing/table';
import { suffixedTaskQueue } from './task-queue';

/**
 * Each PSP's own task queue: the product's queue plus the provider's `taskQueueSuffix` from the routing table
 * (`<q>-psp` for Stripe, the queue every PSP call used before issue 25; `<q>-psp-adyen` for Adyen). Its own queue gives
 * each provider its own server-side pacing and its own incident pause (rate limit 0): pausing Adyen leaves Stripe
 * paying. Pure and workflow-safe: the payout workflow schedules a provider's calls with it, ops tools pause with it.
 */

/** The provider's queue under one table version (the one a payout's routing decision recorded). */
export function providerTaskQueue(taskQueue: string, provider: ProviderId, table: RoutingTable): string {
  const entry = providerIn(table, provider);
  if (!entry) throw new Error(`routing table ${table.version} lists no provider ${provider}`);
  return suffixedTaskQueue(taskQueue, entry.taskQueueSuffix);
}

/**
 * Every queue the provider's calls may be scheduled on, across every published table version (usually one: a
 * version that moved a provider to another suffix would add one). A pause must stop them all: a running payout keeps
 * the version its decision recorded.
 */
export function providerTaskQueues(taskQueue: string, provider: ProviderId): string[] {
  const all = Object.values(ROUTING_TABLES).map((t) => providerTaskQueue(taskQueue, provider, t));
  return [...new Set(all)];
}

/**
 * A payout's `Rail` search attribute while it is at a provider: Stripe keeps `psp` (recorded histories, the
 * README's `Rail = 'psp'` queries and dashboards stay valid), Adyen is `psp-adyen` (its queue suffix); the bank is
 * `bank`. `Rail STARTS_WITH 'psp'` lists every PSP payout. The incident pause tells only the paused provider's payouts.
 */
export const PROVIDER_RAIL = { stripe: 'psp', adyen: 'psp-adyen' } as const satisfies Record<ProviderId, string>;
export type ProviderRail = (typeof PROVIDER_RAIL)[ProviderId];

/** The provider a `Rail` value names, or undefined (`bank`, or a value no provider uses). */
export function providerOfRail(rail: string): ProviderId | undefined {
  return PROVIDER_IDS.find((p) => PROVIDER_RAIL[p] === rail);
}
