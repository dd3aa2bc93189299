import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, workflowInfo } from '@temporalio/workflow';
import type { Money } from '../shared/money';
import { Retrying } from '../shared/retrying';
import { SA } from '../shared/search-attributes';
import { VisibleState, type Shown } from '../shared/visible-state';
import {
  getRunProgressQuery,
  getStateQuery,
  type ListPayableCreatorsResult,
  type ParsedPayoutRunInput,
  type PayoutOutcome,
  type PayoutRunProgress,
  type ReportPayoutOutcomeInput,
  type RunReportRow,
} from './contract';
import { previousPeriod, timeToContinueAsNew, windowRoom } from './policy';
import { runDetails, runSearchAttributes, runView } from './view';

/** A creator waiting to be started. */
export type Payable = { creatorId: string; payoutId: string; amount: Money };

/** What one execution hands to the next across continue-as-new; bounded by the window and one page. */
export interface RunCarry {
  period: string;
  cursor?: string;
  buffer: Payable[];
  exhausted: boolean;
  inFlight: string[];
  started: number;
  counts: Record<PayoutOutcome, number>;
  reportParts: number;
  executions: number;
  /** Outcomes reported after the last flush to S3 (at most the window's size). */
  rows: Array<{ payoutId: string; outcome: PayoutOutcome; errorCode?: string }>;
}

/**
 * Runs started since this patch publish once per workflow task after every change ({@link VisibleState} `per-task`,
 * only the attributes that changed); before, once per execution and on each retrying notice, re-sending the attribute.
 */
export const RUN_PUBLISH_PER_TASK_PATCH = 'payout-run-publish-per-task';

const zeroCounts = (): Record<PayoutOutcome, number> => ({
  paid: 0,
  failed: 0,
  cancelled: 0,
  parked: 0,
  'already-exists': 0,
});

/**
 * The run's state: the page buffer and cursor, the children in flight (the sliding window), the counts and the rows
 * not yet written. Every change is a method here and ends with `visible.changed()`; `getState` / `getRunProgress` answer
 * its progress. The workflow never publishes: a new execution shows itself from the constructor.
 */
export class RunState implements Shown<PayoutRunProgress> {
  readonly runId = workflowInfo().workflowId;
  private readonly carry: RunCarry;
  private readonly inFlight: Set<string>;
  /** Payouts an earlier execution started (this one holds no handle on them). */
  private readonly inherited: ReadonlySet<string>;
  private rows: RunCarry['rows'];
  private startedThisExecution = 0;
  private readonly visible: VisibleState<PayoutRunProgress>;
  /** An activity retrying past the threshold; a run has one stage, so only a recovery (or the run's end) clears it. */
  readonly retrying = new Retrying(() => 'run');

  constructor(
    readonly input: ParsedPayoutRunInput,
    carry: RunCarry | undefined,
  ) {
    this.carry = carry ?? {
      period: input.period ?? previousPeriod(workflowInfo().startTime.toISOString()),
      buffer: [],
      exhausted: false,
      inFlight: [],
      started: 0,
      counts: zeroCounts(),
      reportParts: 0,
      executions: 0,
      rows: [],
    };
    this.carry.executions += 1;
    this.inFlight = new Set(this.carry.inFlight);
    this.inherited = new Set(this.carry.inFlight);
    this.rows = this.carry.rows;
    if (patched(RUN_PUBLISH_PER_TASK_PATCH)) {
      this.visible = new VisibleState(this, [getStateQuery, getRunProgressQuery], 'per-task', 'changed');
    } else {
      // One attribute, written once per execution, as every recorded run history shows: re-sent, never diffed.
      this.visible = new VisibleState(this, [getStateQuery, getRunProgressQuery], 'recorded', 'all');
    }
    this.visible.publishAsRecorded();
    this.visible.changed();
  }

  get period(): string {
    return this.carry.period;
  }
  get cursor(): string | undefined {
    return this.carry.cursor;
  }
  get inFlightCount(): number {
    return this.inFlight.size;
  }
  get reportParts(): number {
    return this.carry.reportParts;
  }
  get counts(): Record<PayoutOutcome, number> {
    return this.carry.counts;
  }

