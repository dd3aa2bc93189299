import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { getExternalWorkflowHandle, log, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { AcceptedAssertions } from '../shared/command-assertion';
import type { Currency, Money } from '../shared/money';
import { SA } from '../shared/search-attributes';
import { VisibleState, type Shown } from '../shared/visible-state';
import {
  getPayoutStateQuery,
  getStateQuery,
  reportPayoutOutcomeSignal,
  type AwaitingActor,
  type CreatorPayoutInput,
  type CreatorPayoutResult,
  type OpsAct,
  type PayoutFxLock,
  type PayoutPostingKind,
  type PayoutStateName,
  type PayoutStatus,
  type PayoutTiming,
  type Rail,
  type RailEvent,
  type ResolveAct,
} from './contract';
import { ledgerAfter, type LedgerPosition, type PayoutCarry } from './carry';
import type { ProviderId, RoutedPayout } from '../routing/contract';
import { PayoutNotices } from './notices';
import { isPartialReturn, parkedAfterStart, resolveTiming, runOutcomeOf } from './policy';
import { WaitClock } from './waits';
import { RailEvents, type Claim, type Received } from './rail-events';
import { identityAttributes, payoutDetails, payoutResult, payoutSearchAttributes } from './view';

/**
 * Payouts started since this patch publish once per workflow task, after every change ({@link VisibleState} `per-task`);
 * before, at the points their histories recorded.
 */
export const PUBLISH_PER_TASK_PATCH = 'payout-publish-per-task';

/** Why a wait ended early: an operator cancelled or resolved the payout. */
export type StopRequest = { kind: 'cancel'; command: OpsAct } | { kind: 'resolve'; command: ResolveAct };

export type { LedgerPosition } from './carry';

/** Who must act, why and until when; `sinceMs` keeps the start of a wait that goes on. */
export interface Awaiting {
  actor: AwaitingActor;
  reason: string;
  untilMs?: number;
  sinceMs?: number;
}

/**
 * One payout's state: the `getState` snapshot, the attempt, the ledger position, holds, stop requests, wake-ups and
 * rail events. Every change is a method here. Since `payout-publish-per-task` each method that changes what ops see
 * (the query, the search attributes, the current details) ends with `visible.changed()` and the shared
 * {@link VisibleState} flushes once per workflow task; histories from before publish where they were recorded (each
 * move at once, and the notices), through `publishAsRecorded()`. The story never publishes.
 */
export class Payout implements Shown<PayoutStatus> {
  readonly workflowId = workflowInfo().workflowId;
  /**
   * Payouts started since patch `payout-fewer-commands` upsert only the search attributes whose value changes, once per
   * workflow task, and send the creator's email and the payout event together. Histories recorded before replay the
   * old way: identity upserted once at start, the rail upserted by itself, every state attribute on each change.
   */
  readonly fewerCommands: boolean;
  private readonly status: PayoutStatus;
  private readonly visible: VisibleState<PayoutStatus>;
  private events = new RailEvents();
  private timingNow: Required<PayoutTiming>;
  private ledgerAt: LedgerPosition = 'none';
  private stopRequest: StopRequest | undefined;
  private wakeCount = 0;
  private sentToRail = false;
  private runReport: Promise<void> | undefined;
  /** Retrying activities and a PSP incident pause, as the platform reported them (handlers register its signals). */
  readonly notices = new PayoutNotices(() => this.status);
  /** The command assertions this run accepted (each is accepted once). */
  readonly accepted = new AcceptedAssertions();
  /** Whom the payout waited on, and for how long (its service-level fact; see waits.ts). */
  readonly waits = new WaitClock();
  /** The payout method's country (ISO alpha-2), once known. */
  country: string | undefined;
  /** When the rail confirmed it paid (workflow time), for the latest attempt. */
  paidAtMs: number | undefined;
  /** The reason code of the latest return, if the money came back. */
  returnCode: string | undefined;

  constructor(readonly input: CreatorPayoutInput) {
    this.fewerCommands = patched('payout-fewer-commands');
    const flush = patched(PUBLISH_PER_TASK_PATCH) ? 'per-task' : 'recorded';
    this.timingNow = resolveTiming(undefined, input.timing);
    this.status = {
      payoutId: input.payoutId,
      creatorId: input.creatorId,
      period: input.period,
      amount: input.amount,
      ...(input.runId ? { runId: input.runId } : {}),
      state: 'validating',
      attempt: 1,
      timeline: [],
    };
    if (!this.fewerCommands) upsertSearchAttributes(identityAttributes(input, true));
    this.visible = new VisibleState(
      this,
      [getStateQuery, getPayoutStateQuery],
      flush,
      this.fewerCommands ? 'changed' : 'all',
    );
    this.moveTo('validating');
  }

  get state(): PayoutStateName {
    return this.status.state;
  }
  /** 1 for the first payment; +1 for each re-pay after a return. */
  get attempt(): number {
    return this.status.attempt;
  }
  get rail(): Rail | undefined {
    return this.status.rail;
  }
  /** The PSP provider a routed payout's current transfer is at (undefined: Stripe-era, or not routed yet). */
  get provider(): ProviderId | undefined {
    return this.status.provider;
  }
  /** When the current attempt was routed (workflow time): the fence's look-up searches the provider from then. */
  routedAtMs: number | undefined;
  /**
   * While set, a routed initiation may retry at its provider only this long (the table's failover budget): then the
   * provider is fenced instead of retried for a day. Unset: the money-movement preset's day, as before routing.
   */
  sendBudgetMs: number | undefined;
  get railReference(): string | undefined {
    return this.status.railReference;
  }
  get held(): PayoutStatus['held'] {
    return this.status.held;
  }
  get ledger(): LedgerPosition {
    return this.ledgerAt;
  }
  /** What the rail was asked to move, in the transfer's currency (the FX target when converted). */
  get sentAmountMinor(): number {
    return (this.status.fx?.target ?? this.payAmount).amountMinor;
  }
  /**
   * What this payout reserves, pays and books, in the balance currency: the amount less what it netted against the
   * creator's receivable (the whole amount when nothing was netted, and in every history from before).
   */
  get payAmount(): Money {
    const { amount } = this.input;
    const netted = this.status.netted?.amountMinor ?? 0;
    return netted ? { amountMinor: amount.amountMinor - netted, currency: amount.currency } : amount;
  }
  /** What this payout netted against the creator's receivable, if anything. */
  get netted(): Money | undefined {
    return this.status.netted;
  }
  /** Netted against the creator's receivable (once per payout: later attempts pay the same rest). */
  nettedReceivable(part: Money): void {
    this.status.netted = part;
    this.step('receivable_netted', `${part.amountMinor} ${part.currency} of what the creator owed; paying the rest`);
  }
  /** The receivable took the whole amount: nothing is left for a rail, so the payout is done without one. */
  completeNetted(): CreatorPayoutResult {
    this.step('netted_in_full', 'the whole amount paid what the creator owed; no rail was asked');
    return this.complete();
  }
  get timing(): Required<PayoutTiming> {
    return this.timingNow;
  }
  get stop(): StopRequest | undefined {
    return this.stopRequest;
  }
  /** Incremented by every wake-up (recheck, new details, retry now); waits compare against the value they started with. */
  get wakes(): number {
    return this.wakeCount;
  }
  /** True once a rail was asked to move money for the current attempt (cancel is refused from then on). */
  get initiated(): boolean {
    return this.sentToRail;
  }

  /** Moves to `state`; `errorCode` replaces the last error code (`null` clears it; omitted keeps it). */
  moveTo(state: PayoutStateName, opts: { awaiting?: Awaiting; errorCode?: string | null } = {}): void {
    const s = this.status;
    const [prevState, prevAwaiting] = [s.state, s.awaiting];
    s.state = state;
    const awaiting = opts.awaiting ? shownAwaiting(s.awaiting, opts.awaiting) : undefined;
    if (awaiting) s.awaiting = awaiting;
    else delete s.awaiting;
    this.waits.moved(prevState, prevAwaiting, s.awaiting, Date.now());
    if (opts.errorCode === null) delete s.lastErrorCode;
    else if (opts.errorCode !== undefined) s.lastErrorCode = opts.errorCode;
    this.step(state, opts.awaiting?.reason);
    this.visible.publishAsRecorded();
    this.reportToRun();
    this.visible.changed();
  }

  /** The creator's rail decides the default timing (the input's overrides stay on top). */
  useTimingOf(rail: Rail | undefined): void {
    this.timingNow = resolveTiming(rail, this.input.timing);
  }

  useRail(rail: Rail): void {
    this.status.rail = rail;
    if (!this.fewerCommands) upsertSearchAttributes([{ key: SA.Rail, value: rail }]);
    this.visible.changed();
  }

  /**
   * The routing table chose `decision.provider` (since `payout-routing`): the timeline says which provider, by which
   * rule, under which table version and why the others were passed over; the `Rail` attribute names the provider.
   */
  routed(decision: RoutedPayout): void {
    this.routedAtMs = Date.now();
    this.status.provider = decision.provider;
    const skipped = decision.skipped.map((s) => `${s.provider} (${s.why})`).join(', ');
    this.step(
      'routed',
      `${decision.provider} · rule ${decision.ruleId} · table ${decision.tableVersion}${skipped ? ` · skipped ${skipped}` : ''}`,
    );
  }

  /** The failover's evidence is in the audit stream: the attempt goes on at `to` (its own key and reference). */
  switchedTo(from: ProviderId, to: ProviderId, why: string): void {
    this.status.provider = to;
    this.step('failover', `${from} → ${to}: ${why}`);
  }

  fxLocked(lock: PayoutFxLock): void {
    this.status.fx = { lockId: lock.lockId, rate: lock.rate, target: lock.target };
    this.step('fx_locked', `${lock.rate} → ${lock.target.amountMinor} ${lock.target.currency}`);
  }

  /** The rail is about to be asked to move money: from here on, cancel is refused. */
  initiating(rail: Rail): void {
    this.sentToRail = true;
    this.moveTo('initiating', { awaiting: { actor: rail, reason: `sending the ${rail} transfer` } });
  }

  /** The rail accepted the transfer under `reference` (PSP transfer ID or bank EndToEndId). */
  transferSent(reference: string): void {
    this.status.railReference = reference;
    this.step('initiated', reference);
  }

  booked(kind: PayoutPostingKind): void {
    this.ledgerAt = ledgerAfter[kind];
  }

  /** Where the ledger's own postings put the money (a continued execution checks its carry against it). */
  ledgerSays(position: LedgerPosition): void {
    this.ledgerAt = position;
  }

  /** A re-pay after a return: a new attempt (new idempotency keys) that has not reached a rail yet. */
  nextAttempt(): void {
    this.status.attempt += 1;
    this.sentToRail = false;
    this.visible.changed();
  }

  hold(c: OpsAct): void {
    this.status.held = { operator: c.operator, reason: c.reason, since: new Date().toISOString() };
    this.visible.changed();
  }

  release(): void {
    delete this.status.held;
    this.visible.changed();
  }

  requestStop(request: StopRequest): void {
    this.stopRequest = request;
  }

  /** The stop was dealt with but the payout stays open (its booking was refused): ops may send another. */
  stopHandled(): void {
    this.stopRequest = undefined;
  }

  wake(): void {
    this.wakeCount++;
  }

  /**
   * A provider event: duplicates are dropped, and a later event never moves a transfer backwards. Since
   * `rail-event-confirm` a failure or a return is only a claim until the rail confirms it (`examineClaims` in `rail.ts`).
   */
  receive(e: RailEvent): void {
    if ((e.kind === 'failed' || e.kind === 'returned') && patched('rail-event-confirm')) {
      if (this.events.claim({ ...e, kind: e.kind }, this.attempt)) this.step(`rail_event_claim:${e.kind}`, e.code);
      return;
    }
    if (this.events.add(e, this.attempt)) this.step(`rail_event:${e.kind}`, e.code);
  }

  /** Failure or return events wait to be confirmed at the rail. */
  get hasClaims(): boolean {
    return this.events.hasClaims;
  }
  takeClaims(): Claim[] {
    return this.events.takeClaims();
  }
  /** The rail's own answer about `reference`: from here on what the payout goes by. */
  railAnswered(reference: string, answer: Omit<Received, 'attempt'>): void {
    this.events.answer(reference, { ...answer, attempt: this.attempt });
  }
  /** The currency the rail moved (the FX target when converted): returns are summed in it. */
  get sentCurrency(): Currency {
    return (this.status.fx?.target ?? this.input.amount).currency;
  }
  /** Whether the payout's amount was converted for the rail (then a part that came back is converted back). */
  get converted(): boolean {
    return this.status.fx !== undefined;
  }

  /** Latest status of `reference` from provider events, including reference-less events of this attempt. */
  eventFor(reference: string): Received | undefined {
    return this.events.statusOf(reference, this.attempt);
  }

  /** The events seen so far, for the next execution. */
  eventsCarry(): PayoutCarry['events'] {
    return this.events.carry();
  }
  get reportedToRun(): boolean {
    return this.runReport !== undefined;
  }

  /** Picks up where the previous execution continued as new: initiated, with the rail reference and its events. */
  resume(c: PayoutCarry): void {
    const status = this.status;
    Object.assign(status, { attempt: c.attempt, rail: c.rail, railReference: c.railReference, fx: c.fx });
    if (c.netted) status.netted = c.netted;
    if (c.provider) status.provider = c.provider;
    this.routedAtMs = c.routedAtMs;
    Object.assign(status, { held: c.held, lastErrorCode: c.lastErrorCode, timeline: c.timeline });
    for (const k of ['fx', 'held', 'lastErrorCode'] as const) if (status[k] === undefined) delete status[k];
    this.ledgerAt = c.ledger;
    this.sentToRail = true;
    this.events = new RailEvents(c.events);
    if (c.reportedToRun) this.runReport = Promise.resolve();
    this.useTimingOf(c.rail);
    this.waits.restore(c.serviceLevel?.waitsMs);
    this.country = c.serviceLevel?.country;
    this.step('continued_as_new', c.railReference);
  }

  /** The return window closed without a return: the payout is done. */
  complete(): CreatorPayoutResult {
    this.moveTo('completed', { errorCode: null });
    return payoutResult(this.status, 'completed');
  }

  /** An operator closed the payout by hand (after the ledger was booked accordingly). */
  resolve(command: ResolveAct): CreatorPayoutResult {
    this.status.resolution = command;
    this.moveTo('resolved_manually');
    return payoutResult(this.status, 'resolved_manually');
  }

  /** Appends a step to the timeline, which keeps the last {@link TIMELINE_MAX}. */
  step(step: string, detail?: string): void {
    const timeline = this.status.timeline;
    timeline.push({ at: new Date().toISOString(), step, ...(detail ? { detail } : {}) });
    if (timeline.length > TIMELINE_MAX) timeline.splice(0, timeline.length - TIMELINE_MAX);
    this.visible.changed();
  }

  /**
   * By when a person should act on a wait that has no timer of its own (`DeadlineAt`): the payout's park deadline from
   * when the wait began. Since `payout-park-deadlines`; before, such waits showed no deadline.
   */
  reviewBy(sinceMs = Date.now()): { untilMs?: number } {
    return patched('payout-park-deadlines') ? { untilMs: sinceMs + this.timing.parkDeadlineMs } : {};
  }

  /** Part of the transfer came back: nothing is reversed; the payout waits in its return window for ops to resolve it. */
  awaitPartialReturnResolution(returnedAmountMinor: number | undefined): void {
    this.moveTo('paid_in_return_window', {
      awaiting: {
        actor: 'ops',
        reason: `partial return: ${returnedAmountMinor} of ${this.sentAmountMinor} minor units came back; resolve by hand`,
        ...this.reviewBy(),
      },
      errorCode: 'partial_return',
    });
  }

  /** Visible park for ops in the current state: nothing moved, the payout keeps waiting. */
  parkForOps(code: string, reason: string, untilMs?: number): void {
    this.step(code, reason);
    this.moveTo(this.state, {
      awaiting: { actor: 'ops', reason, ...(untilMs !== undefined ? { untilMs } : this.reviewBy()) },
      errorCode: code,
    });
  }

  /** What came back of a partially returned transfer, as the rail confirmed it; undefined when none is known. */
  get partialReturnMinor(): number | undefined {
    const e = this.railReference ? this.eventFor(this.railReference) : undefined;
    return e?.status === 'returned' && e.returnedAmountMinor !== undefined && e.returnedAmountMinor > 0
      ? isPartialReturn(e.returnedAmountMinor, this.sentAmountMinor)
        ? e.returnedAmountMinor
        : undefined
      : undefined;
  }

  get timelineLength(): number {
    return this.status.timeline.length;
  }

  /** Resolves once the report to the run (if any) was delivered; awaited before the payout closes. */
  async runReported(): Promise<void> {
    await this.runReport;
  }

  /** Tells the run that started this payout its first decisive outcome, once (see {@link reportToRun}). */
  private reportToRun(): void {
    this.runReport ??= reportToRun(this.status);
  }

  view(): PayoutStatus {
    return JSON.parse(JSON.stringify(this.status)) as PayoutStatus;
  }

  searchAttributes(): SearchAttributeUpdatePair[] {
    return this.notices.searchAttributes(payoutSearchAttributes(this.status, this.input, this.fewerCommands));
  }

  details(): string {
    return payoutDetails(this.status, this.notices.lines());
  }

  /** A notice (retrying, PSP incident) changed what shows, nothing else. */
  noticesChanged(): void {
    this.visible.publishAsRecorded();
    this.visible.changed();
  }
}

/** The timeline keeps the latest steps only (the query and the carry stay small). */
const TIMELINE_MAX = 40;

/** How a wait shows: the same actor and reason keep their `since`; times as ISO strings. */
function shownAwaiting(prev: PayoutStatus['awaiting'], next: Awaiting): NonNullable<PayoutStatus['awaiting']> {
  const same = prev && prev.actor === next.actor && prev.reason === next.reason;
  const sinceMs = next.sinceMs ?? (same ? Date.parse(prev.since) : Date.now());
  return {
    actor: next.actor,
    reason: next.reason,
    since: new Date(sinceMs).toISOString(),
    ...(next.untilMs !== undefined ? { until: new Date(next.untilMs).toISOString() } : {}),
  };
}

/**
 * The report a payout owes the run that started it: its first decisive outcome, once, so the run's sliding window
 * moves on and the run can end. Since `payout-report-parked`, a payout that parks after it started (on hold, overdue
 * confirmation, outcome unknown) reports `parked` too; before, such a payout never reported and its run never ended.
 * Returns the delivery (undefined when nothing is owed now).
 */
export function reportToRun(s: PayoutStatus): Promise<void> | undefined {
  const { runId, payoutId, state, lastErrorCode } = s;
  if (!runId) return undefined;
  const outcome =
    runOutcomeOf(state) ??
    (parkedAfterStart(state, lastErrorCode) && patched('payout-report-parked') ? 'parked' : undefined);
  if (!outcome) return undefined;
  return getExternalWorkflowHandle(runId)
    .signal(reportPayoutOutcomeSignal, { payoutId, outcome, ...(lastErrorCode ? { errorCode: lastErrorCode } : {}) })
    .catch((err: unknown) =>
      log.warn('could not report to the payout run', {
        runId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
}
