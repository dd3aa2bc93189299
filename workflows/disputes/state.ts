import type { Money } from '../shared/money';
import { AcceptedAssertions } from '../shared/command-assertion';
import { Retrying } from '../shared/retrying';
import { patched } from '@temporalio/workflow';
import { VisibleState, type Shown } from '../shared/visible-state';
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

/** `LastErrorCode` of a case that got a PSP event the PSP did not confirm. */
export const UNCONFIRMED = 'psp_event_unconfirmed';

/**
 * Cases started since this patch show every change in the workflow task that made it (`VisibleState` per-task: each
 * transition calls `changed()`); older histories publish at the loop's points and on a retry notice
 * (`publishAsRecorded`).
 */
export const PUBLISH_PATCH = 'dispute-publish-per-task';

const iso = (ms: number) => new Date(ms).toISOString();

/** The case's own fields, held privately: others read them through the getters, transitions write them. */
interface CaseFields {
  state: DisputeState;
  /** 1 for the chargeback, 2+ for each pre-arbitration round. */
  round: number;
  facts?: { dueBy: number; amount: Money; reason: string; orderId?: string; pspStatus: PspDisputeStatus };
  /** The PSP's submission count when the round began: a higher one means someone else submitted. */
  baselineSubmissionCount: number;
  tier: EscalationTier;
  assignee?: string;
  /** Since when the case waits on its current actor, tier and round (`awaitingKey`); moved just before a flush. */
  awaitingSince: number;
  awaitingKey: string;
  decision?: DisputeCaseView['decision'];
  /** A decision was recorded and not yet acted on. */
  decisionPending: boolean;
  submissions: DisputeCaseView['submissions'];
  outcome?: 'won' | 'lost';
  resolution?: 'contested' | 'accepted';
  ledgerPosition: LedgerPosition;
  flags: ReadonlySet<Flag>;
  compensations: readonly OrderCompensation[];
  /** Who wrote each evidence field by hand (case-folded subject), last writer per field. */
  evidenceBy: Readonly<Partial<Record<EvidenceField, string>>>;
  lastErrorCode?: string;
  /** PSP events the PSP did not confirm (nothing was booked for them), oldest first. */
  unconfirmed: readonly UnconfirmedEvent[];
  milestones: readonly Milestone[];
  /** The case has its facts and has been opened (money held, teams told, evidence asked for). */
  opened: boolean;
  /** The reopen window has passed: the workflow completes. */
  finished: boolean;
}

/**
 * One dispute case in memory. Its fields are private (read through the getters below); every change is one of its
 * transition methods, and the sub-states (`evidence-file.ts`, `case-clock.ts`, `psp-events.ts`, `books.ts`) change
 * only from here. It answers `getState` and shows itself to ops through one {@link VisibleState}: since
 * `PUBLISH_PATCH` every transition ends with `changed()` and the flush runs once per workflow task, so the story never
 * publishes; histories recorded before keep their publish points (`publishAsRecorded`). Deterministic: time comes in
 * as `now`, or is workflow time (`Date.now()`).
 */
export class CaseState implements Shown<DisputeCaseView> {
  private readonly f: CaseFields;
  private readonly visible: VisibleState<DisputeCaseView>;
  private readonly events = new PspEvents();
  private readonly file = new EvidenceFile();
  private readonly clock: CaseClock;
  private readonly books = new PendingBooks();
  private readonly moves = new LedgerMoves();
  /** Set by handlers and the background evidence reads; the main loop wakes on it. */
  private dirty = false;
  /** The command assertions this run accepted (each is accepted once). */
  readonly accepted = new AcceptedAssertions();
  /** An activity retrying past the threshold (handlers register its signals); it belongs to the current state. */
  readonly retrying = new Retrying(() => this.f.state);

  constructor(
    readonly disputeId: string,
    readonly workflowId: string,
    readonly policy: DisputePolicy,
    now: number,
  ) {
    this.f = {
      state: 'opened',
      round: 1,
      baselineSubmissionCount: 0,
      tier: 'tier1',
      awaitingSince: now,
      awaitingKey: '',
      decisionPending: false,
      submissions: [],
      ledgerPosition: 'none',
      flags: new Set<Flag>(),
      compensations: [],
      evidenceBy: {},
      unconfirmed: [],
      milestones: [],
      opened: false,
      finished: false,
    };
    this.clock = new CaseClock(policy, now);
    this.visible = new VisibleState<DisputeCaseView>(
      this,
      [getStateQuery],
      patched(PUBLISH_PATCH) ? 'per-task' : 'recorded',
    );
    // The case shows itself from its first task (before the patch: the loop's first publish point).
    this.visible.changed();
  }

