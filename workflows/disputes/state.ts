import type { Money } from '../shared/money';
import {
  OPEN_STATES,
  type AssignCaseInput,
  type DecideCaseInput,
  type DisputeCaseResult,
  type DisputeCaseView,
  type DisputePolicy,
  type DisputeState,
  type EscalationTier,
  type Evidence,
  type EvidenceField,
  type EvidenceSource,
  type EvidenceSourceStatus,
  type LedgerPosition,
  type MilestoneStatus,
  type OrderCompensation,
  type PspDisputeEvent,
  type PspDisputeStatus,
} from './contract';
import {
  alarmsFor,
  awaitingActor,
  classifyEvent,
  higherTier,
  isTerminal,
  milestoneMet,
  milestonesFor,
  missingEvidence,
  nextAlarm,
  onAlarm,
  targetPosition,
  workingState,
  type Alarm,
  type AlarmAction,
  type CaseFacts,
  type EventVerdict,
  type Milestone,
  type Progress,
} from './policy';
import { caseDetails, caseSearchAttributes, caseView } from './view';

type Flag = DisputeCaseView['flags'][number];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The next moment the case acts on its own, and why. */
export type Wake = { at: number; kind: 'alarm'; alarm: Alarm } | { at: number; kind: 'poll' | 'close' | 'lookup' };

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One dispute case in memory. Others read its public fields (all `readonly`); every change is one of the transition
 * methods below, which write through `set()` or the private fields. Deterministic: time comes in as `now`.
 */
export class CaseState {
  readonly state: DisputeState = 'opened';
  /** 1 for the chargeback, 2+ for each pre-arbitration round. */
  readonly round: number = 1;
  readonly facts?: { dueBy: number; amount: Money; reason: string; orderId?: string; pspStatus: PspDisputeStatus };
  /** The PSP's submission count when the round began: a higher one means someone else submitted. */
  readonly baselineSubmissionCount: number = 0;
  readonly tier: EscalationTier = 'tier1';
  readonly assignee?: string;
  readonly awaitingSince: number;
  readonly evidence: Readonly<Evidence> = {};
  readonly sources: Readonly<Record<EvidenceSource, EvidenceSourceStatus>> = {
    order: 'pending',
    shipment: 'pending',
    communications: 'pending',
  };
  readonly decision?: DisputeCaseView['decision'];
  readonly submissions: DisputeCaseView['submissions'] = [];
  readonly outcome?: 'won' | 'lost';
  readonly resolution?: 'contested' | 'accepted';
  readonly ledgerPosition: LedgerPosition = 'none';
  readonly flags: ReadonlySet<Flag> = new Set<Flag>();
  readonly compensations: readonly OrderCompensation[] = [];
  readonly eventsApplied: number = 0;
  readonly eventsIgnored: number = 0;
  readonly lastErrorCode?: string;
  readonly milestones: readonly Milestone[] = [];
  /** The case has its facts and has been opened (money held, teams told, evidence asked for). */
  readonly opened: boolean = false;
  /** The reopen window has passed: the workflow completes. */
  readonly finished: boolean = false;

  private awaitingKey = '';
  private readonly manualFields = new Set<EvidenceField>();
  private gathering = false;
  private decisionPending = false;
  private ledgerMoves = 0;
  /** What orders PSP events: the IDs seen, the newest applied event and the last reopen (PSP creation times). */
  private readonly order: { seen: Set<string>; lastAppliedAt?: number; lastReopenAt?: number } = { seen: new Set() };
  private closedAt?: number;
  private readonly inbox: PspDisputeEvent[] = [];
  private alarms: Alarm[] = [];
  private readonly fired = new Set<string>();
  private readonly missed = new Map<string, MilestoneStatus>();
  private nextPollAt?: number;
  /** When to ask the PSP for the facts if no webhook brought them (a case started by hand). */
  private lookupAt: number;
  /** Set by handlers and the background evidence reads; the main loop wakes on it. */
  private dirty = false;

