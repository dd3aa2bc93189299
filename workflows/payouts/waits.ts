import type { PayoutStateName, PayoutStatus } from './contract';

/**
 * How long a payout waited on each actor (the `AwaitingActor` it showed), for its service-level fact. A wait counts
 * from its `since` until the payout shows another wait or none; the return window after payment is not a wait on
 * anyone (the money arrived), so a rail's wait in `paid_in_return_window` is left out. Pure state: it schedules
 * nothing, and a continue-as-new carries it.
 */
export class WaitClock {
  private readonly ms: Record<string, number> = {};

  /** The payout moved from `prev` (shown while in `prevState`) to `next` at `nowMs`. */
  moved(prevState: PayoutStateName, prev: PayoutStatus['awaiting'], next: PayoutStatus['awaiting'], nowMs: number) {
    if (!prev) return;
    if (next && next.actor === prev.actor && next.since === prev.since) return;
    if (prevState === 'paid_in_return_window' && (prev.actor === 'psp' || prev.actor === 'bank')) return;
    const waited = nowMs - Date.parse(prev.since);
    if (waited > 0) this.ms[prev.actor] = (this.ms[prev.actor] ?? 0) + waited;
  }

  /** Waits counted by earlier executions (a continue-as-new's carry). */
  restore(carried: Record<string, number> | undefined): void {
    for (const [actor, ms] of Object.entries(carried ?? {})) this.ms[actor] = (this.ms[actor] ?? 0) + ms;
  }

  /** The waits so far, actors in name order (deterministic facts). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.ms).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
