import { AcceptedAssertions } from '../shared/command-assertion';
import { caseFold } from '../shared/identity';
import { VisibleState } from '../shared/visible-state';
import {
  REOPEN_WINDOW_MS,
  getBreakStateQuery,
  type BreakCounterpartMatched,
  type BreakFacts,
  type BreakObservation,
  type BreakObserved,
  type BreakProposal,
  type BreakResolution,
  type BreakStatus,
  type BreakTrailEntry,
  type ReconBreakInput,
  type ReconBreakResult,
  type ReconBreakView,
} from './contract';
import { awaitingActor, observationKey, type BreakPolicyFacts } from './policy';
import { breakDetails, breakSearchAttributes, breakView } from './view';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One break's state: its facts, what was observed of it, how it was resolved, the pending four-eyes proposal and its
 * trail. Changes only through the transitions below; each ends with `visible.changed()` (one flush per task).
 */
export class BreakState {
  readonly accepted = new AcceptedAssertions();
  private readonly visible: VisibleState<ReconBreakView>;
  private readonly seen = new Set<string>();
  private readonly obs: BreakObservation[] = [];
  private readonly claims: BreakCounterpartMatched[] = [];
  private readonly settledClaims = new Set<string>();
  private readonly entries: BreakTrailEntry[] = [];
  private f: BreakFacts;
  private st: BreakStatus = 'open';
  private res?: BreakResolution;
  private prop?: BreakProposal;
  private resolvedAt?: number;
  private busyCount = 0;
  private auditSeq = 0;
  private awaitingKey = '';
  private since: number;
  private reopenCount = 0;
  private news = false;
  readonly reopenWindowMs: number;

  constructor(
    readonly workflowId: string,
    input: ReconBreakInput,
    now: number,
  ) {
    this.f = input.facts;
    this.since = now;
    this.reopenWindowMs = input.policy?.reopenWindowMs ?? REOPEN_WINDOW_MS;
    this.visible = new VisibleState<ReconBreakView>(this, [getBreakStateQuery], 'per-task');
    this.observe(
      { source: input.source, facts: input.facts, ...(input.resultsKey ? { resultsKey: input.resultsKey } : {}) },
      now,
    );
  }

  get status(): BreakStatus {
    return this.st;
  }
  get facts(): BreakFacts {
    return this.f;
  }
  get awaitingSince(): number {
    return this.since;
  }
  get observations(): readonly BreakObservation[] {
    return this.obs;
  }
  get resolution(): BreakResolution | undefined {
    return this.res;
  }
  get proposal(): BreakProposal | undefined {
    return this.prop;
  }
  get closesAt(): number | undefined {
    return this.resolvedAt === undefined ? undefined : this.resolvedAt + this.reopenWindowMs;
  }
  get reopens(): number {
    return this.reopenCount;
  }
  get trail(): readonly BreakTrailEntry[] {
    return this.entries;
  }
  get busy(): boolean {
    return this.busyCount > 0;
  }
  /** A claim waits to be checked, or a command changed the status since the loop last looked. */
  get hasNews(): boolean {
    return this.news || this.claims.length > 0;
  }
  policyFacts(): BreakPolicyFacts {
    return { status: this.st, busy: this.busy, facts: this.f, ...(this.prop ? { proposal: this.prop } : {}) };
  }

  view(): ReconBreakView {
    return breakView(this);
  }
  searchAttributes() {
    return breakSearchAttributes(this);
  }
  details(): string {
    return breakDetails(this);
  }
  result(): ReconBreakResult {
    return {
      breakId: this.f.breakId,
      class: this.f.class,
      ...(this.res ? { resolution: this.res } : {}),
      reopens: this.reopenCount,
    };
  }
  /** Moves `awaitingSince` when the actor changes (here, so it is when ops could first see the change). */
  beforeFlush(): void {
    const key = `${this.st}:${awaitingActor(this.st, this.f, this.prop)}`;
    if (key === this.awaitingKey) return;
    this.awaitingKey = key;
    this.since = Date.now();
  }

  /*
   * Transitions.
   */

  /**
   * A source saw the break. Each distinct observation (source, breakId, business day) is recorded once; the facts
   * gain references a later observation brings (never lose or replace one). Returns whether it was new.
   */
  observe(o: BreakObserved, now: number): boolean {
    const key = observationKey(o.source, o.facts.breakId, o.facts.businessDate);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.obs.push({
      source: o.source,
      breakId: o.facts.breakId,
      businessDate: o.facts.businessDate,
      ...(o.resultsKey ? { resultsKey: o.resultsKey } : {}),
      at: iso(now),
    });
    const refs = (o.facts.refs ?? {}) as BreakFacts['refs'];
    this.f = { ...this.f, refs: { ...refs, ...this.f.refs } };
    this.visible.changed();
    return true;
  }
  claim(c: BreakCounterpartMatched): void {
    this.claims.push(c);
  }
  takeClaims(): BreakCounterpartMatched[] {
    return this.claims.splice(0, this.claims.length);
  }
  /** True when a claim of this match was already checked to a verdict (a re-run re-signals it). */
  claimSettled(matchId: string): boolean {
    return this.settledClaims.has(caseFold(matchId));
  }
  settleClaim(matchId: string): void {
    this.settledClaims.add(caseFold(matchId));
  }
  startWork(): void {
    this.busyCount += 1;
  }
  endWork(): void {
    this.busyCount -= 1;
    this.news = true;
  }
  takeNews(): void {
    this.news = false;
  }
  /** The next audit event's sequence number (deterministic: handlers and the loop run one at a time, see `busy`). */
  nextAuditSeq(): number {
    return ++this.auditSeq;
  }
  recorded(e: BreakTrailEntry): void {
    this.entries.push(e);
    this.visible.changed();
  }
  resolve(r: BreakResolution, now: number): void {
    this.st = 'resolved';
    this.res = r;
    this.prop = undefined;
    this.resolvedAt = now;
    this.news = true;
    this.visible.changed();
  }
  propose(p: BreakProposal): void {
    this.prop = p;
    this.visible.changed();
  }
  reopen(): void {
    this.st = 'open';
    this.res = undefined;
    this.resolvedAt = undefined;
    this.reopenCount += 1;
    this.news = true;
    this.visible.changed();
  }
  close(): void {
    this.st = 'closed';
    this.visible.changed();
  }
}
