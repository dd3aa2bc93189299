import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import { activityProxies, type AuditEvent } from '../shared/activities';
import { ActivityPresets } from '../shared/activity-options';
import { failureCode } from '../shared/failures';
import { formatMoney } from '../shared/money';
import { viaPspQueue } from '../shared/psp-queue';
import { effectiveDateOf, type PostingRefs } from '../shared/posting-facts';
import { idempotencyKey } from '../shared/task-queue';
import {
  disputeAuditStream,
  type LedgerPosition,
  pspDisputeStatusSchema,
  type DecidedBy,
  type DisputeActivities,
  type EscalationTier,
  type EvidenceSource,
  type PspDisputeEvent,
} from './contract';
import type { Wake } from './case-clock';
import { confirmByPsp, isTerminal, OUTCOME_OF, type Alarm, type Confirmation, type PspAnswer } from './policy';
import type { CaseState } from './state';

/**
 * The I/O of a dispute case: every activity it calls, the story's steps first, then its bookkeeping in the ledger/audit
 * store. State changes only through the state's transitions.
 */

/**
 * The ledger/audit store (DynamoDB) may be down for hours. Cases started before this patch await each write inline (an
 * hour of tries, then the failure ends the case); later ones run each write beside the story and retry it until it
 * lands, so the deadline default still applies on time, the case shows the store's error meanwhile, and each write
 * lands once (idempotent: posting ID, audit event ID).
 */
export const BOOKS_PATCH = 'dispute-books-outage';
/**
 * Cases started after this patch act only on PSP events the PSP confirms (`applyInbox`) and name their ledger postings
 * by case state (`books.ts`); one patch for both, so a new case pays for one marker.
 */
export const CONFIRM_PATCH = 'dispute-psp-confirmed';

const { notify, books } = activityProxies<DisputeActivities>();
/** PSP submissions, acceptances and dispute look-ups on the PSP's own paced task queue. */
const pspMoney = () => viaPspQueue<DisputeActivities>('moneyMovement');
const pspPoll = () => viaPspQueue<DisputeActivities>('statusPoll');
/** Confirming a webhook at the PSP: retried through a short blip, not so long that the case's timers stall. */
const pspConfirm = () => viaPspQueue<DisputeActivities>('pspRead');
/** Evidence sources may be down for a while, but the PSP deadline is not: give up after 6 h and let ops fill in. */
const evidenceLookup = proxyActivities<DisputeActivities>({ ...ActivityPresets.lookup, scheduleToCloseTimeout: '6h' });

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Applies queued PSP webhooks in arrival order; duplicates and stale ones are counted and dropped. A webhook is a
 * signal anyone who may write to the namespace can send, so (cases started after `CONFIRM_PATCH`) one that would
 * change the case is first checked at the PSP, and the case applies the PSP's facts, never the event's; one the PSP
 * does not confirm changes nothing and is shown to ops (see `confirmByPsp`).
 */
export async function applyInbox(c: CaseState, now: number): Promise<void> {
  for (const { event, fromPsp } of c.takeInbox()) {
    const first = c.peek(event);
    if (fromPsp || first.type === 'duplicate' || first.type === 'stale' || !patched(CONFIRM_PATCH)) {
      await apply(c, event, now);
      continue;
    }
    const confirmation = confirmByPsp(event, await askPsp(c), {
      terminal: isTerminal(c.state),
      baselineSubmissionCount: c.baselineSubmissionCount,
      readAt: now,
    });
    if (confirmation.type === 'confirmed') await apply(c, confirmation.event, now);
    else await parkUnconfirmed(c, event.eventId, confirmation, now);
  }
}

/** The dispute at the PSP now, or why the PSP could not say (it does not know the dispute, or is down). */
async function askPsp(c: CaseState): Promise<PspAnswer> {
  try {
    return { facts: await pspConfirm().getDisputeFacts({ disputeId: c.disputeId }) };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { code: errorCode(err) };
  }
}

/** Nothing is booked for an event the PSP does not confirm: ops see it on the case, in the audit trail and by mail. */
async function parkUnconfirmed(
  c: CaseState,
  eventId: string,
  u: Extract<Confirmation, { type: 'unconfirmed' }>,
  now: number,
): Promise<void> {
  const { type: _t, ...what } = u;
  c.eventUnconfirmed({ eventId, ...what }, now);
  log.warn('dispute event not confirmed by the PSP', { eventId, ...what });
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `unconfirmed:${eventId}`,
    at: iso(now),
    type: 'dispute.event_unconfirmed',
    data: { eventId, ...what },
  });
  const psp = u.pspStatus ? `the PSP says ${u.pspStatus}` : `the PSP could not be asked (${u.code ?? 'unknown'})`;
  const subject = `Dispute ${c.disputeId}: event ${eventId} says ${u.claimed}, ${psp}; nothing was booked`;
  await tell(c, 'finance_legal', 'event_unconfirmed', subject, now, { eventId, claimed: u.claimed });
}

