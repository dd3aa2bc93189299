import { admin } from '../admin';
import { payoutRow, type Row } from '../row';

/** Faults the PSP answers with: what a flaky provider does to the initiation and the status polls. */
export const pspFaultRows: Row[] = [
  payoutRow({
    name: 'psp-5xx-burst',
    before: ({ stack, n }) => admin(stack.psp.url, '/__admin/faults', { fail5xxNext: 2 * n }),
  }),
  payoutRow({
    // The request hangs and is dropped before the PSP does anything: the retry must create the one transfer.
    name: 'psp-timeout-before-commit',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', { timeoutNext: n, timeoutPhase: 'before', hangMs: 11_000 }),
  }),
  payoutRow({
    // The PSP commits, then holds the answer past the client's 10 s timeout: only the idempotency key saves it.
    name: 'psp-timeout-after-commit',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', { timeoutNext: n, timeoutPhase: 'after', hangMs: 11_000 }),
  }),
  payoutRow({
    // The PSP commits and the connection drops at once: the answer is lost, the money moved.
    name: 'psp-lost-responses',
    before: ({ stack, n }) =>
      admin(stack.psp.url, '/__admin/faults', { timeoutNext: n, timeoutPhase: 'after', hangMs: 0 }),
  }),
];
