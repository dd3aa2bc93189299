import { idempotencyKey } from '../shared/task-queue';
import type { LedgerPosition, PayoutPostingKind, PayoutStatus, Rail } from './contract';
import { stepName, type RailStatus } from './policy';
import type { RailEventsCarry } from './rail-events';
import type { ProviderId } from '../routing/contract';

export type { LedgerPosition } from './contract';

/** Where the ledger stands after each kind of posting. */
export const ledgerAfter: Record<PayoutPostingKind, LedgerPosition> = {
  reserve: 'reserved',
  settle: 'settled',
  reverse: 'reversed',
  release: 'none',
  settle_elsewhere: 'settled',
  // The rest of the transfer stays paid: ops closed the payout with what came back booked.
  reverse_partial: 'settled',
};

/** The postings of one attempt in the order they can happen (a release or a settle follows a reserve, and so on). */
const POSTING_ORDER: PayoutPostingKind[] = ['reserve', 'release', 'settle', 'reverse', 'settle_elsewhere'];

/** Every posting ID a payout's attempts 1..`attempts` may have booked (workflow ID + step, as `post` names them). */
export function payoutPostingIds(workflowId: string, attempts: number): string[] {
  const ids: string[] = [];
  for (let a = 1; a <= attempts; a++)
    for (const kind of POSTING_ORDER) ids.push(idempotencyKey(workflowId, stepName(kind, a)));
  return ids;
}

/** Where the ledger's own postings put the payout's money: after the latest of them, attempt by attempt. */
export function ledgerFromPostings(workflowId: string, attempts: number, posted: readonly string[]): LedgerPosition {
  const booked = new Set(posted);
  let at: LedgerPosition = 'none';
  for (let a = 1; a <= attempts; a++)
    for (const kind of POSTING_ORDER)
      if (booked.has(idempotencyKey(workflowId, stepName(kind, a)))) at = ledgerAfter[kind];
  return at;
}

/** Where an attempt's confirmation wait stands: its start, its deadline, and the status known so far. */
export interface ConfirmationWait {
  sinceMs: number;
  deadlineMs: number;
  status: RailStatus;
  code?: string;
  /** Polls so far (the backoff goes on from there), and those since the deadline. */
  polls: number;
  overduePolls: number;
}

/**
 * What a payout awaiting confirmation hands to its next execution when it continues as new (a bank payout can poll
 * for days): the attempt, the rail reference, the ledger position, the events seen, the timeline tail, and the wait.
 */
export interface PayoutCarry {
  attempt: number;
  rail: Rail;
  railReference: string;
  /** A routed payout's provider and when it was routed (absent in carries from before `payout-routing`). */
  provider?: ProviderId;
  routedAtMs?: number;
  ledger: LedgerPosition;
  fx?: PayoutStatus['fx'];
  /** What the payout netted against the creator's receivable (absent when nothing, and before `payout-net-receivable`). */
  netted?: PayoutStatus['netted'];
  held?: PayoutStatus['held'];
  lastErrorCode?: string;
  timeline: PayoutStatus['timeline'];
  events: RailEventsCarry;
  reportedToRun: boolean;
  confirmation: ConfirmationWait;
  /** What the service-level fact needs from earlier executions (absent in carries from before it). */
  serviceLevel?: { waitsMs: Record<string, number>; country?: string };
}

/** What the carry reads of a payout (`Payout` in `state.ts` is one): declared here, so carry.ts imports no state. */
export interface CarriedPayout {
  readonly ledger: LedgerPosition;
  readonly reportedToRun: boolean;
  view(): Pick<PayoutStatus, 'attempt' | 'fx' | 'held' | 'lastErrorCode' | 'timeline' | 'provider' | 'netted'>;
  readonly routedAtMs?: number | undefined;
  eventsCarry(): RailEventsCarry;
  readonly waits: { snapshot(): Record<string, number> };
  readonly country: string | undefined;
}

/** The state the next execution resumes from (continue-as-new while awaiting confirmation). */
export function carryOf(
  p: CarriedPayout,
  rail: Rail,
  railReference: string,
  confirmation: ConfirmationWait,
): PayoutCarry {
  const { attempt, fx, held, lastErrorCode, timeline, provider, netted } = p.view();
  return {
    attempt,
    rail,
    railReference,
    ...(provider ? { provider } : {}),
    ...(p.routedAtMs !== undefined ? { routedAtMs: p.routedAtMs } : {}),
    ledger: p.ledger,
    ...(fx ? { fx } : {}),
    ...(netted ? { netted } : {}),
    ...(held ? { held } : {}),
    ...(lastErrorCode ? { lastErrorCode } : {}),
    timeline,
    events: p.eventsCarry(),
    reportedToRun: p.reportedToRun,
    confirmation,
    serviceLevel: { waitsMs: p.waits.snapshot(), ...(p.country ? { country: p.country } : {}) },
  };
}