/** Applies one event to the case as its verdict says. */
async function apply(c: CaseState, e: PspDisputeEvent, now: number): Promise<void> {
  const verdict = c.receive(e);
  switch (verdict.type) {
    case 'duplicate':
    case 'stale':
      log.info('dispute event ignored', { eventId: e.eventId, verdict: verdict.type });
      break;
    case 'reopen':
      // Reordered webhooks: the outcome this reopens was never applied, so close as it first.
      if (verdict.closedAs) await close(c, verdict.closedAs, now);
      c.reopen(e);
      await tell(c, c.tier, 'reopened', `Dispute ${c.disputeId} reopened (pre-arbitration, round ${c.round})`, now);
      break;
    case 'outcome':
      c.adoptFacts(e);
      await close(c, verdict.outcome, now);
      break;
    case 'submitted_outside':
      c.adoptFacts(e);
      c.markSubmitted(now, e.submissionCount, true);
      break;
    default:
      c.update(e);
  }
}

/** First facts known: hold the money (via the ledger sync), cross-check the order, tell tier 1, gather evidence. */
export async function openCase(c: CaseState, now: number): Promise<void> {
  c.open();
  const f = c.facts;
  if (!f) return;
  await syncLedger(c);
  if (f.orderId) {
    const crossCheck = { orderId: f.orderId, workflowId: c.workflowId, disputeId: c.disputeId, amount: f.amount };
    await crossCheckOrder(c, { ...crossCheck, openedAt: iso(now) }, async ({ compensations }) => {
      c.noteCompensations(compensations);
      if (compensations.length > 0) {
        const subject = `Dispute ${c.disputeId} is on an order that already received approved compensation`;
        await tell(c, 'finance_legal', 'compensation_overlap', subject, now);
      }
    });
    c.startGathering();
    void gather(c, f.orderId);
  } else c.noOrderId();
  const subject = `New dispute ${c.disputeId}: ${formatMoney(f.amount)}, ${f.reason}, evidence due ${iso(f.dueBy)}`;
  await tell(c, c.tier, 'opened', subject, now);
}

/** Reads the three evidence sources in parallel, in the background; the case keeps its timers meanwhile. */
async function gather(c: CaseState, orderId: string): Promise<void> {
  const sources: EvidenceSource[] = ['order', 'shipment', 'communications'];
  await Promise.all(
    sources.map(async (source) => {
      try {
        c.sourceRead(source, await evidenceLookup.gatherDisputeEvidence({ orderId, source }));
      } catch (err) {
        c.sourceRead(source, undefined);
        log.warn('evidence source failed', { source, error: errorCode(err) });
      }
    }),
  );
  c.gatheringDone();
}

/** Carries out a decision once per round: submit the evidence, or accept liability. */
export async function actOnDecision(c: CaseState, now: number): Promise<void> {
  const d = c.takeDecision();
  if (!d) return;
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `decision:r${d.round}`,
    at: d.at,
    type: 'dispute.decided',
    data: { ...d },
  });
  try {
    if (d.decision === 'accept') {
      await pspMoney().acceptDisputeLiability({ workflowId: c.workflowId, disputeId: c.disputeId, round: c.round });
      await close(c, 'lost', now, 'accepted');
      return;
    }
    const r = await pspMoney().submitDisputeEvidenceOnce({
      workflowId: c.workflowId,
      disputeId: c.disputeId,
      round: c.round,
      baselineSubmissionCount: c.baselineSubmissionCount,
      evidence: { ...c.evidence },
    });
    if (r.result === 'closed') {
      const status = pspDisputeStatusSchema.safeParse(r.status);
      await close(c, (status.success && OUTCOME_OF[status.data]) || 'lost', now);
      return;
    }
    c.contested(now, r.submissionCount, r.result === 'submitted_outside');
    await tell(c, c.tier, 'submitted', `Evidence for dispute ${c.disputeId} submitted (round ${c.round})`, now);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    c.refuseAction(errorCode(err));
    const subject = `Acting on the ${d.decision} decision for dispute ${c.disputeId} failed (${c.lastErrorCode}); decide again`;
    await tell(c, 'finance_legal', 'action_failed', subject, now);
  }
}