  get state(): DisputeState {
    return this.f.state;
  }
  get round(): number {
    return this.f.round;
  }
  get facts(): CaseFields['facts'] {
    return this.f.facts;
  }
  get baselineSubmissionCount(): number {
    return this.f.baselineSubmissionCount;
  }
  get tier(): EscalationTier {
    return this.f.tier;
  }
  get assignee(): string | undefined {
    return this.f.assignee;
  }
  get awaitingSince(): number {
    return this.f.awaitingSince;
  }
  get decision(): DisputeCaseView['decision'] | undefined {
    return this.f.decision;
  }
  get submissions(): DisputeCaseView['submissions'] {
    return this.f.submissions;
  }
  get outcome(): 'won' | 'lost' | undefined {
    return this.f.outcome;
  }
  get resolution(): 'contested' | 'accepted' | undefined {
    return this.f.resolution;
  }
  get ledgerPosition(): LedgerPosition {
    return this.f.ledgerPosition;
  }
  get flags(): ReadonlySet<Flag> {
    return this.f.flags;
  }
  get compensations(): readonly OrderCompensation[] {
    return this.f.compensations;
  }
  get evidenceBy(): Readonly<Partial<Record<EvidenceField, string>>> {
    return this.f.evidenceBy;
  }
  get lastErrorCode(): string | undefined {
    return this.f.lastErrorCode;
  }
  get unconfirmed(): readonly UnconfirmedEvent[] {
    return this.f.unconfirmed;
  }
  get milestones(): readonly Milestone[] {
    return this.f.milestones;
  }
  get opened(): boolean {
    return this.f.opened;
  }
  get finished(): boolean {
    return this.f.finished;
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
    return this.f.decision !== undefined && this.f.decision.round === this.f.round;
  }
  get submittedThisRound(): boolean {
    return this.f.submissions.some((s) => s.round === this.f.round);
  }
  /** Something changed since the pass began (a handler, an evidence read) or events wait: run another pass. */
  get hasNews(): boolean {
    return this.dirty || this.events.waiting;
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
    return this.file.missingEvidence(this.f.facts?.reason);
  }
  milestoneStatus(m: Milestone): MilestoneStatus {
    return this.clock.recordedStatus(this.round, m) ?? (milestoneMet(m, this.progress()) ? 'met' : 'pending');
  }
  nextWake(): Wake | undefined {
    const decisionPending = this.f.decisionPending;
    return this.clock.nextWake({ hasFacts: !!this.f.facts, state: this.f.state, decisionPending });
  }
  /** Where a webhook would fit, not counted yet: only an event that would change the case is checked at the PSP. */
  peek(e: PspDisputeEvent): EventVerdict {
    const { state, submittedThisRound, outcome } = this;
    return this.events.peek(e, { state, submittedThisRound, outcome });
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

  /*
   * Transitions. Each ends with `this.visible.changed()` (a no-op before `PUBLISH_PATCH`): the one flush of the
   * workflow task shows what changed.
   */

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
    this.visible.changed();
  }
  takeInbox(): Inbound[] {
    return this.events.take();
  }
  startPass(): void {
    this.dirty = false;
  }
  /**
   * The PSP did not confirm a webhook: nothing changes but what ops see (the flag, the event listed, `LastErrorCode`
   * `psp_event_unconfirmed`); the event counts as ignored.
   */
  eventUnconfirmed(u: Omit<UnconfirmedEvent, 'at'>, now: number): void {
    this.events.reject(u.eventId);
    this.f.unconfirmed = [...this.f.unconfirmed, { ...u, at: iso(now) }];
    this.f.lastErrorCode = UNCONFIRMED;
    this.flag('unconfirmed_event');
    this.visible.changed();
  }

  /** Where a webhook fits (see `classifyEvent`); counts it as applied or ignored. The caller applies the verdict. */
  receive(e: PspDisputeEvent): EventVerdict {
    const { state, submittedThisRound, outcome } = this;
    const verdict = this.events.receive(e, { state, submittedThisRound, outcome });
    this.visible.changed();
    return verdict;
  }

  /** A webhook that only brings facts; before the case opens it also sets the round's submission baseline. */
  update(e: PspDisputeEvent): void {
    this.adoptFacts(e);
    if (!this.f.opened) this.f.baselineSubmissionCount = e.submissionCount;
    this.visible.changed();
  }

