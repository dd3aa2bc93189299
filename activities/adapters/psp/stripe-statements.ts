import { failure, FailureType } from '../../../workflows/shared/failures';
import type { BalanceTransactionQuery, PspStatementPort } from './port';
import { toPspPayout, toStatementLine, utcDateSec } from './statement-lines';
import { call, stripeClient, type StripePspOptions } from './stripe-psp';

/**
 * The statement reader over the official SDK: one Stripe list page per call (≤ 100 objects), never the SDK's
 * auto-pagination, so the caller decides where each page goes (an NDJSON chunk in S3) and can resume from the
 * cursor after a crash or a heartbeat timeout.
 */
export function createStripePspStatements(opts: StripePspOptions): PspStatementPort {
  const stripe = stripeClient(opts);
  return {
    async listBalanceTransactions(i) {
      const params = balanceTransactionParams(i);
      const page = await call('listBalanceTransactions', () => stripe.balanceTransactions.list(params));
      const ctx = { ...i.account, ...(i.payout ? { payout: i.payout } : {}) };
      const lines = page.data.map((bt) => toStatementLine(bt, ctx));
      const last = page.data.at(-1)?.id;
      return { lines, hasMore: page.has_more, ...(last ? { nextStartingAfter: last } : {}) };
    },

    async getPayout(payoutId) {
      return toPspPayout(await call('getPayout', () => stripe.payouts.retrieve(payoutId)));
    },

    async listPayouts(i) {
      const page = await call('listPayouts', () =>
        stripe.payouts.list({
          arrival_date: { gte: utcDateSec(i.arrivalFrom), lte: utcDateSec(i.arrivalTo) },
          limit: pageLimit(i.limit),
          ...(i.startingAfter ? { starting_after: i.startingAfter } : {}),
        }),
      );
      const last = page.data.at(-1)?.id;
      return {
        payouts: page.data.map(toPspPayout),
        hasMore: page.has_more,
        ...(last ? { nextStartingAfter: last } : {}),
      };
    },
  };
}

/**
 * The list request for a query: the created window becomes `created[gte]` / `created[lt]` in whole seconds (Stripe's
 * `created` has no milliseconds, so [from, to) in ms maps exactly onto [⌈from⌉, ⌈to⌉) in s).
 */
export function balanceTransactionParams(i: BalanceTransactionQuery) {
  const window = createdWindow(i);
  if (!window && !i.payout)
    throw failure(FailureType.InvalidInput, 'listBalanceTransactions: createdFrom/createdTo or payout is required');
  return {
    limit: pageLimit(i.limit),
    // The source object of each line: a transfer's `transfer_group` names its payout (statement-lines.ts).
    expand: ['data.source'],
    ...(window ? { created: { gte: window.gte, lt: window.lt } } : {}),
    ...(i.payout ? { payout: i.payout } : {}),
    ...(i.startingAfter ? { starting_after: i.startingAfter } : {}),
  };
}

function createdWindow(i: BalanceTransactionQuery): { gte: number; lt: number } | undefined {
  if (i.createdFrom === undefined && i.createdTo === undefined) return undefined;
  const from = Date.parse(i.createdFrom ?? '');
  const to = Date.parse(i.createdTo ?? '');
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from)
    throw failure(
      FailureType.InvalidInput,
      'listBalanceTransactions: createdFrom and createdTo must be ISO instants with createdFrom < createdTo',
    );
  return { gte: Math.ceil(from / 1000), lt: Math.ceil(to / 1000) };
}

function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw failure(FailureType.InvalidInput, `limit must be an integer from 1 to 100, got ${limit}`);
  return limit;
}