async function close(c: CaseState, outcome: 'won' | 'lost', now: number, resolution?: 'accepted'): Promise<void> {
  c.close(outcome, now, resolution);
  await syncLedger(c);
  const how = c.resolution ? ` (${c.resolution})` : '';
  await tell(c, c.tier, `closed_${outcome}`, `Dispute ${c.disputeId} closed as ${outcome}${how}`, now);
}

/** Runs what the case's own clock asks for: a milestone alarm, an outcome poll, a facts look-up, or the end. */
export async function onWake(c: CaseState, wake: Wake, now: number): Promise<void> {
  if (wake.kind === 'alarm') return onMilestoneAlarm(c, wake.alarm, now);
  if (wake.kind === 'close') return c.finish();
  c.rearm(wake.kind, now);
  await pollPsp(c, now, wake.kind);
}

/** Asks the PSP for the dispute (no webhook came, or the outcome may have been lost) and queues it as an event. */
async function pollPsp(c: CaseState, now: number, why: 'lookup' | 'poll'): Promise<void> {
  try {
    const d = await pspPoll().getDisputeFacts({ disputeId: c.disputeId });
    const status = pspDisputeStatusSchema.safeParse(d.status);
    if (!status.success || !d.dueBy) return;
    if (why === 'poll' && !OUTCOME_OF[status.data]) return;
    const e: PspDisputeEvent = {
      eventId: `${why}:r${c.round}:${now}`,
      type: 'charge.dispute.updated',
      createdAt: iso(now),
      disputeId: c.disputeId,
      status: status.data,
      dueBy: d.dueBy,
      amount: d.amount,
      reason: d.reason,
      submissionCount: d.submissionCount,
    };
    c.enqueueFromPsp(e);
  } catch (err) {
    c.noteError(errorCode(err));
  }
}

/** A reminder, an escalation, the final warning, or the deadline default, as the policy says for this alarm. */
async function onMilestoneAlarm(c: CaseState, alarm: Alarm, now: number): Promise<void> {
  const action = c.fireAlarm(alarm, now);
  const id = c.disputeId;
  switch (action?.type) {
    case 'remind': {
      const subject = `Reminder: dispute ${id} milestone ${action.milestone} is due ${iso(action.milestoneAt)}`;
      return tell(c, action.tier, 'reminder', subject, now, { milestone: action.milestone });
    }
    case 'escalate': {
      c.escalate(action.to);
      const subject = `Dispute ${id} handed from ${action.from} to ${action.to}: milestone ${action.milestone} passed unmet`;
      return tell(c, action.to, 'escalated', subject, now, { milestone: action.milestone, from: action.from });
    }
    case 'final_warning': {
      const subject = `Dispute ${id}: no decision yet; at the deadline the default (${action.default}) applies`;
      return tell(c, action.tier, 'final_warning', subject, now, { milestone: alarm.milestone });
    }
    case 'apply_default':
      return c.applyDefault(action.decision, now);
    default:
      return;
  }
}

/** Mails the tier's team and publishes the event; a failed notification never blocks the money side. */
async function tell(
  c: CaseState,
  tier: EscalationTier,
  kind: string,
  subject: string,
  now: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const f = c.facts;
  const body = [
    subject,
    f ? `Amount ${formatMoney(f.amount)}, reason ${f.reason}, evidence due ${iso(f.dueBy)}.` : '',
    `Case state: ${c.state}, tier ${c.tier}.`,
  ].join('\n');
  try {
    await notify.notifyDisputeTeam({
      tier,
      kind,
      subject,
      body,
      dedupeKey: `${c.workflowId}:r${c.round}:${kind}:${String(extra['milestone'] ?? now)}`,
      data: {
        workflowId: c.workflowId,
        disputeId: c.disputeId,
        round: c.round,
        state: c.state,
        at: iso(now),
        ...extra,
      },
    });
  } catch (err) {
    log.warn('dispute notification failed', { kind, error: errorCode(err) });
  }
}

/**
 * The failure's type (or the error's name), not the shared `failureCode`: that one prefers a detail code (a PSP
 * refusal's `code`, e.g. `dispute_already_submitted`), which would change the `LastErrorCode` running cases publish.
 */
function errorCode(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.type ?? 'ApplicationFailure';
  return cause instanceof Error ? cause.name : 'unknown';
}

/* Bookkeeping: writes to the ledger/audit store, inline before `BOOKS_PATCH`, beside the story after it. */

/** One round of tries of an idempotent write (5 min); the case shows the failure and starts the next on its timer. */
const booksRound = proxyActivities<DisputeActivities>({ ...ActivityPresets.bookkeeping, scheduleToCloseTimeout: '5m' });
const FIRST_PAUSE_MS = 60_000;
const LONGEST_PAUSE_MS = 30 * 60_000;