  /** Pre-arbitration: a new round with fresh milestones, the outcome cleared, and at least tier 2 in charge. */
  reopen(e: PspDisputeEvent): void {
    this.events.reopened(e);
    this.f.round += 1;
    this.adoptFacts(e, true);
    this.f.baselineSubmissionCount = e.submissionCount;
    this.f.state = 'pre_arbitration';
    this.f.outcome = undefined;
    this.f.resolution = undefined;
    this.f.tier = higherTier(this.f.tier, 'tier2');
    this.clock.reopened();
    this.visible.changed();
  }

  /** Takes the dispute's facts from the PSP; a moved due date (or a new round) brings fresh milestones. */
  adoptFacts(e: Pick<PspDisputeEvent, 'dueBy' | 'amount' | 'reason' | 'orderId' | 'status'>, newRound = false): void {
    const dueBy = Date.parse(e.dueBy);
    const moved = newRound || this.f.facts?.dueBy !== dueBy;
    const orderId = e.orderId ?? this.f.facts?.orderId;
    this.f.facts = { dueBy, amount: e.amount, reason: e.reason, orderId, pspStatus: e.status };
    if (moved) {
      const milestones = milestonesFor(dueBy, this.policy);
      this.f.milestones = milestones;
      this.clock.setAlarms(alarmsFor(milestones, this.policy, this.f.round));
    }
    this.visible.changed();
  }

  close(outcome: 'won' | 'lost', now: number, resolution?: 'accepted'): void {
    this.f.state = outcome;
    this.f.outcome = outcome;
    if (resolution) this.f.resolution = resolution;
    this.clock.closed(now);
    this.visible.changed();
  }

  /** Evidence went to the PSP this round (by us, or `outside` by someone else); the case now polls for the outcome. */
  markSubmitted(now: number, pspSubmissionCount: number, outside: boolean): void {
    if (outside) this.flag('submitted_outside');
    const submission = { round: this.f.round, at: iso(now), pspSubmissionCount, alreadySubmitted: outside };
    this.f.state = 'submitted';
    this.f.submissions = [...this.f.submissions, submission];
    this.clock.submitted(now);
    this.visible.changed();
  }

  open(): void {
    this.f.opened = true;
    this.visible.changed();
  }
  noteCompensations(compensations: OrderCompensation[]): void {
    this.f.compensations = compensations;
    if (compensations.length > 0) this.flag('compensated_order');
    this.visible.changed();
  }
  startGathering(): void {
    this.file.startGathering();
    this.refreshWorkingState();
    this.visible.changed();
  }
  /** Without an order ID there is nothing to look up: ops fill in the evidence by hand. */
  noOrderId(): void {
    this.flag('no_order_id');
    this.file.noOrderId();
    this.refreshWorkingState();
    this.visible.changed();
  }
  /** One source answered (`undefined`: it failed); what ops wrote by hand is never overwritten. */
  sourceRead(source: EvidenceSource, r: { found: boolean; evidence: Evidence } | undefined): void {
    this.file.sourceRead(source, r);
    this.dirty = true;
    this.visible.changed();
  }
  gatheringDone(): void {
    this.file.gatheringDone();
    this.refreshWorkingState();
    this.dirty = true;
    this.visible.changed();
  }
  /** Ops wrote a field by hand; `by` (the sender's subject) is absent only in histories recorded before it was kept. */
  addEvidence(field: EvidenceField, text: string, by?: string): void {
    this.file.addEvidence(field, text);
    if (by !== undefined) this.f.evidenceBy = { ...this.f.evidenceBy, [field]: by };
    this.refreshWorkingState();
    this.dirty = true;
    this.visible.changed();
  }

