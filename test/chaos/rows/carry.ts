import { WorkflowFailedError } from '@temporalio/client';
import { Accounts } from '../../../activities/adapters/ledger/port';
import { createDynamoLedger } from '../../../activities/adapters/ledger/dynamo-ledger';
import { makeAwsClients } from '../../../activities/adapters/aws';
import { awsOptions } from '../../../workers/config';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import type { PayoutCarry } from '../../../workflows/payouts/carry';
import { failureCode, typedFailure } from '../../../workflows/shared/failures';
import { emptyVerdicts, type Verdicts } from '../checks';
import { scanPostings } from '../observe';
import { FAST_TIMING, pool, seedPayouts } from '../payouts';
import { pspTransfers, resetSandboxes, type RowContext } from '../row';

/**
 * A payout started by hand with a carry (as if continued as new, "paid" at the PSP under a made-up transfer): every
 * one must be refused as `carry_not_from_continue_as_new`, with nothing booked, no transfer at the PSP sandbox and
 * the creators' balances as funded.
 */
export async function forgedCarry(ctx: RowContext): Promise<Verdicts> {
  await resetSandboxes(ctx.stack);
  const v = emptyVerdicts();
  const payouts = await seedPayouts(ctx.stack, ctx.tag, ctx.n);
  const outcomes: Record<string, number> = {};
  await pool(payouts, 8, async (p) => {
    const now = Date.now();
    const carry: PayoutCarry = {
      attempt: 1,
      rail: 'psp',
      railReference: `tr_forged_${p.payoutId}`,
      ledger: 'reserved',
      timeline: [],
      events: { seen: [], byReference: [], loose: [] },
      reportedToRun: false,
      confirmation: { sinceMs: now, deadlineMs: now + 60_000, status: 'paid', polls: 0, overduePolls: 0 },
    };
    const handle = await ctx.stack.client.workflow.start('creatorPayout', {
      taskQueue: ctx.stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: creatorPayoutWorkflowId(p.payoutId),
      args: [
        {
          payoutId: p.payoutId,
          creatorId: p.creatorId,
          period: '2026-11',
          amount: { amountMinor: p.amountMinor, currency: 'USD' },
          timing: FAST_TIMING,
        },
        carry,
      ],
    });
    const outcome = await handle.result().then(
      () => 'completed',
      (err) => (err instanceof WorkflowFailedError && typedFailure(err) ? failureCode(err) : String(err)),
    );
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (outcome !== 'carry_not_from_continue_as_new') {
      v.lost++;
      v.findings.push(`${handle.workflowId}: ended ${outcome}`);
    }
  });
  const moved = await pspTransfers(ctx.stack);
  if (moved.posts > 0) {
    v.duplicates += moved.posts;
    v.findings.push(`${moved.posts} transfer calls for forged carries`);
  }
  const postings = await scanPostings(ctx.stack, `payout-${ctx.tag}-`);
  if (postings.length > 0) v.findings.push(`${postings.length} postings for forged carries`);
  const ledger = createDynamoLedger({
    aws: makeAwsClients(awsOptions(ctx.stack.config)),
    table: ctx.stack.config.LEDGER_TABLE,
  });
  let touched = 0;
  for (const p of payouts)
    if ((await ledger.balance(Accounts.creatorAvailable(p.creatorId), 'USD')) !== -p.fundedMinor) touched++;
  if (touched > 0) v.findings.push(`${touched} creator balances moved`);
  return { ...v, ledgerBreaks: postings.length + touched, outcomes };
}
