import type { Refusal } from '../shared/failures';
import {
  OPEN_PSP,
  OPEN_STATES,
  pspDisputeStatusSchema,
  REVIEW_PSP,
  type DisputeFacts,
  type DisputePolicy,
  type DisputeRefusalCode,
  type DisputeState,
  type EscalationTier,
  type EvidenceField,
  type LedgerPosition,
  type MilestoneName,
  type PspDisputeEvent,
  type PspDisputeStatus,
} from './contract';

/** Pure decisions of a dispute case: milestones, escalation, transitions, event ordering. No I/O, no clock. */

const HOUR = 3_600_000;
const MINUTE = 60_000;

export const TIERS: readonly EscalationTier[] = ['tier1', 'tier2', 'finance_legal'];
const rank = (t: EscalationTier) => TIERS.indexOf(t);
export const higherTier = (a: EscalationTier, b: EscalationTier): EscalationTier => (rank(a) >= rank(b) ? a : b);

export const isTerminal = (s: DisputeState) => s === 'won' || s === 'lost';

export interface Milestone {
  name: MilestoneName;
  at: number;
  /** `evidence`: the draft is complete; `decision`: someone decided contest or accept. */
  requires: 'evidence' | 'decision';
  /** Tier the case is handed to when the milestone passes unmet. */
  escalateTo?: EscalationTier;
}

/** Milestones of one round, from the PSP's due date. */
export function milestonesFor(dueByMs: number, p: DisputePolicy): Milestone[] {
  return [
    { name: 'draft', at: dueByMs - p.draftLeadHours * HOUR, requires: 'evidence', escalateTo: 'tier2' },
    { name: 'review', at: dueByMs - p.reviewLeadHours * HOUR, requires: 'decision', escalateTo: 'finance_legal' },
    { name: 'final', at: dueByMs - p.finalLeadHours * HOUR, requires: 'decision' },
    { name: 'deadline', at: dueByMs - p.deadlineMarginMinutes * MINUTE, requires: 'decision' },
  ];
}

export interface Alarm {
  /** Unique per round and due date, so a moved due date brings fresh alarms. */
  key: string;
  at: number;
  kind: 'remind' | 'milestone';
  milestone: MilestoneName;
}

/** Every timer of a round: a reminder before each human milestone, then the milestone itself. */
export function alarmsFor(milestones: Milestone[], p: DisputePolicy, round: number): Alarm[] {
  const alarms: Alarm[] = [];
  for (const m of milestones) {
    const prefix = `r${round}:${m.name}:${m.at}`;
    if (m.name !== 'deadline')
      alarms.push({
        key: `${prefix}:remind`,
        at: m.at - p.reminderLeadHours * HOUR,
        kind: 'remind',
        milestone: m.name,
      });
    alarms.push({ key: `${prefix}:milestone`, at: m.at, kind: 'milestone', milestone: m.name });
  }
  return alarms.sort((a, b) => a.at - b.at);
}

/** The earliest alarm not fired yet. */
export function nextAlarm(alarms: Alarm[], fired: ReadonlySet<string>): Alarm | undefined {
  return alarms.find((a) => !fired.has(a.key));
}

export interface Progress {
  evidenceComplete: boolean;
  decided: boolean;
}

export const milestoneMet = (m: Milestone, p: Progress) =>
  m.requires === 'evidence' ? p.evidenceComplete || p.decided : p.decided;

export type AlarmAction =
  | { type: 'none' }
  | { type: 'remind'; tier: EscalationTier; milestone: MilestoneName; milestoneAt: number }
  | { type: 'escalate'; from: EscalationTier; to: EscalationTier; milestone: MilestoneName }
  | { type: 'final_warning'; tier: EscalationTier; default: 'contest' | 'accept' }
  | { type: 'apply_default'; decision: 'contest' | 'accept' };

/** What to do when an alarm fires, given the case's progress. */
export function onAlarm(
  alarm: Alarm,
  milestone: Milestone,
  c: Progress & { tier: EscalationTier; hasEvidence: boolean; now: number },
  p: DisputePolicy,
): AlarmAction {
  if (milestoneMet(milestone, c)) return { type: 'none' };
  if (alarm.kind === 'remind') {
    // A reminder overtaken by its milestone (case opened late) would only be noise.
    return milestone.at <= c.now
      ? { type: 'none' }
      : { type: 'remind', tier: c.tier, milestone: milestone.name, milestoneAt: milestone.at };
  }
  if (milestone.name === 'deadline') return { type: 'apply_default', decision: deadlineDecision(p, c.hasEvidence) };
  if (milestone.name === 'final')
    return { type: 'final_warning', tier: c.tier, default: deadlineDecision(p, c.hasEvidence) };
  const to = milestone.escalateTo ?? c.tier;
  if (rank(to) > rank(c.tier)) return { type: 'escalate', from: c.tier, to, milestone: milestone.name };
  return { type: 'remind', tier: c.tier, milestone: milestone.name, milestoneAt: milestone.at };
}