  assign(a: { assignee: string; tier: EscalationTier }): void {
    this.f.assignee = a.assignee;
    this.f.tier = a.tier;
    this.dirty = true;
    this.visible.changed();
  }
  escalate(to: EscalationTier): void {
    this.f.tier = to;
    this.visible.changed();
  }
  recordDecision(d: CaseDecision, now: number, byDefault: boolean): void {
    this.f.decision = { ...d, at: iso(now), round: this.f.round, byDefault };
    this.f.decisionPending = true;
    this.dirty = true;
    this.visible.changed();
  }
  /** The deadline passed undecided: the policy's default decides, in the name of the system. */
  applyDefault(decision: 'contest' | 'accept', now: number): void {
    const note = `deadline default (${this.policy.deadlineDefault})`;
    this.recordDecision({ decision, by: 'system', tier: this.f.tier, note }, now, true);
  }
  /** The decision to act on, once: later calls return nothing until someone decides again. */
  takeDecision(): NonNullable<CaseFields['decision']> | undefined {
    if (!this.f.decisionPending || !this.f.decision) return undefined;
    this.f.decisionPending = false;
    this.visible.changed();
    return this.f.decision;
  }
  contested(now: number, pspSubmissionCount: number, outside: boolean): void {
    this.markSubmitted(now, pspSubmissionCount, outside);
    this.f.resolution = 'contested';
    this.visible.changed();
  }
  /** The PSP refused to act on the decision: the round is undecided again and goes to finance/legal. */
  refuseAction(code: string): void {
    this.f.lastErrorCode = code;
    this.f.decision = undefined;
    this.f.tier = 'finance_legal';
    this.refreshWorkingState();
    this.visible.changed();
  }
  noteError(code: string): void {
    this.f.lastErrorCode = code;
    this.visible.changed();
  }

  /**
   * The ledger move the state asks for, if any, with its own idempotency key: named by the state it books when
   * `byState()` (asked only when a move is due: the patch check), else numbered (histories recorded before).
   */
  planLedgerMove(byState: () => boolean): LedgerMove | undefined {
    const name = { round: this.f.round, byState };
    const f = this.f.facts;
    return f && this.moves.plan(this.f.ledgerPosition, targetPosition(this.f.state), f.amount, name);
  }
  ledgerMoveStarted(): void {
    this.moves.started();
  }
  ledgerMoved(to: LedgerPosition): void {
    this.moves.landed();
    this.f.ledgerPosition = to;
    this.visible.changed();
  }
  /** A bookkeeping write starts beside the story; the case does not end before it lands. */
  bookkeepingStarted(): void {
    this.books.started();
  }
  /** A round of tries failed (the store is down): shown as `lastErrorCode` and in what the case waits on. */
  bookkeepingFailed(code: string, now: number): void {
    this.books.failed(code, now);
    this.f.lastErrorCode = code;
    this.dirty = true;
    this.visible.changed();
  }
  /** A write landed: the store's error is cleared (unless something else has set another since). */
  bookkeepingLanded(): void {
    const cleared = this.books.landed();
    if (cleared && this.f.lastErrorCode === cleared.code) this.f.lastErrorCode = undefined;
    this.dirty = true;
    this.visible.changed();
  }

  /** Marks the alarm fired and says what to do; a milestone alarm also records whether the milestone was met. */
  fireAlarm(alarm: Alarm, now: number): AlarmAction | undefined {
    const m = this.f.milestones.find((x) => x.name === alarm.milestone);
    const facts = { ...this.progress(), tier: this.f.tier, hasEvidence: this.file.count > 0, now };
    const action = this.clock.fireAlarm(alarm, this.f.round, m, facts);
    this.visible.changed();
    return action;
  }
  /** Sets the next outcome poll or facts look-up before it runs, so a failed one is retried at the next interval. */
  rearm(kind: 'poll' | 'lookup', now: number): void {
    this.clock.rearm(kind, now);
    this.visible.changed();
  }
  finish(): void {
    this.f.finished = true;
    this.visible.changed();
  }
  /** A retry notice came or cleared (the `Retrying` signals): shown at once, the story may be blocked in that very activity. */
  retryNoticed(): void {
    this.visible.changed();
    this.visible.publishAsRecorded();
  }

  /** The publish points of histories recorded before `PUBLISH_PATCH` (the loop's); a no-op since. */
  publishAsRecorded(): void {
    this.visible.publishAsRecorded();
  }
  /**
   * Runs before each flush (and each recorded publish): moves `awaitingSince` when the actor, tier or round changed,
   * here rather than in a transition or a query, so it is the time ops could first see the change.
   */
  beforeFlush(): void {
    const key = `${awaitingActor(this.f.state, this.f.tier)}:${this.f.tier}:${this.f.round}`;
    if (key === this.f.awaitingKey) return;
    this.f.awaitingKey = key;
    this.f.awaitingSince = Date.now();
  }

  private flag(flag: Flag): void {
    this.f.flags = new Set([...this.f.flags, flag]);
  }
  /** The working state follows evidence progress, only while nobody has decided. */
  private refreshWorkingState(): void {
    if (OPEN_STATES.has(this.f.state) && !this.decidedThisRound)
      this.f.state = workingState(this.f.round, this.file.gathering, this.missingEvidence().length);
  }
}
