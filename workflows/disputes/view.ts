import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../shared/search-attributes';
import type { DisputeCaseView, EvidenceField } from './contract';
import { awaitingActor, isTerminal } from './policy';
import type { CaseRecord } from './state-record';

/** What ops see of a case: the `getState` view, the search attributes and the Web UI's current details. */

const iso = (ms: number) => new Date(ms).toISOString();

export function caseView(c: CaseRecord, now: number): DisputeCaseView {
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
  };
}

/** Search attributes: what the case waits on, when it escalates next, and the dispute's facts once known. */
export function caseSearchAttributes(c: CaseRecord): SearchAttributeUpdatePair[] {
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

export function caseDetails(c: CaseRecord, now: number): string {
  const head = `**Dispute ${c.disputeId}** · ${c.state} · round ${c.round} · ${c.tier}`;
  return [head, waitingOn(c, now), ...c.retrying.lines()].join('\n\n');
}

/** What the case waits on, in words, for the Web UI and the view; first, a ledger/audit store that fails. */
function waitingOn(c: CaseRecord, now: number): string {
  const store = c.storeProblem;
  const books = store
    ? `The ledger/audit store fails (${store.code}) since ${iso(store.since)}; its writes are retried until they land. `
    : '';
  return books + caseWaitingOn(c, now);
}

function caseWaitingOn(c: CaseRecord, now: number): string {
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
