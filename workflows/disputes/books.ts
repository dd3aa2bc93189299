import type { Money } from '../shared/money';
import type { LedgerPosition } from './contract';

/**
 * The case's bookkeeping writes (ledger moves, audit records) running beside the story through a store outage, and
 * the store problem they met, if any. Held privately by `CaseState`, which tells it what happened.
 */
export class PendingBooks {
  private count = 0;
  private failing?: { code: string; since: number };

  /** Nothing is waiting to land: the case may end. */
  get settled(): boolean {
    return this.count === 0;
  }
  /** The store's last error and since when it fails, while it does. */
  get problem(): { readonly code: string; readonly since: number } | undefined {
    return this.failing;
  }
  started(): void {
    this.count++;
  }
  failed(code: string, now: number): void {
    this.failing = { code, since: this.failing?.since ?? now };
  }
  /** One write landed, so the store answers again; returns the problem this clears. */
  landed(): { code: string; since: number } | undefined {
    this.count--;
    const cleared = this.failing;
    this.failing = undefined;
    return cleared;
  }
}

/** A ledger move the case asks for, named so that each posting has its own idempotency key. */
export interface LedgerMove {
  step: string;
  from: LedgerPosition;
  to: LedgerPosition;
  amount: Money;
}

/**
 * The case's ledger moves, held privately by `CaseState`: each runs beside the story and the next waits for it, so
 * moves land in order, each once.
 *
 * A move is named by the case state it books (`r<round>:<position>`, `:<n>` when a round comes back to a position), so
 * the same movement always has the same posting ID, whichever run books it: a run that met a closed case's late event
 * cannot book the loss again under a new ID. Histories recorded before that (`byState` false) keep the per-run
 * counter (`ledger-<n>-<position>`).
 */
export class LedgerMoves {
  private count = 0;
  private inFlight = false;
  private readonly named = new Map<string, number>();

  /** The move from `from` to `to`, if one is due and none is in flight. */
  plan(
    from: LedgerPosition,
    to: LedgerPosition,
    amount: Money,
    name: { round: number; byState: () => boolean },
  ): LedgerMove | undefined {
    if (this.inFlight || to === from) return undefined;
    const counted = `ledger-${++this.count}-${to}`;
    if (!name.byState()) return { step: counted, from, to, amount };
    const key = `r${name.round}:${to}`;
    const n = (this.named.get(key) ?? 0) + 1;
    this.named.set(key, n);
    return { step: n === 1 ? key : `${key}:${n}`, from, to, amount };
  }
  started(): void {
    this.inFlight = true;
  }
  landed(): void {
    this.inFlight = false;
  }
}
