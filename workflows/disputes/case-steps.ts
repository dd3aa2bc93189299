import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { ActivityPresets } from '../shared/activity-options';
import { formatMoney } from '../shared/money';
import { SA } from '../shared/search-attributes';
import { idempotencyKey } from '../shared/task-queue';
import type { CaseModel } from './case-model';
import {
  disputeAuditStream,
  pspDisputeStatusSchema,
  type EscalationTier,
  type EvidenceSource,
  type PspDisputeEvent,
} from './contract';
import {
  classifyEvent,
  higherTier,
  isTerminal,
  OUTCOME_OF,
  onAlarm,
  targetPosition,
  type Alarm,
} from './dispute-policy';

const money = proxyActivities<Activities>(ActivityPresets.moneyMovement);
const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);
const notify = proxyActivities<Activities>(ActivityPresets.notification);
const poll = proxyActivities<Activities>(ActivityPresets.statusPoll);
/** Evidence sources may be down for a while, but the PSP deadline is not: give up after 6 h and let ops fill in. */
const evidenceLookup = proxyActivities<Activities>({ ...ActivityPresets.lookup, scheduleToCloseTimeout: '6h' });

const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

/** Applies queued PSP webhooks in arrival order; duplicates and stale ones are counted and dropped. */
export async function applyInbox(c: CaseModel, now: number): Promise<void> {
  for (const e of c.inbox.splice(0)) {
    const verdict = classifyEvent(
      {
        seen: c.seen,
        lastAppliedAt: c.lastAppliedAt,
        lastReopenAt: c.lastReopenAt,
        state: c.state,
        submittedThisRound: c.submittedThisRound,
        outcome: c.outcome,
      },
      e,
    );
    c.seen.add(e.eventId);
    if (verdict.type === 'duplicate' || verdict.type === 'stale') {
      c.eventsIgnored++;
      log.info('dispute event ignored', { eventId: e.eventId, verdict: verdict.type });
      continue;
    }
    c.eventsApplied++;
    c.lastAppliedAt = Math.max(c.lastAppliedAt ?? 0, Date.parse(e.createdAt));
    if (verdict.type === 'reopen') {
      if (verdict.closedAs) await close(c, verdict.closedAs, now);
      c.lastReopenAt = Date.parse(e.createdAt);
      c.round++;
      c.adoptFacts(e, true);
      c.baselineSubmissionCount = e.submissionCount;
      c.state = 'pre_arbitration';
      c.outcome = undefined;
      c.resolution = undefined;
      c.closedAt = undefined;
      c.nextPollAt = undefined;
      c.tier = higherTier(c.tier, 'tier2');
      await tell(c, c.tier, 'reopened', `Dispute ${c.disputeId} reopened (pre-arbitration, round ${c.round})`, now);
    } else if (verdict.type === 'outcome') {
      c.adoptFacts(e);
      await close(c, verdict.outcome, now);
    } else if (verdict.type === 'submitted_outside') {
      c.adoptFacts(e);
      c.flag('submitted_outside');
      markSubmitted(c, now, e.submissionCount, true);
    } else {
      c.adoptFacts(e);
      if (!c.opened) c.baselineSubmissionCount = e.submissionCount;
    }
  }
}

/** First facts known: hold the money (via the ledger sync), cross-check the order, tell tier 1, gather evidence. */
export async function openCase(c: CaseModel, now: number): Promise<void> {
  c.opened = true;
  const f = c.facts;
  if (!f) return;
  await syncLedger(c);
  if (f.orderId) {
    const { compensations } = await books.crossCheckDisputedOrder({
      orderId: f.orderId,
      workflowId: c.workflowId,
      disputeId: c.disputeId,
      amount: f.amount,
      openedAt: iso(now),
    });
    c.compensations = compensations;
    if (compensations.length > 0) {
      c.flag('compensated_order');
      await tell(
        c,
        'finance_legal',
        'compensation_overlap',
        `Dispute ${c.disputeId} is on an order that already received approved compensation`,
        now,
      );
    }
    c.gathering = true;
    void gather(c, f.orderId);
  } else {
    c.flag('no_order_id');
    c.sources = { order: 'missing', shipment: 'missing', communications: 'missing' };
  }
  c.refreshWorkingState();
  await tell(
    c,
    c.tier,
    'opened',
    `New dispute ${c.disputeId}: ${formatMoney(f.amount)}, ${f.reason}, evidence due ${iso(f.dueBy)}`,
    now,
  );
}

