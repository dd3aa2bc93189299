import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { admin, adminGet } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { settle } from '../observe';
import { pool, type ChaosPayout } from '../payouts';
import { payoutRow, pspTransfers, untilPsp, type Row, type RowContext } from '../row';

const accountOf = (p: ChaosPayout) => `acct_${p.creatorId.replace(/-/g, '_')}`;

/** Where the PSP says each payout's transfers went (its own list API, by the payout's transfer group). */
async function destinationsAtPsp(ctx: RowContext, p: ChaosPayout): Promise<string[]> {
  const wf = creatorPayoutWorkflowId(p.payoutId);
  const res = await fetch(`${ctx.stack.psp.url}/v1/transfers?transfer_group=${encodeURIComponent(wf)}&limit=100`, {
    headers: { Authorization: `Bearer ${ctx.stack.config.PSP_SECRET_KEY}` },
  });
  const list = (await res.json()) as { data: Array<{ destination: string }> };
  return list.data.map((t) => t.destination);
}

/** Every transfer went to the account the creator had when the attempt began, not the one they changed to. */
async function paidTheFixedDestination(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const seen = await pool(payouts, 8, async (p) => ({ p, to: await destinationsAtPsp(ctx, p) }));
  for (const { p, to } of seen)
    for (const d of to)
      if (d !== accountOf(p)) {
        v.duplicates++;
        v.findings.push(`${p.payoutId}: paid ${d}, not the destination fixed for the attempt`);
      }
  return { ...v, outcomes: { transfersToFixedDestination: seen.reduce((n, s) => n + s.to.length, 0) } };
}

/** The first workflow task's completion: a reset there runs the whole payout again, initiation included. */
async function firstTaskCompleted(ctx: RowContext, workflowId: string) {
  const history = await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory();
  const done = history.events?.find(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  );
  if (!done?.eventId) throw new Error(`${workflowId}: no completed workflow task`);
  return done.eventId;
}

/** Look-ups of a payout's transfer by its transfer group so far (what a re-run initiation does before creating). */
async function lookups(ctx: RowContext): Promise<number> {
  const { calls } = await adminGet<{ calls: Array<{ method: string; path: string }> }>(
    ctx.stack.psp.url,
    '/__admin/calls',
  );
  return calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/transfers?transfer_group=')).length;
}

/** Rows about the initiation itself: the destination changing under a retry, and a reset replaying it. */
export const initiationRows: Row[] = [
  payoutRow({
    // Each payout's first create commits at the PSP but its answer is lost; before the retry, half the creators switch
    // to another account and the other half remove their method. The retry must pay the destination fixed for the
    // attempt once (the idempotency key replays it), and nothing is released.
    name: 'method-changed-between-attempts',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', {
        timeoutNext: n,
        timeoutPhase: 'after',
        hangMs: 11_000,
        faultMethod: 'POST',
      }),
    async during(ctx, payouts) {
      await untilPsp(ctx.stack, (t) => t.created >= ctx.n);
      await pool(
        payouts.map((p, i) => ({ p, i })),
        8,
        ({ p, i }) =>
          admin(
            ctx.stack.creators.url,
            `/__admin/creators/${p.creatorId}`,
            i % 2 === 0
              ? { payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: `${accountOf(p)}_new` } }
              : { payoutMethod: null },
            'PATCH',
          ),
      );
    },
    after: paidTheFixedDestination,
  }),
  payoutRow({
    // Every payout completes; then the PSP forgets every idempotency key (its 24 h window has passed) and ops reset
    // each workflow to its first task, so the new run initiates again under the same key: it must find the transfer
    // it made, not create a second.
    name: 'reset-after-idempotency-window',
    async after(ctx, payouts) {
      const made = (await pspTransfers(ctx.stack)).created;
      const lookedUp = await lookups(ctx);
      await admin(ctx.stack.psp.url, '/__admin/idempotency', { ttlMs: 0 });
      const ids = payouts.map((p) => creatorPayoutWorkflowId(p.payoutId));
      await pool(ids, 8, async (workflowId) =>
        ctx.stack.client.workflowService.resetWorkflowExecution({
          namespace: ctx.stack.config.TEMPORAL_NAMESPACE,
          workflowExecution: { workflowId },
          workflowTaskFinishEventId: await firstTaskCompleted(ctx, workflowId),
          requestId: randomUUID(),
          reason: 'chaos: reset after the idempotency window',
        }),
      );
      await settle(ctx.stack, ids, Math.max(120_000, ctx.n * 600));
      // The row proves something only if every new run initiated again (and so looked its transfer up).
      const again = (await lookups(ctx)) - lookedUp;
      const v = emptyVerdicts();
      if (again < ids.length) v.findings.push(`only ${again} look-ups after ${ids.length} resets`);
      return {
        ...v,
        lost: ids.length - Math.min(again, ids.length),
        outcomes: { transfersBeforeReset: made, lookupsAfterReset: again },
      };
    },
  }),
];
