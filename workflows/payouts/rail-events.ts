import { mergeRailStatus, type RailStatus } from './policy';

/** What a provider event says about a transfer. */
export interface Received {
  status: RailStatus;
  code?: string;
  /** For a return: the total returned so far (absent = all of it). */
  returnedAmountMinor?: number;
  /** The attempt that was current when the event arrived (events without a reference apply to it). */
  attempt: number;
}

/** A provider event that would move money (a failure or a return), waiting to be confirmed at the rail. */
export interface Claim {
  kind: 'failed' | 'returned';
  reference?: string;
  code?: string;
  attempt: number;
}

/** The events of a payout, handed across continue-as-new. */
export interface RailEventsCarry {
  seen: string[];
  byReference: Array<[string, Received]>;
  loose: Received[];
  /** Claims not yet confirmed at the rail (since `rail-event-confirm`). */
  claims?: Claim[];
}

/**
 * Provider events about a payout, deduplicated by event ID and ranked, so a late "paid" never undoes a "returned"
 * (webhooks arrive out of order and more than once).
 */
export class RailEvents {
  private readonly seen: Set<string>;
  private readonly byReference: Map<string, Received>;
  private readonly loose: Received[];
  private claims: Claim[];

  /** Empty, or the events an earlier execution saw (continue-as-new). */
  constructor(carry?: RailEventsCarry) {
    this.seen = new Set(carry?.seen ?? []);
    this.byReference = new Map(carry?.byReference ?? []);
    this.loose = [...(carry?.loose ?? [])];
    this.claims = [...(carry?.claims ?? [])];
  }

  /** What the next execution needs to keep deduplicating and ranking. */
  carry(): RailEventsCarry {
    const claims = this.claims.length ? { claims: [...this.claims] } : {};
    return { seen: [...this.seen], byReference: [...this.byReference], loose: [...this.loose], ...claims };
  }

  /**
   * Records a failure or return event as a claim only: it moves nothing until the rail confirms it
   * ({@link answer}). False when the event was seen before.
   */
  claim(e: { eventId: string; kind: Claim['kind']; reference?: string; code?: string }, attempt: number): boolean {
    if (this.seen.has(e.eventId)) return false;
    this.seen.add(e.eventId);
    this.claims.push({
      kind: e.kind,
      ...(e.reference ? { reference: e.reference } : {}),
      ...(e.code ? { code: e.code } : {}),
      attempt,
    });
    return true;
  }

  get hasClaims(): boolean {
    return this.claims.length > 0;
  }

  /** The claims waiting, removed. */
  takeClaims(): Claim[] {
    return this.claims.splice(0);
  }

  /** What the rail itself said about `reference` (a status inquiry): it replaces any event of the same or lower rank. */
  answer(reference: string, next: Received): void {
    const prev = this.byReference.get(reference);
    if (!prev || mergeRailStatus(prev.status, next.status) !== prev.status || prev.status === next.status)
      this.byReference.set(reference, next);
  }

  /** Records an event; false when it was seen before. */
  add(
    e: { eventId: string; kind: RailStatus; reference?: string; code?: string; returnedAmountMinor?: number },
    attempt: number,
  ): boolean {
    if (this.seen.has(e.eventId)) return false;
    this.seen.add(e.eventId);
    const returned = e.returnedAmountMinor !== undefined ? { returnedAmountMinor: e.returnedAmountMinor } : {};
    const next: Received = { status: e.kind, ...(e.code ? { code: e.code } : {}), ...returned, attempt };
    if (!e.reference) {
      this.loose.push(next);
    } else {
      const prev = this.byReference.get(e.reference);
      if (!prev || mergeRailStatus(prev.status, next.status) !== prev.status || returnsMore(prev, next))
        this.byReference.set(e.reference, next);
    }
    return true;
  }

  /** Latest status of `reference`, including reference-less events of `attempt`. */
  statusOf(reference: string | undefined, attempt: number): Received | undefined {
    let best = reference ? this.byReference.get(reference) : undefined;
    for (const e of this.loose) {
      if (e.attempt === attempt && (!best || mergeRailStatus(best.status, e.status) !== best.status)) best = e;
    }
    return best;
  }
}

/** A later return event that returns more than the one kept (absent = everything) replaces it. */
function returnsMore(prev: Received, next: Received): boolean {
  if (prev.status !== 'returned' || next.status !== 'returned' || prev.returnedAmountMinor === undefined) return false;
  return next.returnedAmountMinor === undefined || next.returnedAmountMinor > prev.returnedAmountMinor;
}