  /** Creators still to start before the input's `limit` (everyone when there is none). */
  remaining(): number {
    return this.input.limit === undefined ? Infinity : this.input.limit - this.carry.started;
  }
  needsPage(): boolean {
    return this.carry.buffer.length === 0 && !this.carry.exhausted && this.remaining() > 0;
  }
  addPage(page: ListPayableCreatorsResult): void {
    this.carry.buffer = page.creators;
    this.carry.cursor = page.nextCursor;
    this.carry.exhausted = !page.nextCursor;
    this.visible.changed();
  }
  /** At the input's `limit` nobody else is started. */
  stopAtLimit(): void {
    if (this.remaining() > 0) return;
    this.carry.exhausted = true;
    this.carry.buffer = [];
    this.visible.changed();
  }
  everyoneStarted(): boolean {
    return this.carry.buffer.length === 0 && this.carry.exhausted;
  }

  room(maxBatch: number): number {
    return windowRoom({
      buffered: this.carry.buffer.length,
      maxConcurrent: this.input.maxConcurrent,
      inFlight: this.inFlight.size,
      childrenPerExecution: this.input.childrenPerExecution,
      startedThisExecution: this.startedThisExecution,
      maxBatch,
    });
  }
  /** Takes the next `n` creators off the buffer and counts them as started. */
  takeBatch(n: number): Payable[] {
    const batch = this.carry.buffer.splice(0, n);
    this.startedThisExecution += batch.length;
    this.carry.started += batch.length;
    this.visible.changed();
    return batch;
  }
  timeToContinueAsNew(): boolean {
    return timeToContinueAsNew(
      this.startedThisExecution,
      this.input.childrenPerExecution,
      workflowInfo().continueAsNewSuggested,
    );
  }
  windowHasRoom(): boolean {
    return this.inFlight.size < this.input.maxConcurrent;
  }

  /** The payouts still in flight that an earlier execution started: only a probe can tell that they closed. */
  inheritedInFlight(): string[] {
    return [...this.inFlight].filter((id) => this.inherited.has(id));
  }

  /** In flight before the start resolves: a child that reports in the same activation as its start is still counted. */
  starting(payoutId: string): void {
    this.inFlight.add(payoutId);
    this.visible.changed();
  }
  startFailed(payoutId: string): void {
    this.inFlight.delete(payoutId);
    this.visible.changed();
  }
  alreadyExists(payoutId: string): void {
    this.inFlight.delete(payoutId);
    this.record(payoutId, 'already-exists');
  }
  /** A child's report counts once; an unknown or already counted payout is ignored. */
  reported(r: ReportPayoutOutcomeInput): void {
    if (this.inFlight.delete(r.payoutId)) this.record(r.payoutId, r.outcome, r.errorCode);
  }
  /** A child that closed without reporting (terminated, or failed before its first state) frees its slot too. */
  closed(payoutId: string, outcome: 'paid' | 'failed', errorCode?: string): void {
    if (this.inFlight.delete(payoutId)) this.record(payoutId, outcome, errorCode);
  }
  private record(payoutId: string, outcome: PayoutOutcome, errorCode?: string): void {
    this.carry.counts[outcome] += 1;
    this.rows.push({ payoutId, outcome, errorCode });
    this.visible.changed();
  }

  /** The outcomes not yet written, handed over for one report part. */
  takeRows(): RunReportRow[] {
    const batch = this.rows;
    this.rows = [];
    return batch;
  }
  partWritten(): void {
    this.carry.reportParts += 1;
    this.visible.changed();
  }
  /** The next execution's carry; outcomes signalled while the last flush ran are carried over, not lost. */
  carryOver(): RunCarry {
    return { ...this.carry, inFlight: [...this.inFlight], rows: this.rows };
  }

  /** A retrying notice changed what shows, nothing else. */
  noticesChanged(): void {
    this.visible.publishAsRecorded();
    this.visible.changed();
  }
  view(summaryKey?: string): PayoutRunProgress {
    return runView(this.carry, this.inFlight.size, summaryKey);
  }
  searchAttributes(): SearchAttributeUpdatePair[] {
    // Per task, the run's ID is identity: written once when its start did not set it (a continued run carries it), so
    // no flush depends on the workflow ID again (and a replay under another ID issues the same commands).
    const identity =
      this.visible.flush === 'recorded' || workflowInfo().typedSearchAttributes.get(SA.PayoutRunId) === undefined
        ? runSearchAttributes(this.runId)
        : [];
    return this.retrying.overlay(identity);
  }
  details(): string {
    return [runDetails(this.carry, this.input.maxConcurrent), ...this.retrying.lines()].join('\n\n');
  }
}
