import type { Money } from '../shared/money';
import { Retrying } from '../shared/retrying';
import { AcceptedAssertions } from '../shared/command-assertion';
import type {
  DisputeCaseResult,
  DisputeCaseView,
  DisputePolicy,
  DisputeState,
  EscalationTier,
  Evidence,
  EvidenceField,
  EvidenceSource,
  EvidenceSourceStatus,
  LedgerPosition,
  MilestoneStatus,
  OrderCompensation,
  PspDisputeStatus,
} from './contract';
import { milestoneMet, type CaseFacts, type Milestone, type Progress } from './policy';
import { CaseClock, type Wake } from './state-clock';
import { PendingBooks } from './state-books';
import { EvidenceFile } from './state-evidence';
import { PspEvents } from './state-psp-events';
import { caseDetails, caseSearchAttributes, caseView } from './view';

export type Flag = DisputeCaseView['flags'][number];

/**
 * What a dispute case is, and what is derived from it: the fields everyone reads (all `readonly`) and the sub-states
 * (evidence file, clock, PSP events) held privately. Nothing here changes the case: every transition is a method of
 * `CaseState` (`state.ts`), the one class that extends this record.
 */
export abstract class CaseRecord {
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
  /** No bookkeeping write is waiting to land (see `steps-books.ts`). */
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
export type RecordFields = Omit<Mutable<CaseRecord>, 'evidence' | 'sources' | 'eventsApplied' | 'eventsIgnored'>;
