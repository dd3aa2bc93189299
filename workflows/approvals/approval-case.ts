import type { Currency } from '../shared/money';
import {
  policyFor,
  totalOf,
  type ApprovalPolicy,
  type DecisionContext,
  type Flag,
  type Remedies,
  type RequestFacts,
  type Route,
} from './approval-policy';
import type { ApprovalStatus, CompensationRequest, CompensationStatus, DecisionRecord } from './contract';
import type { Role } from './roles';

type NewRecord = Omit<DecisionRecord, 'seq' | 'at' | 'policyVersion' | 'amountMinor' | 'currency'> & {
  amountMinor?: number;
  currency?: Currency;
};

/** The state of one request inside the workflow: everything the query shows and the handlers check. */
export class ApprovalCase {
  readonly policy: ApprovalPolicy;
  status: ApprovalStatus = 'evaluating';
  facts: RequestFacts | undefined;
  paymentRef = '';
  remedies: Remedies | undefined;
  flags: Flag[] = [];
  route: Route | undefined;
  approvals: Array<{ approverId: string; role: Role }> = [];
  waitingSince: number | undefined;
  nextStage: { stage: string; at: number } | undefined;
  expiresAt: number | undefined;
  readonly decisions: DecisionRecord[] = [];
  readonly execution: CompensationStatus['execution'] = {};
  failure: string | undefined;

  constructor(
    readonly workflowId: string,
    readonly request: CompensationRequest,
  ) {
    this.policy = policyFor(request.policyVersion);
  }

  get totalMinor(): number | undefined {
    return this.remedies ? totalOf(this.remedies) : undefined;
  }

  get decided(): boolean {
    return this.status !== 'evaluating' && this.status !== 'pending';
  }

  context(): DecisionContext {
    return {
      status: this.status,
      requesterId: this.request.requester.agentId,
      route: this.route,
      totalMinor: this.totalMinor ?? 0,
      currency: this.request.currency,
      approvedBy: this.approvals.map((a) => a.approverId),
    };
  }

  /** Appends to the decision log with the next sequence number, the current amount and the policy version. */
  log(entry: NewRecord): DecisionRecord {
    const record: DecisionRecord = {
      seq: this.decisions.length + 1,
      at: new Date(Date.now()).toISOString(),
      policyVersion: this.request.policyVersion,
      amountMinor: this.totalMinor ?? 0,
      currency: this.request.currency,
      ...entry,
    };
    this.decisions.push(record);
    return record;
  }

  view(): CompensationStatus {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      requestId: this.request.requestId,
      orderId: this.request.orderId,
      requesterId: this.request.requester.agentId,
      reasonCode: this.request.reasonCode,
      status: this.status,
      policyVersion: this.request.policyVersion,
      currency: this.request.currency,
      remedies: this.remedies,
      totalMinor: this.totalMinor,
      flags: this.flags,
      facts: this.facts,
      awaiting:
        this.status === 'pending' && this.route && this.waitingSince !== undefined
          ? {
              ...this.route,
              approvedBy: this.approvals.map((a) => a.approverId),
              since: iso(this.waitingSince) as string,
              nextStage: this.nextStage?.stage,
              nextStageAt: iso(this.nextStage?.at),
              expiresAt: iso(this.expiresAt) as string,
            }
          : undefined,
      decisions: this.decisions,
      execution: this.execution,
      failure: this.failure,
    };
  }
}
