import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { admin, adminGet, until } from './admin';
import { addVerdicts, checkPayouts, type Verdicts } from './checks';
import { settle } from './observe';
import { FAST_TIMING, seedPayouts, startPayouts, type ChaosPayout } from './payouts';
import { STRIPE_LIST_ALL } from './providers';
import type { ChaosStack } from './stack';

/** What a row's steps get: the stack, the row's N and a tag unique to this row and run (IDs start with it). */
export interface RowContext {
  stack: ChaosStack;
  n: number;
  tag: string;
  /** Payout IDs whose transfer the row had the rail return. */
  returned: Set<string>;
  /** Ends a phase of the row (`seed`, `settle`, …) for the profile (PAYOPS_CHAOS_PROFILE=1 prints it). */
  mark?(phase: string): void;
}

/** One fault of the matrix: it runs its workload with the fault injected and returns what the checks found. */
export interface Row {
  name: string;
  run(ctx: RowContext): Promise<Verdicts>;
}

/** Forgets the sandboxes' calls and faults between rows, and gives the PSP money to pay with. */
export async function resetSandboxes(stack: ChaosStack): Promise<void> {
  for (const s of [stack.psp, stack.adyen, stack.bank, stack.commerce, stack.evidence])
    await admin(s.url, '/__admin/reset');
  await admin(stack.psp.url, '/__admin/balance', { currency: 'usd', amount: 1e12 });
}

/** A payout row: seed N creators, inject, start N payouts in parallel, act during the run, settle, check. */
export function payoutRow(def: {
  name: string;
  rail?: 'psp' | 'bank';
  /** The payouts' timing, or a function of N (a window the row acts in must grow with N). */
  timing?: typeof FAST_TIMING | ((n: number) => typeof FAST_TIMING);
  /** How long the payouts may take to close or park (default: 2 minutes, more for large N). */
  settleMs?: (n: number) => number;
  before?(ctx: RowContext): Promise<void>;
  during?(ctx: RowContext, payouts: ChaosPayout[]): Promise<void>;
  after?(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts | void>;
}): Row {
  return {
    name: def.name,
    async run(ctx) {
      await resetSandboxes(ctx.stack);
      const payouts = await seedPayouts(ctx.stack, ctx.tag, ctx.n, def.rail);
      ctx.mark?.('seed');
      await def.before?.(ctx);
      const timing = typeof def.timing === 'function' ? def.timing(ctx.n) : (def.timing ?? FAST_TIMING);
      await startPayouts(ctx.stack, payouts, timing);
      ctx.mark?.('start');
      await def.during?.(ctx, payouts);
      ctx.mark?.('during');
      const ids = payouts.map((p) => creatorPayoutWorkflowId(p.payoutId));
      // Larger runs queue on two cores: the default wait grows with N.
      await settle(ctx.stack, ids, def.settleMs?.(ctx.n) ?? Math.max(120_000, ctx.n * 600));
      ctx.mark?.('settle');
      const extra = await def.after?.(ctx, payouts);
      ctx.mark?.('after');
      const v = await checkPayouts(ctx.stack, ctx.tag, payouts, ctx.returned);
      ctx.mark?.('check');
      return extra ? addVerdicts(v, extra) : v;
    },
  };
}

/** PSP transfer calls so far: POSTs seen and transfers committed. */
export async function pspTransfers(stack: ChaosStack): Promise<{ posts: number; created: number }> {
  const r = await adminGet<{ calls: Array<{ method: string; path: string }>; created: { transfer?: number } }>(
    stack.psp.url,
    '/__admin/calls',
  );
  const posts = r.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers').length;
  return { posts, created: r.created.transfer ?? 0 };
}

/**
 * When a rail (either PSP or the bank) last saw a call from the product (epoch ms; 0 when none has seen one since the
 * reset). The harness's own list of Stripe transfers (read by a row's checks) is not the product's: counting it would
 * hold every row's barrier for the quiet period after its own checks.
 */
export async function lastRailCallAt(stack: ChaosStack): Promise<number> {
  const lasts = await Promise.all(
    [stack.psp.url, stack.adyen.url, stack.bank.url].map(async (url) => {
      const { calls } = await adminGet<{ calls: Array<{ at: number; path: string }> }>(url, '/__admin/calls');
      return calls.reduce((max, c) => (c.path.startsWith(STRIPE_LIST_ALL) ? max : Math.max(max, c.at)), 0);
    }),
  );
  return Math.max(...lasts);
}

/** Waits (bounded) until `pred` holds for the PSP's transfer calls. */
export const untilPsp = (stack: ChaosStack, pred: (t: { posts: number; created: number }) => boolean, ms = 60_000) =>
  until(async () => pred(await pspTransfers(stack)), ms, 50);
