import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { condition } from '@temporalio/workflow';
import { AcceptedAssertions } from '../shared/command-assertion';
import { Retrying } from '../shared/retrying';
import { VisibleState, type Flush, type Shown } from '../shared/visible-state';
import {
  getCompensationStatusQuery,
  getStateQuery,
  type AmendCompensationInput,
  type ApprovalStatus,
  type CompensationRequest,
  type CompensationStatus,
  type DecisionOutcome,
  type DecisionRecord,
  type Execution,
  type FinanceDecisionInput,
  type IdentityRefusalCode,
  type RequestFacts,
  type Remedies,
  type Flag,
  type Route,
  type DecidedBy,
  type RefundAlternative,
  type RefundRefusal,
  type Role,
} from './contract';
import {
  approvalsThatCount,
  checkDecision,
  evaluateRequest,
  handOff,
  tally,
  totalOf,
  type DecisionRefusal,
  type DecisionContext,
  type Plan,
} from './policy';
import { policyFor, type ApprovalPolicy } from './policies';
import {
  approvalDetails,
  approvalSearchAttributes,
  decisionOutcome,
  statusView,
  type Approval,
  type CaseReading,
} from './view';

/** Who decides: a verified actor (`by` = the token's subject, issuer, key), or body fields in older histories. */
export interface DecisionActor {
  id: string;
  role: Role;
  by?: DecidedBy | undefined;
}
/** The entry's `decidedBy`, when the actor was verified. */
const by = (a: { by?: DecidedBy | undefined }) => (a.by ? { decidedBy: a.by } : {});

/** A decision-log entry before the log numbers it and stamps its time, amount and policy version. */
type NewRecord = Omit<DecisionRecord, 'seq' | 'at' | 'policyVersion' | 'amountMinor' | 'currency'>;

/** Everything one request's workflow knows beyond its request: written only by {@link ApprovalCase}'s methods. */
interface Fields {
  status: ApprovalStatus;
  facts: RequestFacts | undefined;
  remedies: Remedies | undefined;
  flags: Flag[];
  route: Route | undefined;
  approvals: Approval[];
  since: number | undefined;
  next: CaseReading['next'];
  expiresAt: number | undefined;
  decisions: DecisionRecord[];
  execution: Execution;
  failure: string | undefined;
  emailFailed: boolean;
  alternative: RefundAlternative | undefined;
}

/**
 * The state of one request inside the workflow: every transition is a method here, others only read. It answers
 * `getState` (and the older `getCompensationStatus`) and shows search attributes and current details through one
 * {@link VisibleState}: each transition ends with `visible.changed()` and the flush runs once per workflow task, so
 * the story never publishes. Histories recorded before 'approvals-publish-per-task' (`flush: 'recorded'`) upsert only
 * where the story calls {@link publishAsRecorded}, as they did then.
 */
export class ApprovalCase implements Shown<CompensationStatus>, CaseReading {
  readonly policy: ApprovalPolicy;
  private readonly visible: VisibleState<CompensationStatus>;
  /** An activity retrying past the threshold (handlers register its signals); it belongs to the current status. */
  readonly retrying = new Retrying(() => this.f.status);
  /** The command assertions this run accepted (each is accepted once). */
  readonly accepted = new AcceptedAssertions();
  private readonly f: Fields = {
    status: 'evaluating',
    facts: undefined,
    remedies: undefined,
    flags: [],
    route: undefined,
    approvals: [],
    since: undefined,
    next: undefined,
    expiresAt: undefined,
    decisions: [],
    execution: {},
    failure: undefined,
    emailFailed: false,
    alternative: undefined,
  };
  /** An amendment is being settled (see {@link oneAmendmentAtATime}). */
  private amending = false;
  /** The UTC day the request started on: its budget day (reservations and the executed amount are counted on it). */
  readonly day = new Date(Date.now()).toISOString().slice(0, 10);

  constructor(
    readonly workflowId: string,
    readonly request: CompensationRequest,
    flush: Flush,
    upsert: 'changed' | 'all',
  ) {
    this.policy = policyFor(request.policyVersion);
    this.visible = new VisibleState(this, [getStateQuery, getCompensationStatusQuery], flush, upsert);
    // The request is shown from its start (`evaluating`).
    this.visible.changed();
  }

