import type { ProviderId } from '../../workflows/routing/contract';

/**
 * The cross-provider invariants of routing and failover (issue 25, research B.4.3), checked from the sandboxes' own
 * records, never from what the product believes:
 * - F1 one provider pays: per payout attempt, at most one transfer that moved money (not refused, failed or returned)
 *   across every provider;
 * - F5 keys never cross providers: no idempotency key, and no provider reference, is seen by two providers.
 * The rows of phase 2 read the records with {@link providerRecords} and fail on any line of {@link crossProviderViolations}.
 */

/** One transfer as a provider's sandbox recorded it. */
export interface ProviderTransfer {
  provider: ProviderId;
  transferId: string;
  /** The payout attempt it belongs to (workflow ID + step), the same whichever provider paid. */
  attempt: string;
  /** What the provider was given as the reference (Stripe `transfer_group`+step, Adyen `reference`). */
  reference: string;
  idempotencyKey: string | null;
  /** It moved money and still stands (not refused, failed, reversed or returned). */
  stands: boolean;
}

/** One API call a provider's sandbox saw, with its idempotency key. */
export interface ProviderCall {
  provider: ProviderId;
  idempotencyKey: string | null;
}

export function crossProviderViolations(
  transfers: readonly ProviderTransfer[],
  calls: readonly ProviderCall[],
): string[] {
  const out: string[] = [];
  const standing = new Map<string, ProviderTransfer[]>();
  for (const t of transfers) if (t.stands) standing.set(t.attempt, [...(standing.get(t.attempt) ?? []), t]);
  for (const [attempt, ts] of standing)
    if (ts.length > 1)
      out.push(
        `F1 ${attempt}: ${ts.length} standing transfers (${ts.map((t) => `${t.provider} ${t.transferId}`).join(', ')})`,
      );
  const seenBy = (values: Array<{ provider: ProviderId; value: string | null }>, what: string) => {
    const by = new Map<string, Set<ProviderId>>();
    for (const { provider, value } of values) if (value) by.set(value, (by.get(value) ?? new Set()).add(provider));
    for (const [value, providers] of by)
      if (providers.size > 1) out.push(`F5 ${what} ${value} seen by ${[...providers].sort().join(' and ')}`);
  };
  seenBy(
    calls.map((c) => ({ provider: c.provider, value: c.idempotencyKey })),
    'idempotency key',
  );
  seenBy(
    transfers.map((t) => ({ provider: t.provider, value: t.reference })),
    'reference',
  );
  return out;
}

/**
 * The harness's own read of every Stripe transfer, a page at a time (the sandbox records each as a call). The product
 * never lists transfers without a `transfer_group` (stripe-psp.ts), so the row barrier can tell these reads from the
 * product's calls by this prefix.
 */
export const STRIPE_LIST_ALL = '/v1/transfers?limit=100';

/** Every Stripe transfer the sandbox holds, newest first, following Stripe's cursor past the 100 a page. */
async function allStripeTransfers(pspUrl: string): Promise<StripeTransfer[]> {
  const auth = { headers: { Authorization: 'Bearer sk_test_chaos' } };
  const out: StripeTransfer[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = (await (
      await fetch(`${pspUrl}${STRIPE_LIST_ALL}${last ? `&starting_after=${last.id}` : ''}`, auth)
    ).json()) as { data: StripeTransfer[]; has_more: boolean };
    out.push(...page.data);
    if (!page.has_more) return out;
  }
}

interface StripeTransfer {
  id: string;
  transfer_group: string | null;
  metadata: Record<string, string>;
  reversed: boolean;
  amount: number;
  amount_reversed: number;
}

/**
 * Reads both PSP sandboxes' records. `attemptOf` turns a provider's reference into the payout attempt (phase 2 decides
 * the reference format; the default takes the Stripe `transfer_group` + `payops_step`, and the Adyen reference up to
 * its last `:`, the provider suffix).
 */
export async function providerRecords(
  stack: { psp: { url: string }; adyen: { url: string } },
  attemptOf: { adyen: (reference: string) => string } = { adyen: (r) => r.replace(/:[^:]*$/, '') },
): Promise<{ transfers: ProviderTransfer[]; calls: ProviderCall[] }> {
  const json = async <T>(url: string, init?: RequestInit) => (await (await fetch(url, init)).json()) as T;
  const stripeList = { data: await allStripeTransfers(stack.psp.url) };
  const stripeCalls = await json<{ calls: Array<{ method: string; path: string; idempotencyKey: string | null }> }>(
    `${stack.psp.url}/__admin/calls`,
  );
  const adyen = await json<{
    transfers: Array<{ id: string; reference?: string; idempotencyKey: string | null; status: string }>;
  }>(`${stack.adyen.url}/__admin/transfers`);
  const adyenCalls = await json<{ calls: Array<{ idempotencyKey: string | null }> }>(
    `${stack.adyen.url}/__admin/calls`,
  );
  const transfers: ProviderTransfer[] = [
    ...stripeList.data.map((t) => {
      const reference = `${t.transfer_group ?? ''}:${t.metadata['payops_step'] ?? ''}`;
      return {
        provider: 'stripe' as const,
        transferId: t.id,
        attempt: reference,
        reference,
        idempotencyKey: null,
        stands: !t.reversed && t.amount_reversed < t.amount,
      };
    }),
    ...adyen.transfers.map((t) => ({
      provider: 'adyen' as const,
      transferId: t.id,
      attempt: attemptOf.adyen(t.reference ?? ''),
      reference: t.reference ?? '',
      idempotencyKey: t.idempotencyKey,
      stands: !['refused', 'failed', 'returned'].includes(t.status),
    })),
  ];
  const calls: ProviderCall[] = [
    ...stripeCalls.calls
      .filter((c) => c.method === 'POST')
      .map((c) => ({ provider: 'stripe' as const, idempotencyKey: c.idempotencyKey })),
    ...adyenCalls.calls.map((c) => ({ provider: 'adyen' as const, idempotencyKey: c.idempotencyKey })),
  ];
  return { transfers, calls };
}
