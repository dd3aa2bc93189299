import type { Money } from '../shared/money';
import { AcceptedAssertions } from '../shared/command-assertion';
import { Retrying } from '../shared/retrying';
import { VisibleState } from '../shared/visible-state';
import {
  getStateQuery,
  OPEN_STATES,
  type CaseDecision,
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
  type UnconfirmedEvent,
} from './contract';
import { LedgerMoves, PendingBooks, type LedgerMove } from './books';
import { CaseClock, type Wake } from './case-clock';
import { EvidenceFile } from './evidence-file';
import {
  alarmsFor,
  awaitingActor,
  higherTier,
  milestoneMet,
  milestonesFor,
  targetPosition,
  workingState,
  type Alarm,
  type AlarmAction,
  type CaseFacts,
  type EventVerdict,
  type Milestone,
  type Progress,
} from './policy';
import { PspEvents, type Inbound } from './psp-events';
import { caseDetails, caseSearchAttributes, caseView } from './view';

export type Flag = DisputeCaseView['flags'][number];

/**
 * What a dispute case is, and what is derived from it: the fields everyone reads (all `readonly`) and the sub-states
 * (evidence file, clock, PSP events) held privately. Nothing here changes the case: every transition is a method of
 * `CaseState` (below), the one class that extends this record.
 */
abstract class CaseRecord {
  readonly state: DisputeState = 'opened';
  /** 1 for the chargeback, 2+ for each pre-arbitration round. */
  readonly round: number = 1;
  readonly facts?: { dueBy: number; amount: Money; reason: string; orderId?: string; pspStatus: PspDisputeStatus };
  /** The PSP's submission count when the round began: a higher one means someone else submitted. */
  readonly baselineSubmissionCount: number = 0;
  readonly tier: EscalationTier = 'tier1';
  readonly assignee?: string;
  readonly awaitingSince: number;
  readonly decision?: DisputeCaseView['decision'];
  readonly submissions: DisputeCaseView['submissions'] = [];
  readonly outcome?: 'won' | 'lost';
  readonly resolution?: 'contested' | 'accepted';
  readonly ledgerPosition: LedgerPosition = 'none';
  readonly flags: ReadonlySet<Flag> = new Set<Flag>();
  readonly compensations: readonly OrderCompensation[] = [];
  /** Who wrote each evidence field by hand (case-folded subject), last writer per field. */
  readonly evidenceBy: Readonly<Partial<Record<EvidenceField, string>>> = {};
  /** The command assertions this run accepted (each is accepted once). */
  readonly accepted = new AcceptedAssertions();
  readonly lastErrorCode?: string;
  /** PSP events the PSP did not confirm (nothing was booked for them), oldest first. */
  readonly unconfirmed: readonly UnconfirmedEvent[] = [];
  readonly milestones: readonly Milestone[] = [];
  /** The case has its facts and has been opened (money held, teams told, evidence asked for). */
  readonly opened: boolean = false;
  /** The reopen window has passed: the workflow completes. */
  readonly finished: boolean = false;

  /** A decision was recorded and not yet acted on. */
  protected decisionPending = false;
  protected readonly events = new PspEvents();
  protected readonly file = new EvidenceFile();
  protected readonly clock: CaseClock;
  protected readonly books = new PendingBooks();
  /** An activity retrying past the threshold (handlers register its signals); it belongs to the current state. */
  readonly retrying = new Retrying(() => this.state);

  constructor(
    readonly disputeId: string,
    readonly workflowId: string,
    readonly policy: DisputePolicy,
    now: number,
  ) {
    this.awaitingSince = now;
    this.clock = new CaseClock(policy, now);
  }

