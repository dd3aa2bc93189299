import type { PspStatementPort } from './port';
import { balanceTransactionParams } from './stripe-statements';
import {
  toPspPayout,
  toStatementLine,
  utcDateSec,
  type WireBalanceTransaction,
  type WirePayout,
} from './statement-lines';

/**
 * In-memory statement reader for workflow tests: the same query rules and mapping as the Stripe one (it builds the
 * same list parameters and maps through the same functions), over balance transactions and payouts a test adds.
 * Lists are newest first with Stripe's cursor semantics; `failNextWith` scripts errors.
 */
export function createFakePspStatements() {
  const bts: Array<WireBalanceTransaction & { payout?: string }> = [];
  const payouts: WirePayout[] = [];
  const failNext: Error[] = [];
  const calls: Array<{ method: keyof PspStatementPort; input: unknown }> = [];
  const record = (method: keyof PspStatementPort, input: unknown) => {
    calls.push({ method, input });
    const scripted = failNext.shift();
    if (scripted) throw scripted;
  };
  const newestFirst = <T extends { created: number }>(xs: T[]) =>
    xs
      .map((x, i) => ({ x, i }))
      .sort((a, b) => b.x.created - a.x.created || b.i - a.i)
      .map((e) => e.x);
  const page = <T extends { id: string }>(all: T[], limit: number, after?: string) => {
    const start = after === undefined ? 0 : all.findIndex((x) => x.id === after) + 1;
    const data = all.slice(start, start + limit);
    return { data, hasMore: start + limit < all.length, last: data.at(-1)?.id };
  };

  const port: PspStatementPort = {
    async listBalanceTransactions(i) {
      record('listBalanceTransactions', i);
      const q = balanceTransactionParams(i);
      const matching = newestFirst(bts).filter(
        (bt) =>
          (!q.created || (bt.created >= q.created.gte && bt.created < q.created.lt)) &&
          (!q.payout || bt.payout === q.payout),
      );
      const p = page(matching, q.limit, q.starting_after);
      const ctx = { ...i.account, ...(i.payout ? { payout: i.payout } : {}) };
      return {
        lines: p.data.map((bt) => toStatementLine(bt, ctx)),
        hasMore: p.hasMore,
        ...(p.last ? { nextStartingAfter: p.last } : {}),
      };
    },
    async getPayout(payoutId) {
      record('getPayout', payoutId);
      const p = payouts.find((x) => x.id === payoutId);
      if (!p) throw new Error(`fake PSP: no payout ${payoutId}`);
      return toPspPayout(p);
    },
    async listPayouts(i) {
      record('listPayouts', i);
      const [from, to] = [utcDateSec(i.arrivalFrom), utcDateSec(i.arrivalTo)];
      const matching = newestFirst(payouts).filter((p) => p.arrival_date >= from && p.arrival_date <= to);
      const p = page(matching, i.limit, i.startingAfter);
      return { payouts: p.data.map(toPspPayout), hasMore: p.hasMore, ...(p.last ? { nextStartingAfter: p.last } : {}) };
    },
  };

  return Object.assign(port, {
    calls,
    /** A balance transaction as Stripe would send it; `payout` = the automatic payout that paid it out. */
    addBalanceTransaction(bt: WireBalanceTransaction & { payout?: string }) {
      bts.push(bt);
    },
    addPayout(p: WirePayout) {
      payouts.push(p);
    },
    failNextWith(err: Error) {
      failNext.push(err);
    },
  });
}
export type FakePspStatements = ReturnType<typeof createFakePspStatements>;
