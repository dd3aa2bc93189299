import type { Client } from '@temporalio/client';
import { startPayout } from '../client/payouts';
import { waitFor } from '../infra/local/processes';
import type { PayoutStatus as PayoutState } from '../workflows/payouts/contract';
import { actionsOf, type ActionCount } from './actions';
import { adminPost } from './stack';

type Timing = { returnWindowMs: number; pollInitialMs: number; pollMaxMs: number };

interface SampleContext {
  client: Client;
  taskQueue: string;
  period: string;
  timing: Timing;
  creatorsUrl: string;
  /** The PSP sandbox, where the returned sample's transfer is reversed (the rail's own record the payout confirms). */
  pspUrl: string;
  seed(ids: string[], overrides?: Record<string, unknown>): Promise<void>;
}

const amount = { amountMinor: 5_000, currency: 'USD' } as const;

async function stateOf(client: Client, workflowId: string, until: (s: PayoutState) => boolean): Promise<PayoutState> {
  let last: PayoutState | undefined;
  await waitFor(
    `payout ${workflowId}`,
    async () => {
      last = await client.workflow.getHandle(workflowId).query<PayoutState>('getState');
      return until(last);
    },
    60_000,
  ).catch((err: unknown) => {
    const at = last ? `${last.state}${last.lastErrorCode ? ` (${last.lastErrorCode})` : ''}` : 'no state';
    throw new Error(`${err instanceof Error ? err.message : String(err)}; it is ${at}`);
  });
  return last as PayoutState;
}

/** One payout on the bank rail (pain.001 out, pain.002 polled until settled), to completion. */
async function bankPayout(ctx: SampleContext): Promise<ActionCount> {
  const creatorId = 'bench-bank-sample';
  await ctx.seed([creatorId], {
    payoutMethod: {
      rail: 'bank',
      currency: 'USD',
      country: 'DE',
      iban: 'DE89370400440532013000',
      accountHolderName: 'Bench Creator',
    },
  });
  const { handle } = await startPayout(
    ctx.client,
    { payoutId: `${creatorId}-${ctx.period}`, creatorId, period: ctx.period, amount, timing: ctx.timing },
    { taskQueue: ctx.taskQueue },
  );
  await handle.result();
  return actionsOf(await handle.fetchHistory());
}

/**
 * A PSP payout reversed in its return window: the transfer is reversed at the PSP sandbox (the rail's own record), the
 * event tells the payout, which confirms the return at the rail before booking it, and ends returned (a Stripe
 * reversal carries no account-closed reason, so the creator is not asked for new details; the money is back in the
 * balance). Before rail events were confirmed (issue 20) this sample re-paid on the event's word alone.
 */
async function returned(ctx: SampleContext): Promise<ActionCount> {
  const creatorId = 'bench-return-sample';
  await ctx.seed([creatorId]);
  const { handle, workflowId } = await startPayout(
    ctx.client,
    {
      payoutId: `${creatorId}-${ctx.period}`,
      creatorId,
      period: ctx.period,
      amount,
      timing: { ...ctx.timing, returnWindowMs: 3_000 },
    },
    { taskQueue: ctx.taskQueue },
  );
  const paid = await stateOf(ctx.client, workflowId, (s) => s.state === 'paid_in_return_window');
  await adminPost(ctx.pspUrl, `/__admin/transfers/${paid.railReference}/reverse`, {});
  await handle.signal('reportRailEvent', {
    source: 'psp',
    eventId: 'evt_bench_return',
    kind: 'returned',
    reference: paid.railReference,
    code: 'transfer_reversed',
  });
  // It ends as a failed workflow (returned): the history is what is counted.
  await handle.result().catch(() => undefined);
  const state = await stateOf(ctx.client, workflowId, (s) => s.state === 'returned');
  if (state.lastErrorCode !== 'transfer_reversed') throw new Error(`returned sample: ${state.lastErrorCode}`);
  return actionsOf(await handle.fetchHistory());
}

/**
 * Billable actions and history events per payout for each shape the issue names: the PSP rail (a single from the
 * singles phase), the bank rail, a run's child (from the run phase) and a payout returned in its window.
 */
export async function actionSamples(
  ctx: SampleContext,
  measured: { psp: ActionCount; runChild?: ActionCount },
): Promise<Record<string, ActionCount>> {
  return {
    psp: measured.psp,
    bank: await bankPayout(ctx),
    ...(measured.runChild ? { runChild: measured.runChild } : {}),
    returned: await returned(ctx),
  };
}

/** `psp 16 actions / 67 events (activity attempt 7, …)`. */
export const showActions = (name: string, a: ActionCount) =>
  `${name} ${a.actions} actions / ${a.events} events (${Object.entries(a.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')})`;