  get status(): ApprovalStatus {
    return this.f.status;
  }
  get facts(): RequestFacts | undefined {
    return this.f.facts;
  }
  get remedies(): Remedies | undefined {
    return this.f.remedies;
  }
  get totalMinor(): number | undefined {
    return this.f.remedies ? totalOf(this.f.remedies) : undefined;
  }
  get flags(): readonly Flag[] {
    return this.f.flags;
  }
  get route(): Route | undefined {
    return this.f.route;
  }
  get approvals(): ReadonlyArray<Readonly<Approval>> {
    return this.f.approvals;
  }
  get since(): number | undefined {
    return this.f.since;
  }
  get next(): CaseReading['next'] {
    return this.f.next;
  }
  get expiresAt(): number | undefined {
    return this.f.expiresAt;
  }
  get decisions(): readonly DecisionRecord[] {
    return this.f.decisions;
  }
  get execution(): Readonly<Execution> {
    return this.f.execution;
  }
  get failure(): string | undefined {
    return this.f.failure;
  }
  get emailFailed(): boolean {
    return this.f.emailFailed;
  }
  get alternative(): RefundAlternative | undefined {
    return this.f.alternative;
  }

  /** The plan the policy would give with `facts` (nothing recorded). */
  preview(facts: RequestFacts): Plan {
    return evaluateRequest(this.policy, this.request, facts);
  }
  /** Records the facts read at the start and applies the policy's plan; a decision without people is logged. */
  open(facts: RequestFacts): { plan: Plan; record: DecisionRecord | undefined } {
    this.f.facts = facts;
    const plan = evaluateRequest(this.policy, this.request, facts);
    this.f.remedies = plan.remedies;
    this.f.flags = plan.flags;
    let record: DecisionRecord | undefined;
    if (plan.kind === 'needs_approval') this.f.route = plan.route;
    else {
      const rejected = plan.kind === 'reject';
      this.f.status = rejected ? 'rejected' : 'approved';
      const reason = rejected ? plan.message : 'under the auto-approval threshold';
      record = this.byPolicy(rejected ? 'policy_reject' : 'auto_approve', 'policy', reason);
    }
    this.visible.changed();
    return { plan, record };
  }

  /** Finance is now asked; the escalation marks count from `now`. */
  startWaiting(now: number): void {
    this.f.status = 'pending';
    this.f.since = now;
    this.f.expiresAt = now + this.policy.escalation.expireAfterMs;
    this.visible.changed();
  }
  /** The escalation mark the wait runs to next (`undefined` once the wait is over). */
  awaitMark(next: CaseReading['next']): void {
    this.f.next = next;
    this.visible.changed();
  }
  remind(): DecisionRecord {
    const record = this.byPolicy('remind', 'timer', `reminder to ${this.f.route?.tier ?? 'none'}`);
    this.visible.changed();
    return record;
  }
  /** Climbs one tier (if there is one above); approvals below the new tier's role no longer count. */
  handOff(): { record: DecisionRecord; from: string; to: string } {
    const from = this.f.route?.tier ?? 'none';
    const next = this.f.route && handOff(this.policy, this.f.route);
    if (next) {
      this.f.route = next;
      this.f.approvals = approvalsThatCount(this.f.approvals, next);
    }
    const to = this.f.route?.tier ?? from;
    const record = this.byPolicy('hand_off', 'timer', `handed off from ${from} to ${to}`);
    this.visible.changed();
    return { record, from, to };
  }
  /** Nobody decided in time: the request lapses, or the policy denies it. */
  expire(): DecisionRecord {
    const deny = this.policy.escalation.onExpiry === 'deny';
    this.f.status = deny ? 'rejected' : 'expired';
    const record = this.byPolicy(deny ? 'auto_deny' : 'expire', 'timer', 'no decision before the deadline');
    this.visible.changed();
    return record;
  }