/** Reads the three evidence sources in parallel, in the background; the case keeps its timers meanwhile. */
async function gather(c: CaseModel, orderId: string): Promise<void> {
  const sources: EvidenceSource[] = ['order', 'shipment', 'communications'];
  await Promise.all(
    sources.map(async (source) => {
      try {
        const r = await evidenceLookup.gatherDisputeEvidence({ orderId, source });
        c.sources[source] = r.found ? 'found' : 'missing';
        c.setEvidence(r.evidence, false);
      } catch (err) {
        c.sources[source] = 'failed';
        log.warn('evidence source failed', { source, error: errorCode(err) });
      }
      c.dirty = true;
    }),
  );
  c.gathering = false;
  c.refreshWorkingState();
  c.dirty = true;
}

/** Carries out a decision once per round: submit the evidence, or accept liability. */
export async function actOnDecision(c: CaseModel, now: number): Promise<void> {
  const d = c.decision;
  if (!c.decisionPending || !d) return;
  c.decisionPending = false;
  await books.appendAudit({
    stream: disputeAuditStream(c.workflowId),
    eventId: `decision:r${d.round}`,
    at: d.at,
    type: 'dispute.decided',
    data: { ...d },
  });
  try {
    if (d.decision === 'accept') {
      await money.acceptDisputeLiability({ workflowId: c.workflowId, disputeId: c.disputeId, round: c.round });
      c.resolution = 'accepted';
      await close(c, 'lost', now);
      return;
    }
    const r = await money.submitDisputeEvidenceOnce({
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
    if (r.result === 'submitted_outside') c.flag('submitted_outside');
    markSubmitted(c, now, r.submissionCount, r.result === 'submitted_outside');
    c.resolution = 'contested';
    await tell(c, c.tier, 'submitted', `Evidence for dispute ${c.disputeId} submitted (round ${c.round})`, now);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // A refused submission leaves the round undecided and goes to finance/legal, who must decide again.
    c.lastErrorCode = errorCode(err);
    c.decision = undefined;
    c.tier = 'finance_legal';
    c.refreshWorkingState();
    await tell(
      c,
      'finance_legal',
      'action_failed',
      `Acting on the ${d.decision} decision for dispute ${c.disputeId} failed (${c.lastErrorCode}); decide again`,
      now,
    );
  }
}

function markSubmitted(c: CaseModel, now: number, pspSubmissionCount: number, alreadySubmitted: boolean): void {
  c.state = 'submitted';
  c.submissions.push({ round: c.round, at: iso(now), pspSubmissionCount, alreadySubmitted });
  c.nextPollAt = now + c.policy.outcomePollDays * DAY;
}

async function close(c: CaseModel, outcome: 'won' | 'lost', now: number): Promise<void> {
  c.state = outcome;
  c.outcome = outcome;
  c.closedAt = now;
  c.nextPollAt = undefined;
  await syncLedger(c);
  await tell(
    c,
    c.tier,
    `closed_${outcome}`,
    `Dispute ${c.disputeId} closed as ${outcome}${c.resolution ? ` (${c.resolution})` : ''}`,
    now,
  );
}

/** Moves the disputed money to where the case state says it belongs: held, released (won) or written off (lost). */
export async function syncLedger(c: CaseModel): Promise<void> {
  if (!c.facts) return;
  const target = targetPosition(c.state);
  if (target === c.ledgerPosition) return;
  const step = `ledger-${++c.ledgerMoves}-${target}`;
  await books.moveDisputedFunds({
    postingId: idempotencyKey(c.workflowId, step),
    disputeId: c.disputeId,
    from: c.ledgerPosition,
    to: target,
    amount: c.facts.amount,
  });
  c.ledgerPosition = target;
}

/** Runs what the case's own clock asks for: a milestone alarm, an outcome poll, a facts look-up, or the end. */
export async function onWake(
  c: CaseModel,
  wake: NonNullable<ReturnType<CaseModel['nextWake']>>,
  now: number,
): Promise<void> {
  if (wake.kind === 'alarm') return onMilestoneAlarm(c, wake.alarm, now);
  if (wake.kind === 'close') {
    c.finished = true;
    return;
  }
  if (wake.kind === 'poll') c.nextPollAt = now + c.policy.outcomePollDays * DAY;
  else c.lookupAt = now + 60 * 60_000;
  await pollPsp(c, now, wake.kind);
}

async function pollPsp(c: CaseModel, now: number, why: 'lookup' | 'poll'): Promise<void> {
  try {
    const d = await poll.getDisputeFacts({ disputeId: c.disputeId });
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
    c.inbox.push(e);
  } catch (err) {
    c.lastErrorCode = errorCode(err);
  }
}

async function onMilestoneAlarm(c: CaseModel, alarm: Alarm, now: number): Promise<void> {
  c.fired.add(alarm.key);
  const m = c.milestone(alarm.milestone);
  if (!m) return;
  const progress = c.progress();
  const action = onAlarm(
    alarm,
    m,
    { ...progress, tier: c.tier, hasEvidence: Object.keys(c.evidence).length > 0, now },
    c.policy,
  );
  if (alarm.kind === 'milestone') c.missed.set(`r${c.round}:${m.name}`, action.type === 'none' ? 'met' : 'missed');
  switch (action.type) {
    case 'remind':
      return tell(
        c,
        action.tier,
        'reminder',
        `Reminder: dispute ${c.disputeId} milestone ${action.milestone} is due ${iso(action.milestoneAt)}`,
        now,
        { milestone: action.milestone },
      );
    case 'escalate':
      c.tier = action.to;
      return tell(
        c,
        action.to,
        'escalated',
        `Dispute ${c.disputeId} handed from ${action.from} to ${action.to}: milestone ${action.milestone} passed unmet`,
        now,
        { milestone: action.milestone, from: action.from },
      );
    case 'final_warning':
      return tell(
        c,
        action.tier,
        'final_warning',
        `Dispute ${c.disputeId}: no decision yet; at the deadline the default (${action.default}) applies`,
        now,
        { milestone: m.name },
      );
    case 'apply_default':
      c.recordDecision(
        {
          decision: action.decision,
          by: 'system',
          tier: c.tier,
          note: `deadline default (${c.policy.deadlineDefault})`,
        },
        now,
        true,
      );
      return;
    default:
      return;
  }
}

async function tell(
  c: CaseModel,
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
    // Notifications must not block the money side of the case.
    log.warn('dispute notification failed', { kind, error: errorCode(err) });
  }
}

/** Search attributes and current details: what the case waits on and when it escalates next. */
export function publish(c: CaseModel, now: number): void {
  c.refreshAwaiting(now);
  const a = c.awaiting();
  const next = c.nextWake();
  const deadline = !isTerminal(c.state) && next?.kind === 'alarm' ? new Date(next.at) : null;
  const pairs: SearchAttributeUpdatePair[] = [
    { key: SA.DisputeState, value: c.state },
    { key: SA.EscalationTier, value: c.tier },
    { key: SA.AwaitingActor, value: a.actor },
    { key: SA.AwaitingSince, value: new Date(a.since) },
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
  const fingerprint = JSON.stringify(pairs.map((p) => [p.key.name, p.value]));
  if (fingerprint !== c.publishedAttributes) {
    c.publishedAttributes = fingerprint;
    upsertSearchAttributes(pairs);
  }
  setCurrentDetails(`**Dispute ${c.disputeId}** · ${c.state} · round ${c.round} · ${c.tier}\n\n${c.waitingOn(now)}`);
}

function errorCode(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.type ?? 'ApplicationFailure';
  return cause instanceof Error ? cause.name : 'unknown';
}
