import type { PayoutMethod } from '../../activities/adapters/creators/port';

/**
 * Creators for routed payouts (issue 25) as the tests seed them in the directory sandbox: one way to name a creator's
 * destination at each PSP, shared by the routing workflow tests and the routing fault rows, so a row's late transfer
 * and a test's expectation name the same account the payout was routed to.
 */

/** The creator's Stripe connected account in the sandboxes (`acct_…`). */
export const stripeAccountOf = (creatorId: string) => `acct_${creatorId.replace(/-/g, '_')}`;

/** The creator's Adyen balance account in the sandboxes (`BA…`, letters and digits only, as Adyen's IDs are). */
export const adyenBalanceAccountOf = (creatorId: string) => `BA${creatorId.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;

/** Where a creator holds a destination. */
export interface Holds {
  stripe?: boolean;
  adyen?: boolean;
}

/** A PSP payout method in `currency` and `country` with a destination at each provider `at` names. */
export function routedPayoutMethod(
  creatorId: string,
  where: { currency: PayoutMethod['currency']; country: string },
  at: Holds,
): PayoutMethod {
  return {
    rail: 'psp',
    currency: where.currency,
    country: where.country,
    ...(at.stripe ? { accountToken: stripeAccountOf(creatorId) } : {}),
    ...(at.adyen ? { adyenBalanceAccountId: adyenBalanceAccountOf(creatorId) } : {}),
  };
}

/** A euro-area (German) creator holding a destination where `at` says. */
export function euroCreator(creatorId: string, at: Holds) {
  return {
    creatorId,
    balanceCurrency: 'EUR' as const,
    payoutMethod: routedPayoutMethod(creatorId, { currency: 'EUR', country: 'DE' }, at),
  };
}

export const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

/** Large enough for the table's `eur-large` rule (cheapest first: Adyen); below it, the fallback order (Stripe). */
export const LARGE_EUR = 200_000;