  /** What finance's decision is checked against. */
  context(): DecisionContext {
    return {
      status: this.f.status,
      requesterId: this.request.requester.agentId,
      route: this.f.route,
      totalMinor: this.totalMinor ?? 0,
      currency: this.request.currency,
      approvedBy: this.f.approvals.map((a) => a.approverId),
      remedies: this.f.remedies,
      alternative: this.f.alternative !== undefined,
    };
  }
  /** Checks and logs a finance decision by `actor` (verified, or from the body in older histories). */
  decide(
    kind: 'approve' | 'reject',
    actor: DecisionActor,
    d: Pick<FinanceDecisionInput, 'reason' | 'amount' | 'remedies'>,
    via: 'signal' | 'update',
  ): { refusal: DecisionRefusal | undefined; record: DecisionRecord } {
    const refusal = checkDecision(this.policy, this.context(), { kind, approverId: actor.id, role: actor.role, ...d });
    const entry = { actorId: actor.id, role: actor.role, decision: kind, via, reason: d.reason, ...by(actor) };
    const record = this.log({ ...entry, accepted: !refusal, ...(refusal && { refusal: refusal.code }) });
    if (!refusal && this.f.route) {
      if (kind === 'approve') this.f.approvals.push({ approverId: actor.id, role: actor.role });
      const approvedBy = this.f.approvals.map((a) => a.approverId);
      const verdict = tally(this.f.route, approvedBy, kind === 'reject');
      if (verdict !== 'pending') this.f.status = verdict;
    }
    this.visible.changed();
    return { refusal, record };
  }
  /** A signal whose payload did not parse: recorded as refused, changes nothing. */
  refuseUnparseable(kind: 'approve' | 'reject', reason: string): DecisionRecord {
    const entry = { actorId: 'unparseable', role: 'policy', decision: kind, via: 'signal', reason } as const;
    const record = this.log({ ...entry, accepted: false, refusal: 'invalid_input' });
    this.visible.changed();
    return record;
  }
  /** A signal whose sender could not be verified: recorded as refused (never naming the unproven sender). */
  refuseUnverified(kind: 'approve' | 'reject', code: IdentityRefusalCode, reason: string): DecisionRecord {
    const entry = { actorId: 'unverified', role: 'policy', decision: kind, via: 'signal', reason } as const;
    const record = this.log({ ...entry, accepted: false, refusal: code });
    this.visible.changed();
    return record;
  }
  /** The plan an amendment would get with the facts kept, or with `facts` (`undefined` before any facts are read). */
  planAmendment(remedies: AmendCompensationInput['remedies'], facts = this.f.facts): Plan | undefined {
    return facts && evaluateRequest(this.policy, { ...this.request, remedies }, facts);
  }
  /** Facts read again for an amendment: later plans start from them. */
  refreshFacts(facts: RequestFacts): void {
    this.f.facts = facts;
    this.visible.changed();
  }
  /**
   * Runs `settle` once no other amendment is being settled: an amendment reads and reserves outside the workflow, and
   * two at once would both see the day's budget before either reserved.
   */
  async oneAmendmentAtATime<T>(settle: () => Promise<T>): Promise<T> {
    await condition(() => !this.amending);
    this.amending = true;
    try {
      return await settle();
    } finally {
      this.amending = false;
    }
  }
  /** Applies an accepted amendment: new amounts, approvals reset, and a new route (or approval under the threshold). */
  amend(
    actor: Omit<DecisionActor, 'role'>,
    a: Pick<AmendCompensationInput, 'reason'>,
    plan: Exclude<Plan, { kind: 'reject' }>,
  ): DecisionRecord {
    this.f.remedies = plan.remedies;
    this.f.flags = plan.flags;
    this.f.approvals = [];
    if (plan.kind === 'auto_approve') this.f.status = 'approved';
    else this.f.route = plan.route;
    const role = this.request.requester.role;
    const entry = { actorId: actor.id, role, decision: 'amend', via: 'update', ...by(actor) } as const;
    const record = this.log({ ...entry, reason: a.reason, accepted: true });
    this.visible.changed();
    return record;
  }
  /** What an update answers after `record`. */
  outcome(record: DecisionRecord): DecisionOutcome {
    return decisionOutcome(this, record);
  }

