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
