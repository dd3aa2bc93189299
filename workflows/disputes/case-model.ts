import type { Money } from '../shared/money';
import type {
  DecideCaseInput,
  DisputeCaseResult,
  DisputeCaseView,
  DisputePolicy,
  DisputeState,
  EscalationTier,
  EvidenceField,
  EvidenceSource,
  EvidenceSourceStatus,
  LedgerPosition,
  MilestoneName,
  MilestoneStatus,
  PspDisputeEvent,
  PspDisputeStatus,
} from './contract';
import {
  alarmsFor,
  awaitingActor,
  isTerminal,
  milestoneMet,
  milestonesFor,
  missingEvidence,
  nextAlarm,
  OPEN_STATES,
  workingState,
  type Alarm,
  type CaseFacts,
  type Milestone,
  type Progress,
} from './dispute-policy';

type Flag = DisputeCaseView['flags'][number];

/** The in-memory case of one dispute workflow: state plus the small, deterministic mutations of it. */
export class CaseModel {
  state: DisputeState = 'opened';
  round = 1;
  facts?: { dueBy: number; amount: Money; reason: string; orderId?: string; pspStatus: PspDisputeStatus };
  baselineSubmissionCount = 0;
  tier: EscalationTier = 'tier1';
  assignee?: string;
  awaitingSince: number;
  private awaitingKey = '';
  evidence: Partial<Record<EvidenceField, string>> = {};
  readonly manualFields = new Set<EvidenceField>();
  sources: Record<EvidenceSource, EvidenceSourceStatus> = {
    order: 'pending',
    shipment: 'pending',
    communications: 'pending',
  };
  gathering = false;
  decision?: DisputeCaseView['decision'];
  decisionPending = false;
  readonly submissions: DisputeCaseView['submissions'] = [];
  outcome?: 'won' | 'lost';
  resolution?: 'contested' | 'accepted';
  ledgerPosition: LedgerPosition = 'none';
  ledgerMoves = 0;
  readonly flags = new Set<Flag>();
  compensations: DisputeCaseView['compensations'] = [];
  readonly seen = new Set<string>();
  lastAppliedAt?: number;
  lastReopenAt?: number;
  closedAt?: number;
  eventsApplied = 0;
  eventsIgnored = 0;
  lastErrorCode?: string;
  readonly inbox: PspDisputeEvent[] = [];
  milestones: Milestone[] = [];
  alarms: Alarm[] = [];
  readonly fired = new Set<string>();
  readonly missed = new Map<string, MilestoneStatus>();
  nextPollAt?: number;
  /** When to ask the PSP for the facts if no webhook brought them (a case started by hand). */
  lookupAt: number;
  opened = false;
  finished = false;
  /** Last search attributes written, so an unchanged set is not upserted again. */
  publishedAttributes = '';
  /** Set by every handler and background step; the main loop wakes on it. */
  dirty = false;

  constructor(
    readonly disputeId: string,
    readonly workflowId: string,
    readonly policy: DisputePolicy,
    now: number,
  ) {
    this.awaitingSince = now;
    this.lookupAt = now + 10 * 60_000;
  }

  get decidedThisRound(): boolean {
    return this.decision !== undefined && this.decision.round === this.round;
  }

  get submittedThisRound(): boolean {
    return this.submissions.some((s) => s.round === this.round);
  }

  facts4policy(): CaseFacts {
    return {
      state: this.state,
      tier: this.tier,
      decidedThisRound: this.decidedThisRound,
      evidenceCount: Object.keys(this.evidence).length,
    };
  }

  /** How far this round is: evidence complete, decided (what milestones are met by). */
  progress(): Progress {
    return { evidenceComplete: this.missingEvidence().length === 0, decided: this.decidedThisRound };
  }

  missingEvidence(): EvidenceField[] {
    return missingEvidence(this.facts?.reason, Object.keys(this.evidence));
  }

  /** Takes the dispute's facts from the PSP; a moved due date brings fresh milestones. */
  adoptFacts(e: Pick<PspDisputeEvent, 'dueBy' | 'amount' | 'reason' | 'orderId' | 'status'>, newRound = false): void {
    const dueBy = Date.parse(e.dueBy);
    const moved = newRound || this.facts?.dueBy !== dueBy;
    this.facts = {
      dueBy,
      amount: e.amount,
      reason: e.reason,
      orderId: e.orderId ?? this.facts?.orderId,
      pspStatus: e.status,
    };
    if (moved) {
      this.milestones = milestonesFor(dueBy, this.policy);
      this.alarms = alarmsFor(this.milestones, this.policy, this.round);
    }
  }

  /** Recomputes the working state from evidence progress (only while nobody has decided). */
  refreshWorkingState(): void {
    if (OPEN_STATES.has(this.state) && !this.decidedThisRound) {
      this.state = workingState(this.round, this.gathering, this.missingEvidence().length);
    }
  }

