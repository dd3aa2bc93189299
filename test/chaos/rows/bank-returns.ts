import { isoIdsFor } from '../../../activities/payouts';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { admin, until } from '../admin';
import { payoutStatus } from '../observe';
import { FAST_TIMING, pool } from '../payouts';
import { payoutRow, type Row } from '../row';

/** A bank payout settles (camt.054), then comes back "days later": here seconds, through a shortened return window. */
export const bankReturnRows: Row[] = [
  payoutRow({
    name: 'bank-return-after-paid',
    rail: 'bank',
    timing: { ...FAST_TIMING, returnWindowMs: 60_000 },
    before: ({ stack }) => admin(stack.bank.url, '/__admin/faults', { settleDelayMs: 300 }),
    async during(ctx, payouts) {
      await pool(payouts, 8, async (p) => {
        await until(async () => (await payoutStatus(ctx.stack, p))?.state === 'paid_in_return_window', 60_000, 250);
        const wf = creatorPayoutWorkflowId(p.payoutId);
        await admin(ctx.stack.bank.url, '/__admin/returns', {
          endToEndId: isoIdsFor(`${wf}:initiate`).endToEndId,
          code: 'AC04',
        });
        ctx.returned.add(p.payoutId);
      });
    },
  }),
];