  constructor(
    readonly disputeId: string,
    readonly workflowId: string,
    readonly policy: DisputePolicy,
    now: number,
  ) {
    this.awaitingSince = now;
    this.lookupAt = now + 10 * 60_000;
  }

  /** The one writer of the public fields. */
  private set(patch: Partial<Mutable<CaseState>>): void {
    Object.assign(this, patch);
  }

  enqueue(e: PspDisputeEvent): void {
    this.inbox.push(e);
  }
  /** Counts a webhook that could not be read or belongs to another dispute. */
  ignoreMalformed(): void {
    this.set({ eventsIgnored: this.eventsIgnored + 1 });
  }
  takeInbox(): PspDisputeEvent[] {
    return this.inbox.splice(0);
  }
  /** Something changed since the pass began (a handler, an evidence read) or events wait: run another pass. */
  get hasNews(): boolean {
    return this.dirty || this.inbox.length > 0;
  }
  startPass(): void {
    this.dirty = false;
  }

  /** Where a webhook fits (see `classifyEvent`); counts it as applied or ignored. The caller applies the verdict. */
  receive(e: PspDisputeEvent): EventVerdict {
    const { state, submittedThisRound, outcome } = this;
    const verdict = classifyEvent({ ...this.order, state, submittedThisRound, outcome }, e);
    this.order.seen.add(e.eventId);
    if (verdict.type === 'duplicate' || verdict.type === 'stale') {
      this.set({ eventsIgnored: this.eventsIgnored + 1 });
    } else {
      this.set({ eventsApplied: this.eventsApplied + 1 });
      this.order.lastAppliedAt = Math.max(this.order.lastAppliedAt ?? 0, Date.parse(e.createdAt));
    }
    return verdict;
  }

  /** A webhook that only brings facts; before the case opens it also sets the round's submission baseline. */
  update(e: PspDisputeEvent): void {
    this.adoptFacts(e);
    if (!this.opened) this.set({ baselineSubmissionCount: e.submissionCount });
  }

  /** Pre-arbitration: a new round with fresh milestones, the outcome cleared, and at least tier 2 in charge. */
  reopen(e: PspDisputeEvent): void {
    this.order.lastReopenAt = Date.parse(e.createdAt);
    this.set({ round: this.round + 1 });
    this.adoptFacts(e, true);
    this.set({
      baselineSubmissionCount: e.submissionCount,
      state: 'pre_arbitration',
      outcome: undefined,
      resolution: undefined,
      tier: higherTier(this.tier, 'tier2'),
    });
    this.closedAt = undefined;
    this.nextPollAt = undefined;
  }

  /** Takes the dispute's facts from the PSP; a moved due date (or a new round) brings fresh milestones. */
  adoptFacts(e: Pick<PspDisputeEvent, 'dueBy' | 'amount' | 'reason' | 'orderId' | 'status'>, newRound = false): void {
    const dueBy = Date.parse(e.dueBy);
    const moved = newRound || this.facts?.dueBy !== dueBy;
    const orderId = e.orderId ?? this.facts?.orderId;
    this.set({ facts: { dueBy, amount: e.amount, reason: e.reason, orderId, pspStatus: e.status } });
    if (moved) {
      const milestones = milestonesFor(dueBy, this.policy);
      this.set({ milestones });
      this.alarms = alarmsFor(milestones, this.policy, this.round);
    }
  }

  close(outcome: 'won' | 'lost', now: number, resolution?: 'accepted'): void {
    this.set({ state: outcome, outcome, ...(resolution ? { resolution } : {}) });
    this.closedAt = now;
    this.nextPollAt = undefined;
  }

  /** Evidence went to the PSP this round (by us, or `outside` by someone else); the case now polls for the outcome. */
  markSubmitted(now: number, pspSubmissionCount: number, outside: boolean): void {
    if (outside) this.flag('submitted_outside');
    const submission = { round: this.round, at: iso(now), pspSubmissionCount, alreadySubmitted: outside };
    this.set({ state: 'submitted', submissions: [...this.submissions, submission] });
    this.nextPollAt = now + this.policy.outcomePollDays * DAY;
  }