/** The configured default; submitting nothing at all is pointless, so an empty case is accepted instead. */
export function deadlineDecision(p: DisputePolicy, hasEvidence: boolean): 'contest' | 'accept' {
  return p.deadlineDefault === 'submit' && hasEvidence ? 'contest' : 'accept';
}

const REQUIRED_EVIDENCE: Record<string, EvidenceField[]> = {
  product_not_received: ['product_description', 'shipping_carrier', 'shipping_tracking_number'],
  fraudulent: ['product_description', 'customer_communication'],
  product_unacceptable: ['product_description', 'customer_communication'],
  subscription_canceled: ['cancellation_rebuttal'],
  credit_not_processed: ['refund_refusal_explanation'],
  duplicate: ['duplicate_charge_explanation'],
};
const DEFAULT_REQUIRED: EvidenceField[] = ['product_description'];

/** Evidence the draft needs for the PSP's reason code before it can go to review. */
export function missingEvidence(reason: string | undefined, present: readonly string[]): EvidenceField[] {
  const required = (reason && REQUIRED_EVIDENCE[reason]) || DEFAULT_REQUIRED;
  return required.filter((f) => !present.includes(f));
}

/** The working state while no decision is made: pre-arbitration keeps its own name so lists can find it. */
export function workingState(round: number, gathering: boolean, missing: number): DisputeState {
  if (round > 1) return 'pre_arbitration';
  return gathering || missing > 0 ? 'gathering_evidence' : 'in_review';
}

export interface CaseFacts {
  state: DisputeState;
  tier: EscalationTier;
  decidedThisRound: boolean;
  evidenceCount: number;
}

/*
 * The rules of the staff commands: each returns a refusal (a code of `disputeRefusals`, in `contract.ts`, and words
 * for people) or nothing when the command is allowed.
 */

/** Whether a decision is allowed now. Checked in the update validator, before history. */
export function refuseDecision(
  c: CaseFacts,
  d: { decision: 'contest' | 'accept'; tier: EscalationTier },
): Refusal<DisputeRefusalCode> | undefined {
  if (!OPEN_STATES.has(c.state)) return refused('not_open', `the case is ${c.state}; a decision is no longer possible`);
  if (c.decidedThisRound) return refused('already_decided', 'a decision was already made for this round');
  if (rank(d.tier) < rank(c.tier))
    return refused('tier_too_low', `the case was handed to ${c.tier}; a ${d.tier} decision is not enough`);
  if (d.decision === 'accept' && d.tier === 'tier1')
    return refused('accept_needs_tier2', 'accepting liability needs tier2 or finance_legal');
  if (d.decision === 'contest' && c.evidenceCount === 0)
    return refused('no_evidence', 'there is no evidence to submit yet');
  return undefined;
}

/** Whether the case may be assigned at that tier: never once closed, never down a tier. */
export function refuseAssignment(c: CaseFacts, a: { tier: EscalationTier }): Refusal<DisputeRefusalCode> | undefined {
  if (isTerminal(c.state)) return refused('case_closed', `the case is ${c.state}`);
  if (rank(a.tier) < rank(c.tier))
    return refused('tier_down', `the case is with ${c.tier}; it never goes back down a tier`);
  return undefined;
}

/** Whether evidence may change: only while the case is worked and the round is undecided. */
export function refuseEvidence(c: CaseFacts): Refusal<DisputeRefusalCode> | undefined {
  if (!OPEN_STATES.has(c.state)) return refused('not_open', `the case is ${c.state}; evidence can no longer change`);
  if (c.decidedThisRound)
    return refused('already_decided', 'a decision was already made for this round; evidence is frozen');
  return undefined;
}

const refused = (code: DisputeRefusalCode, message: string): Refusal<DisputeRefusalCode> => ({ code, message });

/** The outcome a final PSP status means for the case. */
export const OUTCOME_OF: Partial<Record<PspDisputeStatus, 'won' | 'lost'>> = {
  won: 'won',
  prevented: 'won',
  lost: 'lost',
  warning_closed: 'lost',
};

export type EventVerdict =
  | { type: 'duplicate' }
  | { type: 'stale' }
  | { type: 'outcome'; outcome: 'won' | 'lost' }
  /** Pre-arbitration; `closedAs` when the outcome before it was never seen (reordered webhooks). */
  | { type: 'reopen'; closedAs?: 'won' | 'lost' }
  | { type: 'submitted_outside' }
  | { type: 'update' };

