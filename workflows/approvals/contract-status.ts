import type { Currency } from '../shared/money';
import type {
  ApprovalStatus,
  CompensationRequest,
  CompensationRequestInput,
  DecidedBy,
  DecisionRejectCode,
  Flag,
  IdentityRefusalCode,
  PolicyVersion,
  Remedies,
  RequestFacts,
  Role,
  Route,
} from './contract';

/** What an approval answers: its decision log, what it executed, its status, and the outcomes of its updates. */
/** One entry of the decision log (kept in state for the query and appended to the audit trail). */
export interface DecisionRecord {
  seq: number;
  at: string;
  actorId: string;
  role: Role | 'policy';
  decision:
    | 'approve'
    | 'reject'
    | 'amend'
    | 'auto_approve'
    | 'policy_reject'
    | 'remind'
    | 'hand_off'
    | 'expire'
    | 'auto_deny'
    | 'cancel';
  via: 'signal' | 'update' | 'policy' | 'timer';
  reason: string;
  amountMinor: number;
  currency: Currency;
  policyVersion: PolicyVersion;
  /** False for decisions refused by the rules; they are recorded and change nothing. */
  accepted: boolean;
  refusal?: DecisionRejectCode | IdentityRefusalCode | 'invalid_input';
  /** The verified token behind a person's decision (absent for the policy, timers and older histories). */
  decidedBy?: DecidedBy;
}

/** What carrying out the request did (IDs of what was issued, and what was undone after a failure). */
export interface Execution {
  storeCreditId?: string;
  voucherId?: string;
  refundId?: string;
  undone?: string[];
  /** Undos that failed after their retries (step and failure code): what ops must take back by hand. */
  undoFailed?: Array<{ step: string; code: string }>;
}

/** What {@link getStateQuery} returns. */
export interface CompensationStatus {
  requestId: string;
  orderId: string;
  requesterId: string;
  reasonCode: CompensationRequest['reasonCode'];
  status: ApprovalStatus;
  policyVersion: PolicyVersion;
  currency: Currency;
  remedies: Remedies | undefined;
  totalMinor: number | undefined;
  flags: Flag[];
  facts: RequestFacts | undefined;
  awaiting:
    | (Route & {
        approvedBy: string[];
        since: string;
        nextStage: string | undefined;
        nextStageAt: string | undefined;
        expiresAt: string;
      })
    | undefined;
  decisions: DecisionRecord[];
  execution: Execution;
  failure: string | undefined;
}

/** What the decision and amendment updates return: whether it counted and where the request stands now. */
export interface DecisionOutcome {
  seq: number;
  status: ApprovalStatus;
  approvalsReceived: number;
  approvalsRequired: number;
  policyVersion: PolicyVersion;
}

/** The workflow's result. `rejected` and `expired` are outcomes, not failures. */
export interface CompensationResult {
  requestId: string;
  status: 'executed' | 'rejected' | 'expired';
  policyVersion: PolicyVersion;
  totalMinor: number;
  currency: Currency;
  execution: Execution;
}

/** The workflow's signature as clients see it (handles are typed with it). */
export type CompensationApprovalWorkflow = (request: CompensationRequestInput) => Promise<CompensationResult>;