  /**
   * The PSP refused the refund for good (`refusal`, nothing moved): the refund's amount is proposed as store credit
   * with the plan the policy gave the revised remedies. Approvals so far were for the refund and no longer count; an
   * auto-approved alternative is approved at once, one that needs people waits for them (the story starts the wait),
   * one the policy rejects leaves the remedies as they were (the refusal then fails the request).
   */
  proposeAlternative(refusal: RefundRefusal, plan: Plan, now: number): DecisionRecord {
    const from = this.f.remedies as Remedies;
    const alternative: RefundAlternative = {
      refusal,
      from,
      amountMinor: from.refundMinor,
      remedies: plan.remedies,
      verdict: plan.kind,
      ...(plan.kind === 'needs_approval' ? { tier: plan.route.tier } : {}),
      proposedAt: new Date(now).toISOString(),
    };
    this.f.alternative = alternative;
    if (plan.kind !== 'reject') {
      this.f.remedies = plan.remedies;
      this.f.flags = plan.flags;
      this.f.approvals = [];
      if (plan.kind === 'needs_approval') this.f.route = plan.route;
      else this.f.status = 'approved';
    }
    const evidence = `${refusal.code}${refusal.requestId ? `, PSP request ${refusal.requestId}` : ''}`;
    const verdict =
      plan.kind === 'needs_approval'
        ? `needs approval at tier ${plan.route.tier}`
        : plan.kind === 'auto_approve'
          ? 'auto-approved'
          : `rejected (${plan.code})`;
    const reason = `the PSP refused the refund for good (${evidence}); proposing ${from.refundMinor} minor units as store credit instead: ${verdict}`;
    const entry = { actorId: 'policy', role: 'policy', decision: 'propose_alternative', via: 'policy' } as const;
    const record = this.log({ ...entry, reason, accepted: plan.kind !== 'reject', alternative });
    this.visible.changed();
    return record;
  }

  startExecuting(): void {
    this.f.status = 'executing';
    this.visible.changed();
  }
  /** A remedy was carried out (its ID), or, after a failure, the ones rolled back (`undone`). */
  carriedOut(step: Partial<Execution>): void {
    Object.assign(this.f.execution, step);
    this.visible.changed();
  }
  executed(): void {
    this.f.status = 'executed';
    this.visible.changed();
  }
  /** Carrying out failed with `code` (what had moved was undone). */
  failed(code: string): void {
    this.f.failure = code;
    this.f.status = 'failed';
    this.visible.changed();
  }
  /** The money moved but the customer could not be emailed: flagged for ops, not a failed compensation. */
  customerEmailFailed(): void {
    this.f.emailFailed = true;
    this.visible.changed();
  }
  /** The workflow stops on an error: cancelled (logged), or failed unless the request already ended on its terms. */
  stopped(cancelled: boolean): DecisionRecord | undefined {
    let record: DecisionRecord | undefined;
    if (cancelled) {
      this.f.status = 'cancelled';
      const entry = { actorId: 'workflow', role: 'policy', decision: 'cancel', via: 'policy' } as const;
      record = this.log({ ...entry, reason: 'the request was cancelled', accepted: true });
    } else {
      const decided = this.f.status !== 'evaluating' && this.f.status !== 'pending';
      if (!decided || this.f.status === 'executing') this.f.status = 'failed';
    }
    this.visible.changed();
    return record;
  }

  view(): CompensationStatus {
    return statusView(this);
  }
  searchAttributes(): SearchAttributeUpdatePair[] {
    return this.retrying.overlay(approvalSearchAttributes(this));
  }
  details(): string {
    return [approvalDetails(this), ...this.retrying.lines()].join('\n\n');
  }
  /** A retrying notice arrived or cleared: shown like a transition (at once, in histories recorded before per-task). */
  retryingChanged(): void {
    this.visible.changed();
    this.visible.publishAsRecorded();
  }
  /**
   * The story's publish points of histories recorded before 'approvals-publish-per-task': upserts the search
   * attributes and rewrites the current details there; a no-op since (each transition shows itself).
   */
  publishAsRecorded(): void {
    this.visible.publishAsRecorded();
  }

  private byPolicy(decision: DecisionRecord['decision'], via: 'policy' | 'timer', reason: string): DecisionRecord {
    return this.log({ actorId: 'policy', role: 'policy', decision, via, reason, accepted: true });
  }
  /** Appends to the decision log with the next sequence number, the current amount and the policy version. */
  private log(entry: NewRecord): DecisionRecord {
    const record: DecisionRecord = {
      seq: this.f.decisions.length + 1,
      at: new Date(Date.now()).toISOString(),
      policyVersion: this.request.policyVersion,
      amountMinor: this.totalMinor ?? 0,
      currency: this.request.currency,
      ...entry,
    };
    this.f.decisions.push(record);
    return record;
  }
}
