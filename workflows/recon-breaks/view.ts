import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../shared/search-attributes';
import type {
  BreakFacts,
  BreakObservation,
  BreakProposal,
  BreakResolution,
  BreakStatus,
  BreakTrailEntry,
  ReconBreakView,
} from './contract';
import { awaitingActor } from './policy';

/** What ops see of a break: the `getState` view, the search attributes and the Web UI's current details. */

/** What the view reads of a break (`BreakState` is one), so the view never imports the state. */
export interface BreakReading {
  readonly workflowId: string;
  readonly status: BreakStatus;
  readonly facts: BreakFacts;
  readonly awaitingSince: number;
  readonly observations: readonly BreakObservation[];
  readonly resolution?: BreakResolution;
  readonly proposal?: BreakProposal;
  readonly closesAt?: number;
  readonly reopens: number;
  readonly trail: readonly BreakTrailEntry[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function breakView(b: BreakReading): ReconBreakView {
  const actor = awaitingActor(b.status, b.facts, b.proposal);
  return {
    workflowId: b.workflowId,
    status: b.status,
    facts: b.facts,
    amount: { amountMinor: Math.abs(b.facts.amountMinor), currency: b.facts.currency },
    awaiting: { actor, since: iso(b.awaitingSince), what: waitingOn(b) },
    ...(b.status === 'open' ? { deadlineAt: iso(b.facts.dueAtMs) } : {}),
    observations: [...b.observations],
    ...(b.resolution ? { resolution: b.resolution } : {}),
    ...(b.proposal ? { proposal: b.proposal } : {}),
    ...(b.closesAt !== undefined && b.status === 'resolved' ? { closesAt: iso(b.closesAt) } : {}),
    reopens: b.reopens,
    trail: [...b.trail],
  };
}

/**
 * The stuck-work attributes every list reads (no new ones): an open break waits on ops or finance until its SLA's
 * due time (`DeadlineAt`), so an overdue one counts in the sweeper's `overdue_person`; its class is `LastErrorCode`.
 * A resolved break waits on nobody.
 */
export function breakSearchAttributes(b: BreakReading): SearchAttributeUpdatePair[] {
  const open = b.status === 'open';
  return [
    { key: SA.AwaitingActor, value: awaitingActor(b.status, b.facts, b.proposal) },
    { key: SA.AwaitingSince, value: new Date(b.awaitingSince) },
    { key: SA.DeadlineAt, value: open ? new Date(b.facts.dueAtMs) : null },
    { key: SA.AmountMinor, value: Math.abs(b.facts.amountMinor) },
    { key: SA.Currency, value: b.facts.currency },
    { key: SA.LastErrorCode, value: open ? b.facts.class : 'none' },
  ];
}

export function breakDetails(b: BreakReading): string {
  const f = b.facts;
  const head = `**Reconciliation break** · ${f.class}${f.hint ? ` (${f.hint})` : ''} · ${f.accountId} · ${f.businessDate} · ${b.status}`;
  return [head, waitingOn(b)].join('\n\n');
}

function waitingOn(b: BreakReading): string {
  const f = b.facts;
  if (b.status === 'open') {
    const actor = awaitingActor(b.status, f, b.proposal);
    if (b.proposal)
      return `Waiting on a second finance member to approve the ${b.proposal.kind} proposed by ${b.proposal.proposedBy}`;
    return `Waiting on ${actor} to resolve (${f.reason}); due ${iso(f.dueAtMs)}`;
  }
  const r = b.resolution;
  const how = r ? `${r.kind} by ${r.by}${r.approvedBy ? ` and ${r.approvedBy}` : ''} at ${r.at}` : 'resolved';
  if (b.status === 'resolved')
    return `Resolved: ${how}; can be reopened until ${b.closesAt !== undefined ? iso(b.closesAt) : 'close'}`;
  return `Closed: ${how}`;
}
