import { WorkflowFailedError } from '@temporalio/client';
import { ClientInputError } from '../../../client/errors';
import { holdPayout, releasePayout, startPayout } from '../../../client/payouts';
import { staffSigner } from '../../support/staff';
import { typedFailure } from '../../../workflows/shared/failures';
import { admin, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { payoutStatus, scanPostings, standing } from '../observe';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { pool } from '../payouts';
import { payoutRow, pspTransfers, resetSandboxes, type Row, type RowContext } from '../row';

/**
 * An ops command as a chaos operator (compliance and ops roles), signed for the command; a hold is released by
 * another compliance officer than the one who held it.
 */
const ops = async (sub = 'chaos.ops') => ({
  reason: 'chaos matrix',
  sign: staffSigner(sub, ['compliance', 'ops']),
});

/** Inputs every layer must refuse: the client before Temporal, the workflow (started raw) with InvalidInput. */
const BAD_INPUTS = [
  { amount: { amountMinor: -5, currency: 'USD' } },
  { amount: { amountMinor: 0, currency: 'USD' } },
  { amount: { amountMinor: 1.5, currency: 'USD' } },
  { amount: { amountMinor: 100, currency: 'XXX' } },
  { period: '2026-13' },
  { creatorId: 'bad id with spaces' },
  { unexpected: true },
];

async function badInputs(ctx: RowContext): Promise<Verdicts> {
  await resetSandboxes(ctx.stack);
  const v = emptyVerdicts();
  await pool(
    Array.from({ length: ctx.n }, (_, i) => i),
    8,
    async (i) => {
      const input = {
        payoutId: `${ctx.tag}-${i}`,
        creatorId: `${ctx.tag}-c${i}`,
        period: '2026-11',
        amount: { amountMinor: 100, currency: 'USD' },
        ...BAD_INPUTS[i % BAD_INPUTS.length],
      };
      const client = await startPayout(ctx.stack.client, input as never).then(
        () => 'started',
        (err) => (err instanceof ClientInputError ? 'refused' : String(err)),
      );
      if (client !== 'refused') {
        v.lost++;
        v.findings.push(`${input.payoutId}: client ${client}`);
      }
      const handle = await ctx.stack.client.workflow.start('creatorPayout', {
        taskQueue: ctx.stack.config.TEMPORAL_TASK_QUEUE,
        workflowId: `payout-${ctx.tag}-raw-${i}`,
        args: [input],
      });
      const outcome = await handle.result().then(
        () => 'completed',
        (err) => (err instanceof WorkflowFailedError ? (typedFailure(err)?.type ?? 'failed') : String(err)),
      );
      if (outcome !== 'InvalidInput') {
        v.lost++;
        v.findings.push(`${handle.workflowId}: ended ${outcome}`);
      }
    },
  );
  const moved = await pspTransfers(ctx.stack);
  if (moved.posts > 0) {
    v.duplicates += moved.posts;
    v.findings.push(`${moved.posts} transfer calls for bad inputs`);
  }
  const postings = await scanPostings(ctx.stack, `payout-${ctx.tag}-`);
  if (postings.length > 0) v.findings.push(`${postings.length} postings for bad inputs`);
  return { ...v, ledgerBreaks: postings.length, outcomes: { refusedByClientAndWorkflow: ctx.n } };
}

/** Ops rows: inputs that must move nothing, and a payout held mid-run then released. */
export const opsRows: Row[] = [
  { name: 'bad-inputs', run: badInputs },
  payoutRow({
    // Every other payout is held while the directory is slow (before initiation), then released: each pays once.
    name: 'hold-then-release',
    before: ({ stack }) => admin(stack.creators.url, '/__admin/faults', { latencyMs: 400 }),
    async during(ctx, payouts) {
      const held = payouts.filter((_, i) => i % 2 === 0);
      // At large N some payouts finish before their hold is sent: an update to a closed workflow is not a refusal but an
      // error, and such a payout was simply never held.
      const command = async (p: (typeof held)[number], send: typeof holdPayout): Promise<boolean> => {
        try {
          return (await send(ctx.stack.client, p.payoutId, await ops())).accepted;
        } catch (err) {
          const { status } = await standing(ctx.stack, creatorPayoutWorkflowId(p.payoutId));
          if (status !== 'RUNNING') return false;
          throw err;
        }
      };
      const accepted = await pool(held, 8, (p) => command(p, holdPayout));
      await admin(ctx.stack.creators.url, '/__admin/faults', undefined, 'DELETE');
      const onHold = held.filter((_, i) => accepted[i]);
      await until(async () => {
        const states = await pool(onHold, 8, async (p) => (await payoutStatus(ctx.stack, p))?.state);
        return states.every((s) => s === 'on_hold');
      }, 10_000);
      // A payout whose hold was accepted must still be open here: a release that finds it closed fails the row.
      await pool(onHold, 8, async (p) => releasePayout(ctx.stack.client, p.payoutId, await ops('chaos.releaser')));
    },
  }),
];