  open(): void {
    this.set({ opened: true });
  }
  noteCompensations(compensations: OrderCompensation[]): void {
    this.set({ compensations });
    if (compensations.length > 0) this.flag('compensated_order');
  }
  startGathering(): void {
    this.gathering = true;
    this.refreshWorkingState();
  }
  /** Without an order ID there is nothing to look up: ops fill in the evidence by hand. */
  noOrderId(): void {
    this.flag('no_order_id');
    this.set({ sources: { order: 'missing', shipment: 'missing', communications: 'missing' } });
    this.refreshWorkingState();
  }
  /** One source answered (`undefined`: it failed); what ops wrote by hand is never overwritten. */
  sourceRead(source: EvidenceSource, r: { found: boolean; evidence: Evidence } | undefined): void {
    this.set({ sources: { ...this.sources, [source]: r ? (r.found ? 'found' : 'missing') : 'failed' } });
    if (r) this.setEvidence(r.evidence, false);
    this.dirty = true;
  }
  gatheringDone(): void {
    this.gathering = false;
    this.refreshWorkingState();
    this.dirty = true;
  }
  addEvidence(field: EvidenceField, text: string): void {
    this.setEvidence({ [field]: text }, true);
    this.refreshWorkingState();
    this.dirty = true;
  }

  assign(a: AssignCaseInput): void {
    this.set({ assignee: a.assignee, tier: a.tier });
    this.dirty = true;
  }
  escalate(to: EscalationTier): void {
    this.set({ tier: to });
  }
  recordDecision(d: DecideCaseInput, now: number, byDefault: boolean): void {
    this.set({ decision: { ...d, at: iso(now), round: this.round, byDefault } });
    this.decisionPending = true;
    this.dirty = true;
  }
  /** The deadline passed undecided: the policy's default decides, in the name of the system. */
  applyDefault(decision: 'contest' | 'accept', now: number): void {
    const note = `deadline default (${this.policy.deadlineDefault})`;
    this.recordDecision({ decision, by: 'system', tier: this.tier, note }, now, true);
  }
  /** The decision to act on, once: later calls return nothing until someone decides again. */
  takeDecision(): NonNullable<CaseState['decision']> | undefined {
    if (!this.decisionPending || !this.decision) return undefined;
    this.decisionPending = false;
    return this.decision;
  }
  contested(now: number, pspSubmissionCount: number, outside: boolean): void {
    this.markSubmitted(now, pspSubmissionCount, outside);
    this.set({ resolution: 'contested' });
  }
  /** The PSP refused to act on the decision: the round is undecided again and goes to finance/legal. */
  refuseAction(code: string): void {
    this.set({ lastErrorCode: code, decision: undefined, tier: 'finance_legal' });
    this.refreshWorkingState();
  }
  noteError(code: string): void {
    this.set({ lastErrorCode: code });
  }

  /** The ledger move the state asks for, if any (numbered, so each posting has its own idempotency key). */
  planLedgerMove(): { step: string; from: LedgerPosition; to: LedgerPosition; amount: Money } | undefined {
    if (!this.facts) return undefined;
    const to = targetPosition(this.state);
    if (to === this.ledgerPosition) return undefined;
    return { step: `ledger-${++this.ledgerMoves}-${to}`, from: this.ledgerPosition, to, amount: this.facts.amount };
  }
  ledgerMoved(to: LedgerPosition): void {
    this.set({ ledgerPosition: to });
  }

