import { admin } from '../admin';
import { payoutRow, untilPsp, type Row, type RowContext } from '../row';

/** SIGKILLs the worker, lifts the PSP's faults, and starts a fresh worker (its activities retry after the timeout). */
async function killWorker({ stack }: RowContext): Promise<void> {
  await stack.worker.kill();
  await admin(stack.psp.url, '/__admin/faults', undefined, 'DELETE');
  await stack.worker.start();
}

/** Process faults: the worker dies mid-initiation, Temporal dies mid-run. */
export const processFaultRows: Row[] = [
  payoutRow({
    // Every initiation hangs at the PSP before it does anything; the worker dies with the requests in flight.
    name: 'worker-sigkill-before-commit',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', { timeoutNext: n, timeoutPhase: 'before', hangMs: 60_000 }),
    async during(ctx) {
      await untilPsp(ctx.stack, (t) => t.posts >= ctx.n);
      await killWorker(ctx);
    },
  }),
  payoutRow({
    // Every initiation commits at the PSP, whose answer is held; the worker dies before it records the result.
    name: 'worker-sigkill-after-commit',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', { timeoutNext: n, timeoutPhase: 'after', hangMs: 60_000 }),
    async during(ctx) {
      await untilPsp(ctx.stack, (t) => t.created >= ctx.n);
      await killWorker(ctx);
    },
  }),
  payoutRow({
    // Temporal (file DB) is SIGKILLed with half the transfers made and started again on the same port.
    name: 'temporal-restart-mid-run',
    before: ({ stack }) => admin(stack.psp.url, '/__admin/faults', { latencyMs: 300 }),
    async during(ctx) {
      await untilPsp(ctx.stack, (t) => t.created >= Math.ceil(ctx.n / 2));
      await ctx.stack.temporal.killAndRestart(1_000);
      await admin(ctx.stack.psp.url, '/__admin/faults', undefined, 'DELETE');
      if (!ctx.stack.worker.alive) await ctx.stack.worker.start();
    },
  }),
];