/** Runs `write` in rounds until it lands, then `landed`; between rounds the case shows the error and goes on. */
async function untilLanded<T>(c: CaseState, write: () => Promise<T>, landed: (r: T) => void): Promise<void> {
  c.bookkeepingStarted();
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, LONGEST_PAUSE_MS)) {
    try {
      const r = await write();
      landed(r);
      c.bookkeepingLanded();
      return;
    } catch (err) {
      // A cancelled case stops here (its story handles the cancellation); anything but an activity failure is a bug.
      if (isCancellation(err)) return;
      if (!(err instanceof ActivityFailure)) throw err;
      c.bookkeepingFailed(failureCode(err), Date.now());
      await sleep(pause);
    }
  }
}

/** Moves the disputed money to where the case state says it belongs: held, released (won) or written off (lost). */
export async function syncLedger(c: CaseState): Promise<void> {
  const move = c.planLedgerMove(() => patched(CONFIRM_PATCH));
  if (!move) return;
  const { step, ...posting } = move;
  // Dated and referenced once, outside the rounds: every round re-schedules the activity with this same input, so
  // the posting is identical on every try. Activity inputs are not compared on replay: no patch needed.
  const facts = { effectiveDate: effectiveDateOf(Date.now()), refs: disputeRefs(c, posting) };
  const input = { postingId: idempotencyKey(c.workflowId, step), disputeId: c.disputeId, ...posting, ...facts };
  if (!patched(BOOKS_PATCH)) {
    await books.moveDisputedFunds(input);
    return c.ledgerMoved(move.to);
  }
  c.ledgerMoveStarted();
  void untilLanded(
    c,
    () => booksRound.moveDisputedFunds(input),
    () => c.ledgerMoved(move.to),
  );
}

/** Positions whose account is the platform's cash, i.e. money on the PSP balance. */
const AT_PSP: ReadonlySet<LedgerPosition> = new Set(['none', 'released']);

/**
 * A dispute posting's references: the PSP's dispute ID as the rail reference when the move touches the PSP balance
 * (the PSP debits it when the dispute opens and credits it back when it is won); a write-off of held money is internal.
 */
function disputeRefs(c: CaseState, move: { from: LedgerPosition; to: LedgerPosition }): PostingRefs {
  const refs: PostingRefs = { workflowId: c.workflowId };
  return AT_PSP.has(move.from) !== AT_PSP.has(move.to) ? { ...refs, rail: 'psp', railRef: c.disputeId } : refs;
}

/** Appends to the case's audit stream (an event ID appended twice is kept once). */
export async function appendCaseAudit(c: CaseState, event: AuditEvent): Promise<void> {
  if (!patched(BOOKS_PATCH)) {
    await books.appendAudit(event);
    return;
  }
  void untilLanded(
    c,
    () => booksRound.appendAudit(event),
    () => undefined,
  );
}

/** Cross-checks the order with the approvals side; `then` gets the compensations already paid on it. */
export async function crossCheckOrder(
  c: CaseState,
  input: Parameters<DisputeActivities['crossCheckDisputedOrder']>[0],
  then: (r: Awaited<ReturnType<DisputeActivities['crossCheckDisputedOrder']>>) => Promise<void>,
): Promise<void> {
  if (!patched(BOOKS_PATCH)) return then(await books.crossCheckDisputedOrder(input));
  void untilLanded(
    c,
    () => booksRound.crossCheckDisputedOrder(input),
    (r) => void then(r),
  );
}

/**
 * Records an assignment in the case's audit stream (outside history) with who made it, as the token proved it
 * (`decidedBy`: absent only in histories recorded before tokens); called by the assign handler.
 */
export async function recordAssignment(
  c: CaseState,
  a: { assignee: string; tier: EscalationTier; by: string },
  decidedBy: DecidedBy | undefined,
): Promise<void> {
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `assign:${c.round}:${Date.now()}:${a.assignee}`,
    at: new Date().toISOString(),
    type: 'dispute.assigned',
    data: { ...a, round: c.round, ...(decidedBy ? { decidedBy } : {}) },
  });
}

/**
 * Records evidence written by hand in the case's audit stream with who wrote it (`decidedBy` as the command assertion
 * proved it); called by the addEvidence handler. The text itself stays in the case (it may hold customer data).
 */
export async function recordEvidence(
  c: CaseState,
  e: { field: string; by: string },
  decidedBy: DecidedBy | undefined,
): Promise<void> {
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `evidence:${c.round}:${Date.now()}:${e.field}:${e.by}`,
    at: new Date().toISOString(),
    type: 'dispute.evidence_added',
    data: { ...e, round: c.round, ...(decidedBy ? { decidedBy } : {}) },
  });
}