  get evidence(): Readonly<Evidence> {
    return this.file.evidence;
  }
  get sources(): Readonly<Record<EvidenceSource, EvidenceSourceStatus>> {
    return this.file.sources;
  }
  get eventsApplied(): number {
    return this.events.applied;
  }
  get eventsIgnored(): number {
    return this.events.ignored;
  }
  /** No bookkeeping write is waiting to land (see `steps.ts`). */
  get booksSettled(): boolean {
    return this.books.settled;
  }
  /** The ledger/audit store's error while its writes fail. */
  get storeProblem(): { readonly code: string; readonly since: number } | undefined {
    return this.books.problem;
  }
  get decidedThisRound(): boolean {
    return this.decision !== undefined && this.decision.round === this.round;
  }
  get submittedThisRound(): boolean {
    return this.submissions.some((s) => s.round === this.round);
  }
  /** What the validators' policy checks need. */
  policyFacts(): CaseFacts {
    const evidenceCount = this.file.count;
    return { state: this.state, tier: this.tier, decidedThisRound: this.decidedThisRound, evidenceCount };
  }
  /** How far this round is: evidence complete, decided (what milestones are met by). */
  progress(): Progress {
    return { evidenceComplete: this.missingEvidence().length === 0, decided: this.decidedThisRound };
  }
  missingEvidence(): EvidenceField[] {
    return this.file.missingEvidence(this.facts?.reason);
  }
  milestoneStatus(m: Milestone): MilestoneStatus {
    return this.clock.recordedStatus(this.round, m) ?? (milestoneMet(m, this.progress()) ? 'met' : 'pending');
  }
  nextWake(): Wake | undefined {
    return this.clock.nextWake({ hasFacts: !!this.facts, state: this.state, decisionPending: this.decisionPending });
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The record's own fields, as `CaseState` writes them: its getters read the sub-states and cannot be assigned. */
type RecordFields = Omit<Mutable<CaseRecord>, 'evidence' | 'sources' | 'eventsApplied' | 'eventsIgnored'>;

/** `LastErrorCode` of a case that got a PSP event the PSP did not confirm. */
export const UNCONFIRMED = 'psp_event_unconfirmed';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One dispute case in memory: its transitions. Others read its public fields (declared, with what derives from them,
 * in `CaseRecord` above); every change is one of the methods below, which write through `set()` or the private
 * fields, and the sub-states (`evidence-file.ts`, `case-clock.ts`, `psp-events.ts`, `books.ts`) change only from here.
 * Deterministic: time comes in as `now`.
 */
export class CaseState extends CaseRecord {
  /** `getState` and the search attributes / current details, kept in step by `publish`. */
  private readonly visible = new VisibleState<DisputeCaseView>(this, [getStateQuery], 'recorded');
  private awaitingKey = '';
  private readonly moves = new LedgerMoves();
  /** Set by handlers and the background evidence reads; the main loop wakes on it. */
  private dirty = false;

  /** The one writer of the public fields. */
  private set(patch: Partial<RecordFields>): void {
    Object.assign(this, patch);
  }

  enqueue(e: PspDisputeEvent): void {
    this.events.enqueue(e);
  }
  /** The dispute as the case read it from the PSP (a poll or look-up): applied without asking the PSP again. */
  enqueueFromPsp(e: PspDisputeEvent): void {
    this.events.enqueue(e, true);
  }
  /** Counts a webhook that could not be read or belongs to another dispute. */
  ignoreMalformed(): void {
    this.events.ignoreMalformed();
  }
  takeInbox(): Inbound[] {
    return this.events.take();
  }
  /** Where a webhook would fit, not counted yet: only an event that would change the case is checked at the PSP. */
  peek(e: PspDisputeEvent): EventVerdict {
    const { state, submittedThisRound, outcome } = this;
    return this.events.peek(e, { state, submittedThisRound, outcome });
  }
  /**
   * The PSP did not confirm a webhook: nothing changes but what ops see (the flag, the event listed, `LastErrorCode`
   * `psp_event_unconfirmed`); the event counts as ignored.
   */
  eventUnconfirmed(u: Omit<UnconfirmedEvent, 'at'>, now: number): void {
    this.events.reject(u.eventId);
    this.set({ unconfirmed: [...this.unconfirmed, { ...u, at: iso(now) }], lastErrorCode: UNCONFIRMED });
    this.flag('unconfirmed_event');
  }
  /** Something changed since the pass began (a handler, an evidence read) or events wait: run another pass. */
  get hasNews(): boolean {
    return this.dirty || this.events.waiting;
  }
  startPass(): void {
    this.dirty = false;
  }

  /** Where a webhook fits (see `classifyEvent`); counts it as applied or ignored. The caller applies the verdict. */
  receive(e: PspDisputeEvent): EventVerdict {
    const { state, submittedThisRound, outcome } = this;
    return this.events.receive(e, { state, submittedThisRound, outcome });
  }

  /** A webhook that only brings facts; before the case opens it also sets the round's submission baseline. */
  update(e: PspDisputeEvent): void {
    this.adoptFacts(e);
    if (!this.opened) this.set({ baselineSubmissionCount: e.submissionCount });
  }

  /** Pre-arbitration: a new round with fresh milestones, the outcome cleared, and at least tier 2 in charge. */
  reopen(e: PspDisputeEvent): void {
    this.events.reopened(e);
    this.set({ round: this.round + 1 });
    this.adoptFacts(e, true);
    this.set({
      baselineSubmissionCount: e.submissionCount,
      state: 'pre_arbitration',
      outcome: undefined,
      resolution: undefined,
      tier: higherTier(this.tier, 'tier2'),
    });
    this.clock.reopened();
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
      this.clock.setAlarms(alarmsFor(milestones, this.policy, this.round));
    }
  }

  close(outcome: 'won' | 'lost', now: number, resolution?: 'accepted'): void {
    this.set({ state: outcome, outcome, ...(resolution ? { resolution } : {}) });
    this.clock.closed(now);
  }

  /** Evidence went to the PSP this round (by us, or `outside` by someone else); the case now polls for the outcome. */
  markSubmitted(now: number, pspSubmissionCount: number, outside: boolean): void {
    if (outside) this.flag('submitted_outside');
    const submission = { round: this.round, at: iso(now), pspSubmissionCount, alreadySubmitted: outside };
    this.set({ state: 'submitted', submissions: [...this.submissions, submission] });
    this.clock.submitted(now);
  }

  open(): void {
    this.set({ opened: true });
  }
  noteCompensations(compensations: OrderCompensation[]): void {
    this.set({ compensations });
    if (compensations.length > 0) this.flag('compensated_order');
  }
  startGathering(): void {
    this.file.startGathering();
    this.refreshWorkingState();
  }
  /** Without an order ID there is nothing to look up: ops fill in the evidence by hand. */
  noOrderId(): void {
    this.flag('no_order_id');
    this.file.noOrderId();
    this.refreshWorkingState();
  }
  /** One source answered (`undefined`: it failed); what ops wrote by hand is never overwritten. */
  sourceRead(source: EvidenceSource, r: { found: boolean; evidence: Evidence } | undefined): void {
    this.file.sourceRead(source, r);
    this.dirty = true;
  }
  gatheringDone(): void {
    this.file.gatheringDone();
    this.refreshWorkingState();
    this.dirty = true;
  }
  /** Ops wrote a field by hand; `by` (the sender's subject) is absent only in histories recorded before it was kept. */
  addEvidence(field: EvidenceField, text: string, by?: string): void {
    this.file.addEvidence(field, text);
    if (by !== undefined) this.set({ evidenceBy: { ...this.evidenceBy, [field]: by } });
    this.refreshWorkingState();
    this.dirty = true;
  }

  assign(a: { assignee: string; tier: EscalationTier }): void {
    this.set({ assignee: a.assignee, tier: a.tier });
    this.dirty = true;
  }
  escalate(to: EscalationTier): void {
    this.set({ tier: to });
  }
  recordDecision(d: CaseDecision, now: number, byDefault: boolean): void {
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

  /**
   * The ledger move the state asks for, if any, with its own idempotency key: named by the state it books when
   * `byState()` (asked only when a move is due: the patch check), else numbered (histories recorded before).
   */
  planLedgerMove(byState: () => boolean): LedgerMove | undefined {
    const name = { round: this.round, byState };
    return this.facts && this.moves.plan(this.ledgerPosition, targetPosition(this.state), this.facts.amount, name);
  }
  ledgerMoveStarted(): void {
    this.moves.started();
  }
  ledgerMoved(to: LedgerPosition): void {
    this.moves.landed();
    this.set({ ledgerPosition: to });
  }
  /** A bookkeeping write starts beside the story; the case does not end before it lands. */
  bookkeepingStarted(): void {
    this.books.started();
  }
  /** A round of tries failed (the store is down): shown as `lastErrorCode` and in what the case waits on. */
  bookkeepingFailed(code: string, now: number): void {
    this.books.failed(code, now);
    this.set({ lastErrorCode: code });
    this.dirty = true;
  }
  /** A write landed: the store's error is cleared (unless something else has set another since). */
  bookkeepingLanded(): void {
    const cleared = this.books.landed();
    if (cleared && this.lastErrorCode === cleared.code) this.set({ lastErrorCode: undefined });
    this.dirty = true;
  }

  /** Marks the alarm fired and says what to do; a milestone alarm also records whether the milestone was met. */
  fireAlarm(alarm: Alarm, now: number): AlarmAction | undefined {
    const m = this.milestones.find((x) => x.name === alarm.milestone);
    const facts = { ...this.progress(), tier: this.tier, hasEvidence: this.file.count > 0, now };
    return this.clock.fireAlarm(alarm, this.round, m, facts);
  }
  /** Sets the next outcome poll or facts look-up before it runs, so a failed one is retried at the next interval. */
  rearm(kind: 'poll' | 'lookup', now: number): void {
    this.clock.rearm(kind, now);
  }
  finish(): void {
    this.set({ finished: true });
  }
  /**
   * Shows the case to ops: moves `awaitingSince` when the actor, tier or round changed (here, never in a query), then
   * upserts the search attributes that changed and rewrites the current details.
   */
  publish(now: number): void {
    const key = `${awaitingActor(this.state, this.tier)}:${this.tier}:${this.round}`;
    if (key !== this.awaitingKey) {
      this.awaitingKey = key;
      this.set({ awaitingSince: now });
    }
    this.visible.publishAsRecorded();
  }

  private flag(f: Flag): void {
    this.set({ flags: new Set([...this.flags, f]) });
  }
  /** The working state follows evidence progress, only while nobody has decided. */
  private refreshWorkingState(): void {
    if (OPEN_STATES.has(this.state) && !this.decidedThisRound)
      this.set({ state: workingState(this.round, this.file.gathering, this.missingEvidence().length) });
  }
}