  setEvidence(fields: Partial<Record<EvidenceField, string>>, manual: boolean): void {
    for (const [k, v] of Object.entries(fields) as Array<[EvidenceField, string | undefined]>) {
      if (v === undefined || (!manual && this.manualFields.has(k))) continue;
      this.evidence[k] = v;
      if (manual) this.manualFields.add(k);
    }
  }

  flag(f: Flag): void {
    this.flags.add(f);
  }

  milestone(name: MilestoneName): Milestone | undefined {
    return this.milestones.find((m) => m.name === name);
  }

  /** Moves `awaitingSince` when the actor, tier or round changed (called by the main loop, never by queries). */
  refreshAwaiting(now: number): void {
    const key = `${awaitingActor(this.state, this.tier)}:${this.tier}:${this.round}`;
    if (key !== this.awaitingKey) {
      this.awaitingKey = key;
      this.awaitingSince = now;
    }
  }

  awaiting(): { actor: 'ops' | 'finance' | 'psp' | 'none'; since: number } {
    return { actor: awaitingActor(this.state, this.tier), since: this.awaitingSince };
  }

  /** The next moment the case acts on its own, and why. */
  nextWake():
    { at: number; kind: 'alarm'; alarm: Alarm } | { at: number; kind: 'poll' | 'close' | 'lookup' } | undefined {
    if (!this.facts) return { at: this.lookupAt, kind: 'lookup' };
    if (isTerminal(this.state))
      return { at: (this.closedAt ?? 0) + this.policy.reopenWindowDays * 86_400_000, kind: 'close' };
    if (this.state === 'submitted')
      return this.nextPollAt === undefined ? undefined : { at: this.nextPollAt, kind: 'poll' };
    if (this.decisionPending) return undefined;
    const alarm = nextAlarm(this.alarms, this.fired);
    return alarm ? { at: alarm.at, kind: 'alarm', alarm } : undefined;
  }

  /** What the case waits on, in words, for the Web UI. */
  waitingOn(now: number): string {
    const next = this.nextWake();
    const when = next ? new Date(next.at).toISOString() : 'no timer';
    switch (this.state) {
      case 'opened':
        return 'Waiting for the PSP dispute facts';
      case 'gathering_evidence':
      case 'in_review':
      case 'pre_arbitration': {
        const what = this.missingEvidence().length
          ? `evidence (${this.missingEvidence().join(', ')})`
          : 'a contest/accept decision';
        const step =
          next?.kind === 'alarm'
            ? `${next.alarm.kind === 'remind' ? 'reminder' : 'milestone'} ${next.alarm.milestone}`
            : 'next step';
        return `Waiting on ${this.tier} for ${what}; ${step} at ${when}`;
      }
      case 'submitted':
        return `Evidence submitted (round ${this.round}); waiting on the PSP's decision, next status check at ${when}`;
      default:
        return `Closed as ${this.state}${this.resolution ? ` (${this.resolution})` : ''}; open for a pre-arbitration reopen until ${when} (now ${new Date(now).toISOString()})`;
    }
  }

  view(now: number): DisputeCaseView {
    const awaiting = this.awaiting();
    const next = this.nextWake();
    const progress = this.progress();
    return {
      disputeId: this.disputeId,
      state: this.state,
      round: this.round,
      ...(this.facts
        ? {
            pspStatus: this.facts.pspStatus,
            dueBy: new Date(this.facts.dueBy).toISOString(),
            amount: this.facts.amount,
            reason: this.facts.reason,
            ...(this.facts.orderId ? { orderId: this.facts.orderId } : {}),
          }
        : {}),
      tier: this.tier,
      ...(this.assignee ? { assignee: this.assignee } : {}),
      awaiting: { actor: awaiting.actor, since: new Date(awaiting.since).toISOString(), what: this.waitingOn(now) },
      ...(next && next.kind === 'alarm' ? { nextEscalationAt: new Date(next.at).toISOString() } : {}),
      milestones: this.milestones.map((m) => ({
        name: m.name,
        at: new Date(m.at).toISOString(),
        status: this.missed.get(`r${this.round}:${m.name}`) ?? (milestoneMet(m, progress) ? 'met' : 'pending'),
      })),
      evidenceFields: Object.keys(this.evidence) as EvidenceField[],
      missingEvidence: this.missingEvidence(),
      evidenceSources: { ...this.sources },
      ...(this.decision ? { decision: this.decision } : {}),
      submissions: [...this.submissions],
      ...(this.outcome ? { outcome: this.outcome } : {}),
      ...(this.resolution ? { resolution: this.resolution } : {}),
      ledgerPosition: this.ledgerPosition,
      flags: [...this.flags],
      compensations: this.compensations,
      eventsApplied: this.eventsApplied,
      eventsIgnored: this.eventsIgnored,
      ...(this.lastErrorCode ? { lastErrorCode: this.lastErrorCode } : {}),
    };
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

  recordDecision(d: DecideCaseInput, now: number, byDefault: boolean): void {
    this.decision = { ...d, at: new Date(now).toISOString(), round: this.round, byDefault };
    this.decisionPending = true;
    this.dirty = true;
  }
}
