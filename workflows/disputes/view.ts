import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../shared/search-attributes';
import type { Money } from '../shared/money';
import type { Retrying } from '../shared/retrying';
import type {
  DisputeCaseView,
  DisputeState,
  EscalationTier,
  Evidence,
  EvidenceField,
  EvidenceSource,
  EvidenceSourceStatus,
  LedgerPosition,
  MilestoneStatus,
  OrderCompensation,
  PspDisputeStatus,
  UnconfirmedEvent,
} from './contract';
import { awaitingActor, isTerminal, type Milestone } from './policy';
import type { Wake } from './case-clock';

/** What ops see of a case: the `getState` view, the search attributes and the Web UI's current details. */

/**
 * What the view reads of a case (`CaseState` is one): declared here so the view renders what
 * it is given and never imports the state.
 */
export interface CaseReading {
  readonly disputeId: string;
  readonly state: DisputeState;
  readonly round: number;
  readonly facts?: { dueBy: number; amount: Money; reason: string; orderId?: string; pspStatus: PspDisputeStatus };
  readonly tier: EscalationTier;
  readonly assignee?: string;
  readonly awaitingSince: number;
  readonly decision?: DisputeCaseView['decision'];
  readonly submissions: DisputeCaseView['submissions'];
  readonly outcome?: 'won' | 'lost';
  readonly resolution?: 'contested' | 'accepted';
  readonly ledgerPosition: LedgerPosition;
  readonly flags: ReadonlySet<DisputeCaseView['flags'][number]>;
  readonly compensations: readonly OrderCompensation[];
  readonly evidenceBy: Readonly<Partial<Record<EvidenceField, string>>>;
  readonly lastErrorCode?: string;
  readonly unconfirmed: readonly UnconfirmedEvent[];
  readonly milestones: readonly Milestone[];
  readonly retrying: Retrying;
  readonly evidence: Readonly<Evidence>;
  readonly sources: Readonly<Record<EvidenceSource, EvidenceSourceStatus>>;
  readonly eventsApplied: number;
  readonly eventsIgnored: number;
  readonly storeProblem: { readonly code: string; readonly since: number } | undefined;
  missingEvidence(): EvidenceField[];
  milestoneStatus(m: Milestone): MilestoneStatus;
  nextWake(): Wake | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function caseView(c: CaseReading, now: number): DisputeCaseView {
  const next = c.nextWake();
  const f = c.facts;
  return {
    disputeId: c.disputeId,
    state: c.state,
    round: c.round,
    ...(f
      ? {
          pspStatus: f.pspStatus,
          dueBy: iso(f.dueBy),
          amount: f.amount,
          reason: f.reason,
          ...(f.orderId ? { orderId: f.orderId } : {}),
        }
      : {}),
    tier: c.tier,
    ...(c.assignee ? { assignee: c.assignee } : {}),
    awaiting: { actor: awaitingActor(c.state, c.tier), since: iso(c.awaitingSince), what: waitingOn(c, now) },
    ...(next && next.kind === 'alarm' ? { nextEscalationAt: iso(next.at) } : {}),
    milestones: c.milestones.map((m) => ({ name: m.name, at: iso(m.at), status: c.milestoneStatus(m) })),
    evidenceFields: Object.keys(c.evidence) as EvidenceField[],
    missingEvidence: c.missingEvidence(),
    evidenceSources: { ...c.sources },
    ...(Object.keys(c.evidenceBy).length ? { evidenceBy: { ...c.evidenceBy } } : {}),
    ...(c.decision ? { decision: c.decision } : {}),
    submissions: [...c.submissions],
    ...(c.outcome ? { outcome: c.outcome } : {}),
    ...(c.resolution ? { resolution: c.resolution } : {}),
    ledgerPosition: c.ledgerPosition,
    flags: [...c.flags],
    compensations: [...c.compensations],
    eventsApplied: c.eventsApplied,
    eventsIgnored: c.eventsIgnored,
    ...(c.lastErrorCode ? { lastErrorCode: c.lastErrorCode } : {}),
    ...(c.unconfirmed.length ? { unconfirmedEvents: [...c.unconfirmed] } : {}),
  };
}

/** Search attributes: what the case waits on, when it escalates next, and the dispute's facts once known. */
export function caseSearchAttributes(c: CaseReading): SearchAttributeUpdatePair[] {
  const next = c.nextWake();
  const deadline = !isTerminal(c.state) && next?.kind === 'alarm' ? new Date(next.at) : null;
  const pairs: SearchAttributeUpdatePair[] = [
    { key: SA.DisputeState, value: c.state },
    { key: SA.AwaitingTier, value: c.tier },
    { key: SA.AwaitingActor, value: awaitingActor(c.state, c.tier) },
    { key: SA.AwaitingSince, value: new Date(c.awaitingSince) },
    { key: SA.DeadlineAt, value: deadline },
    { key: SA.LastErrorCode, value: c.lastErrorCode ?? 'none' },
  ];
  if (c.facts) {
    pairs.push(
      { key: SA.DueBy, value: new Date(c.facts.dueBy) },
      { key: SA.AmountMinor, value: c.facts.amount.amountMinor },
      { key: SA.Currency, value: c.facts.amount.currency },
      { key: SA.Reason, value: [c.facts.reason] },
    );
    if (c.facts.orderId) pairs.push({ key: SA.OrderId, value: c.facts.orderId });
  }
  return c.retrying.overlay(pairs);
}

export function caseDetails(c: CaseReading, now: number): string {
  const head = `**Dispute ${c.disputeId}** · ${c.state} · round ${c.round} · ${c.tier}`;
  return [head, waitingOn(c, now), ...c.retrying.lines()].join('\n\n');
}

/**
 * What the case waits on, in words, for the Web UI and the view; first, a ledger/audit store that fails, and a PSP
 * event the PSP did not confirm (ops check it with the PSP).
 */
function waitingOn(c: CaseReading, now: number): string {
  const store = c.storeProblem;
  const books = store
    ? `The ledger/audit store fails (${store.code}) since ${iso(store.since)}; its writes are retried until they land. `
    : '';
  return books + unconfirmedNote(c) + caseWaitingOn(c, now);
}

function unconfirmedNote(c: CaseReading): string {
  const u = c.unconfirmed.at(-1);
  if (!u) return '';
  const psp = u.pspStatus ? `the PSP says ${u.pspStatus}` : `the PSP could not be asked (${u.code ?? 'unknown'})`;
  const more = c.unconfirmed.length > 1 ? ` (${c.unconfirmed.length} such events)` : '';
  return `Unconfirmed PSP event ${u.eventId} at ${u.at}: it says ${u.claimed}, ${psp}; nothing was booked for it${more}. `;
}

function caseWaitingOn(c: CaseReading, now: number): string {
  const next = c.nextWake();
  const when = next ? iso(next.at) : 'no timer';
  switch (c.state) {
    case 'opened':
      return 'Waiting for the PSP dispute facts';
    case 'gathering_evidence':
    case 'in_review':
    case 'pre_arbitration': {
      const missing = c.missingEvidence();
      const what = missing.length ? `evidence (${missing.join(', ')})` : 'a contest/accept decision';
      const step =
        next?.kind === 'alarm'
          ? `${next.alarm.kind === 'remind' ? 'reminder' : 'milestone'} ${next.alarm.milestone}`
          : 'next step';
      return `Waiting on ${c.tier} for ${what}; ${step} at ${when}`;
    }
    case 'submitted':
      return `Evidence submitted (round ${c.round}); waiting on the PSP's decision, next status check at ${when}`;
    default:
      return `Closed as ${c.state}${c.resolution ? ` (${c.resolution})` : ''}; open for a pre-arbitration reopen until ${when} (now ${iso(now)})`;
  }
}
