import type { DisputeState, PspDisputeEvent } from './contract';
import { classifyEvent, type EventVerdict } from './policy';

/** What `classifyEvent` needs to know of the case besides the event order. */
type CaseSide = { state: DisputeState; submittedThisRound: boolean; outcome?: 'won' | 'lost' };

/**
 * A case's PSP webhooks: the ones waiting to be applied, what orders them (the IDs seen, the newest applied event and
 * the last reopen, by PSP creation time) and how many were applied or ignored. Held privately by `CaseState`, which
 * applies each verdict to the case.
 */
/** A queued event; `fromPsp` when the case read it from the PSP itself (a poll), so there is nothing to confirm. */
export interface Inbound {
  event: PspDisputeEvent;
  fromPsp: boolean;
}

export class PspEvents {
  private readonly inbox: Inbound[] = [];
  private readonly order: { seen: Set<string>; lastAppliedAt?: number; lastReopenAt?: number } = { seen: new Set() };
  private appliedCount = 0;
  private ignoredCount = 0;

  get applied(): number {
    return this.appliedCount;
  }
  get ignored(): number {
    return this.ignoredCount;
  }
  /** Events wait to be applied. */
  get waiting(): boolean {
    return this.inbox.length > 0;
  }

  enqueue(e: PspDisputeEvent, fromPsp = false): void {
    this.inbox.push({ event: e, fromPsp });
  }
  /** Counts a webhook that could not be read or belongs to another dispute. */
  ignoreMalformed(): void {
    this.ignoredCount++;
  }
  take(): Inbound[] {
    return this.inbox.splice(0);
  }
  /** Where a webhook would fit, without counting it (before asking the PSP whether it holds). */
  peek(e: PspDisputeEvent, c: CaseSide): EventVerdict {
    return classifyEvent({ ...this.order, ...c }, e);
  }
  /** The PSP did not confirm the webhook: seen (a redelivery is a duplicate) and ignored; the order is untouched. */
  reject(eventId: string): void {
    this.order.seen.add(eventId);
    this.ignoredCount++;
  }
  /** Where a webhook fits (see `classifyEvent`); counts it as applied or ignored. */
  receive(e: PspDisputeEvent, c: CaseSide): EventVerdict {
    const verdict = classifyEvent({ ...this.order, ...c }, e);
    this.order.seen.add(e.eventId);
    if (verdict.type === 'duplicate' || verdict.type === 'stale') {
      this.ignoredCount++;
    } else {
      this.appliedCount++;
      this.order.lastAppliedAt = Math.max(this.order.lastAppliedAt ?? 0, Date.parse(e.createdAt));
    }
    return verdict;
  }
  /** A reopen was applied: an outcome no newer than it belongs to the round before. */
  reopened(e: PspDisputeEvent): void {
    this.order.lastReopenAt = Date.parse(e.createdAt);
  }
}