  /** Marks the alarm fired and says what to do; a milestone alarm also records whether the milestone was met. */
  fireAlarm(alarm: Alarm, now: number): AlarmAction | undefined {
    this.fired.add(alarm.key);
    const m = this.milestones.find((x) => x.name === alarm.milestone);
    if (!m) return undefined;
    const facts = { ...this.progress(), tier: this.tier, hasEvidence: Object.keys(this.evidence).length > 0, now };
    const action = onAlarm(alarm, m, facts, this.policy);
    if (alarm.kind === 'milestone')
      this.missed.set(`r${this.round}:${m.name}`, action.type === 'none' ? 'met' : 'missed');
    return action;
  }
  /** Sets the next outcome poll or facts look-up before it runs, so a failed one is retried at the next interval. */
  rearm(kind: 'poll' | 'lookup', now: number): void {
    if (kind === 'poll') this.nextPollAt = now + this.policy.outcomePollDays * DAY;
    else this.lookupAt = now + 60 * 60_000;
  }
  finish(): void {
    this.set({ finished: true });
  }
  /** Moves `awaitingSince` when the actor, tier or round changed (called before publishing, never by queries). */
  refreshAwaiting(now: number): void {
    const key = `${awaitingActor(this.state, this.tier)}:${this.tier}:${this.round}`;
    if (key === this.awaitingKey) return;
    this.awaitingKey = key;
    this.set({ awaitingSince: now });
  }

  private flag(f: Flag): void {
    this.set({ flags: new Set([...this.flags, f]) });
  }
  private setEvidence(fields: Evidence, manual: boolean): void {
    const evidence = { ...this.evidence };
    for (const [k, v] of Object.entries(fields) as Array<[EvidenceField, string | undefined]>) {
      if (v === undefined || (!manual && this.manualFields.has(k))) continue;
      evidence[k] = v;
      if (manual) this.manualFields.add(k);
    }
    this.set({ evidence });
  }
  /** The working state follows evidence progress, only while nobody has decided. */
  private refreshWorkingState(): void {
    if (OPEN_STATES.has(this.state) && !this.decidedThisRound)
      this.set({ state: workingState(this.round, this.gathering, this.missingEvidence().length) });
  }

  get decidedThisRound(): boolean {
    return this.decision !== undefined && this.decision.round === this.round;
  }
  get submittedThisRound(): boolean {
    return this.submissions.some((s) => s.round === this.round);
  }
  /** What the validators' policy checks need. */
  policyFacts(): CaseFacts {
    const evidenceCount = Object.keys(this.evidence).length;
    return { state: this.state, tier: this.tier, decidedThisRound: this.decidedThisRound, evidenceCount };
  }
  /** How far this round is: evidence complete, decided (what milestones are met by). */
  progress(): Progress {
    return { evidenceComplete: this.missingEvidence().length === 0, decided: this.decidedThisRound };
  }
  missingEvidence(): EvidenceField[] {
    return missingEvidence(this.facts?.reason, Object.keys(this.evidence));
  }
  milestoneStatus(m: Milestone): MilestoneStatus {
    return this.missed.get(`r${this.round}:${m.name}`) ?? (milestoneMet(m, this.progress()) ? 'met' : 'pending');
  }
  nextWake(): Wake | undefined {
    if (!this.facts) return { at: this.lookupAt, kind: 'lookup' };
    if (isTerminal(this.state)) return { at: (this.closedAt ?? 0) + this.policy.reopenWindowDays * DAY, kind: 'close' };
    if (this.state === 'submitted')
      return this.nextPollAt === undefined ? undefined : { at: this.nextPollAt, kind: 'poll' };
    if (this.decisionPending) return undefined;
    const alarm = nextAlarm(this.alarms, this.fired);
    return alarm ? { at: alarm.at, kind: 'alarm', alarm } : undefined;
  }

  view(): DisputeCaseView {
    return caseView(this, Date.now());
  }
  searchAttributes() {
    return caseSearchAttributes(this);
  }
  details(): string {
    return caseDetails(this, Date.now());
  }
  result(): DisputeCaseResult {
    return {
      disputeId: this.disputeId,
      ...(this.outcome ? { outcome: this.outcome } : {}),
      ...(this.resolution ? { resolution: this.resolution } : {}),
      rounds: this.round,
      ledgerPosition: this.ledgerPosition,
      flags: [...this.flags],
    };
  }
}
