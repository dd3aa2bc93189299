import { isoIdsFor } from '../../../activities/payouts';
import { resolvePayout } from '../../../client/payouts';
import { staffSigner } from '../../support/staff';
import type { PayoutStatus } from '../../../workflows/payouts/contract';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { admin, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { payoutStatus } from '../observe';
import { FAST_TIMING, pool, type ChaosPayout } from '../payouts';
import { payoutRow, type Row, type RowContext } from '../row';

/** The return window is long enough for the row to act in it; the checks read the money, not this. */
export const IN_WINDOW = (n: number) => ({ ...FAST_TIMING, returnWindowMs: Math.max(20_000, n * 600) });

/** Payouts a row returned only in part, per row (judged by {@link partialOutcomes}). */
const partlyReturned = new Map<string, Set<string>>();
const partly = (ctx: RowContext) => partlyReturned.get(ctx.tag) ?? partlyReturned.set(ctx.tag, new Set()).get(ctx.tag)!;
const CLOSED = new Set(['completed', 'failed', 'cancelled', 'resolved_manually']);

/** Waits (bounded) until the payout's own view satisfies `pred`; returns that view. */
export async function untilPayout(
  ctx: RowContext,
  p: ChaosPayout,
  pred: (s: PayoutStatus) => boolean,
  ms = Math.max(60_000, ctx.n * 600),
): Promise<PayoutStatus | undefined> {
  let last: PayoutStatus | undefined;
  // A payout that closed first will never get there: stop waiting for it.
  await until(
    async () => {
      last = await payoutStatus(ctx.stack, p);
      return !!last && (pred(last) || CLOSED.has(last.state));
    },
    ms,
    250,
  );
  return last && pred(last) ? last : undefined;
}

export const inWindow = (s: PayoutStatus) => s.state === 'paid_in_return_window';
export const parkedOnPartial = (s: PayoutStatus) => s.lastErrorCode === 'partial_return';

/** Each payout's transfer reversed: a third of it, and for every other payout the rest afterwards. */
async function reverseInParts(ctx: RowContext, payouts: ChaosPayout[]): Promise<void> {
  await pool(
    payouts.map((p, i) => ({ p, i })),
    32,
    async ({ p, i }) => {
      const paid = await untilPayout(ctx, p, inWindow);
      if (!paid?.railReference) return;
      const reverse = (amount?: number) =>
        admin(ctx.stack.psp.url, `/__admin/transfers/${paid.railReference}/reverse`, amount ? { amount } : {});
      await reverse(Math.floor(p.amountMinor / 3));
      partly(ctx).add(p.payoutId);
      if (i % 2 === 1) return;
      if (!(await untilPayout(ctx, p, parkedOnPartial))) return;
      await reverse();
      partly(ctx).delete(p.payoutId);
      ctx.returned.add(p.payoutId);
      // Parked for ops, the payout counts as settled: wait until it has taken the full return, or the checks race it.
      await untilPayout(ctx, p, (s) => !parkedOnPartial(s));
    },
  );
}

/** How the partly returned payouts stand: parked for ops with the whole amount still booked out, or fully returned. */
async function partialOutcomes(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const mine = payouts.filter((p) => partly(ctx).has(p.payoutId));
  const views = await pool(mine, 8, (p) => payoutStatus(ctx.stack, p));
  let parked = 0;
  for (const [i, s] of views.entries()) {
    const p = mine[i] as ChaosPayout;
    if (s && parkedOnPartial(s) && s.awaiting?.actor === 'ops') parked++;
    else v.findings.push(`${p.payoutId}: partly returned but ${s?.state} (${s?.lastErrorCode ?? 'no code'})`);
  }
  const outcomes = { partlyReturned: mine.length, parkedOnPartialReturn: parked, returnedInFull: ctx.returned.size };
  return { ...v, lost: v.findings.length, outcomes };
}

/**
 * The bank returns a paid payout (AC04, account closed), in full or `amountMinor` of it; a full return is noted in
 * `ctx.returned`. False when the payout never reached its return window: it is judged as it stands (a return of a
 * transfer the bank does not have would be a 404).
 */
async function returnAtBank(ctx: RowContext, p: ChaosPayout, amountMinor?: number): Promise<boolean> {
  if (!(await untilPayout(ctx, p, inWindow))) return false;
  await admin(ctx.stack.bank.url, '/__admin/returns', {
    endToEndId: isoIdsFor(`${creatorPayoutWorkflowId(p.payoutId)}:initiate`).endToEndId,
    code: 'AC04',
    ...(amountMinor !== undefined ? { amountMinor } : {}),
  });
  if (amountMinor === undefined) ctx.returned.add(p.payoutId);
  else partly(ctx).add(p.payoutId);
  return true;
}

/**
 * Returns after the payout was paid, on both rails: full and partial (`transfer.reversed` with `amount_reversed`
 * below the amount, camt.054 with a smaller amount), the rest of a partial reversal later, and ops resolving a
 * returned payout as paid elsewhere.
 */
export const returnRows: Row[] = [
  payoutRow({
    // A bank payout settles (camt.054), then comes back "days later" (seconds here, through a shortened return
    // window): every third one for only half its amount, which parks it for ops instead of reversing it in full.
    name: 'bank-return-after-paid',
    rail: 'bank',
    timing: IN_WINDOW,
    before: ({ stack }) => admin(stack.bank.url, '/__admin/faults', { settleDelayMs: 300 }),
    async during(ctx, payouts) {
      await pool(
        payouts.map((p, i) => ({ p, i })),
        32,
        async ({ p, i }) => {
          const partial = i % 3 === 2;
          await returnAtBank(ctx, p, partial ? Math.floor(p.amountMinor / 2) : undefined);
        },
      );
    },
    after: partialOutcomes,
  }),
  payoutRow({
    name: 'psp-partial-reversal',
    timing: IN_WINDOW,
    during: reverseInParts,
    after: partialOutcomes,
  }),
  payoutRow({
    // Every bank payout is returned (account closed: it waits for new details); ops then resolve half of them as paid
    // elsewhere (the books pay the creator again) and abandon the rest (the money stays on the creator's balance).
    name: 'resolve-after-return',
    rail: 'bank',
    timing: IN_WINDOW,
    before: ({ stack }) => admin(stack.bank.url, '/__admin/faults', { settleDelayMs: 300 }),
    async during(ctx, payouts) {
      await pool(
        payouts.map((p, i) => ({ p, i })),
        32,
        async ({ p, i }) => {
          if (!(await returnAtBank(ctx, p))) return;
          if (!(await untilPayout(ctx, p, (s) => s.awaiting?.actor === 'creator'))) return;
          const outcome = i % 2 === 0 ? 'paid_elsewhere' : 'abandoned';
          const v = await resolvePayout(ctx.stack.client, p.payoutId, {
            reason: 'chaos',
            sign: staffSigner('chaos.ops', ['ops']),
            outcome,
          });
          if (!v.accepted) throw new Error(`${p.payoutId}: resolvePayout refused (${v.code})`);
        },
      );
    },
  }),
];