/**
 * Where a webhook fits. Events carry the whole dispute, so only the newest counts: an older one (by the PSP's
 * creation time) changes nothing; once closed, only a reopen (pre-arbitration) or a later, different outcome does.
 * Stripe times events to the second, so ties are broken by meaning: a reopen names the outcome it reopens
 * (`previous_attributes.status`), and an outcome no newer than the last reopen belongs to the round before.
 */
export function classifyEvent(
  c: {
    seen: ReadonlySet<string>;
    lastAppliedAt?: number;
    lastReopenAt?: number;
    state: DisputeState;
    submittedThisRound: boolean;
    outcome?: 'won' | 'lost';
  },
  e: PspDisputeEvent,
): EventVerdict {
  if (c.seen.has(e.eventId)) return { type: 'duplicate' };
  const at = Date.parse(e.createdAt);
  const older = c.lastAppliedAt !== undefined && at < c.lastAppliedAt;
  const newer = c.lastAppliedAt === undefined || at > c.lastAppliedAt;
  const outcome = OUTCOME_OF[e.status];
  const reopened = OPEN_PSP.has(e.status) && e.previousStatus !== undefined ? OUTCOME_OF[e.previousStatus] : undefined;
  if (isTerminal(c.state)) {
    if (OPEN_PSP.has(e.status) && !older && (reopened !== undefined || newer)) return { type: 'reopen' };
    if (outcome && newer && outcome !== c.outcome) return { type: 'outcome', outcome };
    return { type: 'stale' };
  }
  if (older) return { type: 'stale' };
  if (reopened) return { type: 'reopen', closedAs: reopened };
  if (outcome)
    return c.lastReopenAt !== undefined && at <= c.lastReopenAt ? { type: 'stale' } : { type: 'outcome', outcome };
  if (REVIEW_PSP.has(e.status) && !c.submittedThisRound) return { type: 'submitted_outside' };
  return { type: 'update' };
}

/** The PSP's answer when asked for the dispute, or why it could not be asked (`code`). */
export type PspAnswer = { facts: DisputeFacts } | { code: string };

export type Confirmation =
  | { type: 'confirmed'; event: PspDisputeEvent }
  | { type: 'unconfirmed'; claimed: PspDisputeStatus; pspStatus?: string; code?: string };

/**
 * Whether the PSP confirms a webhook (a signal anyone with namespace access can send), and the event the case applies:
 * the PSP's own facts (status, amount, due date, reason, submission count), never the event's, at the PSP's read
 * time or earlier (a creation time in the future would make every later, genuine event look stale). Not confirmed:
 * the PSP does not know the dispute, could not be asked, or does not hold the outcome or reopen the event claims (a
 * reopen of a case that never closed also needs a submission the round has not seen: else nothing was decided).
 */
export function confirmByPsp(
  e: PspDisputeEvent,
  answer: PspAnswer,
  c: { terminal: boolean; baselineSubmissionCount: number; readAt: number },
): Confirmation {
  const claimed = e.status;
  if ('code' in answer) return { type: 'unconfirmed', claimed, code: answer.code };
  const p = answer.facts;
  const parsed = pspDisputeStatusSchema.safeParse(p.status);
  const status = parsed.success ? parsed.data : undefined;
  if (!status || p.disputeId !== e.disputeId || !p.dueBy) return { type: 'unconfirmed', claimed, pspStatus: p.status };
  const claimsOutcome = OUTCOME_OF[claimed] !== undefined;
  const claimsReopen = OPEN_PSP.has(claimed) && e.previousStatus !== undefined && !!OUTCOME_OF[e.previousStatus];
  const holdsOutcome = OUTCOME_OF[status] !== undefined;
  const unconfirmed =
    (claimsOutcome && !holdsOutcome) ||
    (claimsReopen && (!OPEN_PSP.has(status) || (!c.terminal && p.submissionCount <= c.baselineSubmissionCount)));
  if (unconfirmed) return { type: 'unconfirmed', claimed, pspStatus: p.status };
  const createdAt = Math.min(Date.parse(e.createdAt), c.readAt);
  return {
    type: 'confirmed',
    event: {
      ...e,
      createdAt: new Date(createdAt).toISOString(),
      status,
      dueBy: p.dueBy,
      amount: p.amount,
      reason: p.reason,
      submissionCount: p.submissionCount,
      ...(p.orderId ? { orderId: p.orderId } : {}),
    },
  };
}

/** Where the disputed money should sit for a case state. */
export function targetPosition(state: DisputeState): LedgerPosition {
  if (state === 'won') return 'released';
  if (state === 'lost') return 'written_off';
  return 'held';
}

/** Who the case waits on, for the AwaitingActor search attribute. */
export function awaitingActor(state: DisputeState, tier: EscalationTier): 'ops' | 'finance' | 'psp' | 'none' {
  if (isTerminal(state)) return 'none';
  if (state === 'submitted') return 'psp';
  return tier === 'finance_legal' ? 'finance' : 'ops';
}
