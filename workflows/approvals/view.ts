import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { formatMoney } from '../shared/money';
import { SA } from '../shared/search-attributes';
import type {
  ApprovalStatus,
  CompensationRequest,
  CompensationStatus,
  DecisionOutcome,
  DecisionRecord,
  Execution,
  Flag,
  Remedies,
  RequestFacts,
  Role,
  Route,
} from './contract';
import { totalOf, type DecisionContext } from './policy';

/** Everything one request's workflow knows; only `ApprovalCase`'s methods write it, the functions here render it. */
export interface CaseFields {
  status: ApprovalStatus;
  facts: RequestFacts | undefined;
  remedies: Remedies | undefined;
  flags: Flag[];
  route: Route | undefined;
  approvals: Array<{ approverId: string; role: Role }>;
  /** When finance was asked (epoch ms). */
  since: number | undefined;
  next: { stage: 'remind' | 'hand_off' | 'expire'; at: number } | undefined;
  expiresAt: number | undefined;
  decisions: DecisionRecord[];
  execution: Execution;
  failure: string | undefined;
  /** The money moved but the customer email could not be sent. */
  emailFailed: boolean;
}

/** A request's fields when its workflow starts. */
export const newCaseFields = (): CaseFields => ({
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
});

/** What finance's decision is checked against. */
export function decisionContext(request: CompensationRequest, f: CaseFields): DecisionContext {
  return {
    status: f.status,
    requesterId: request.requester.agentId,
    route: f.route,
    totalMinor: f.remedies ? totalOf(f.remedies) : 0,
    currency: request.currency,
    approvedBy: f.approvals.map((a) => a.approverId),
  };
}

/** What an update answers after `record`. */
export function decisionOutcome(request: CompensationRequest, f: CaseFields, record: DecisionRecord): DecisionOutcome {
  return {
    seq: record.seq,
    status: f.status,
    approvalsReceived: f.approvals.length,
    approvalsRequired: f.route?.approvalsRequired ?? 0,
    policyVersion: request.policyVersion,
  };
}

/** Who the request waits on, per status. */
const ACTOR: Record<ApprovalStatus, string> = {
  evaluating: 'none',
  pending: 'finance',
  approved: 'none',
  executing: 'psp',
  executed: 'none',
  rejected: 'none',
  expired: 'none',
  failed: 'none',
  cancelled: 'none',
};

const totalMinor = (f: CaseFields) => (f.remedies ? totalOf(f.remedies) : undefined);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The `getState` snapshot. */
export function statusView(rq: CompensationRequest, f: CaseFields): CompensationStatus {
  return {
    requestId: rq.requestId,
    orderId: rq.orderId,
    requesterId: rq.requester.agentId,
    reasonCode: rq.reasonCode,
    status: f.status,
    policyVersion: rq.policyVersion,
    currency: rq.currency,
    remedies: f.remedies,
    totalMinor: totalMinor(f),
    flags: f.flags,
    facts: f.facts,
    awaiting:
      f.status === 'pending' && f.route && f.since !== undefined
        ? {
            ...f.route,
            approvedBy: f.approvals.map((a) => a.approverId),
            since: iso(f.since) as string,
            nextStage: f.next?.stage,
            nextStageAt: iso(f.next?.at),
            expiresAt: iso(f.expiresAt) as string,
          }
        : undefined,
    decisions: f.decisions,
    execution: f.execution,
    failure: f.failure,
  };
}

/**
 * The search attributes ops lists and the finance CLI filter on; terminal statuses clear the waiting ones. IDs and
 * amounts only, no personal data. The first seven are the set recorded histories re-send on every publish.
 */
export function approvalSearchAttributes(rq: CompensationRequest, f: CaseFields): SearchAttributeUpdatePair[] {
  const waiting = f.status === 'pending';
  return [
    { key: SA.ApprovalState, value: f.status },
    { key: SA.AwaitingActor, value: ACTOR[f.status] },
    { key: SA.AwaitingTier, value: waiting && f.route ? f.route.tier : 'none' },
    { key: SA.AwaitingSince, value: waiting && f.since !== undefined ? new Date(f.since) : null },
    { key: SA.DeadlineAt, value: waiting && f.next ? new Date(f.next.at) : null },
    { key: SA.AmountMinor, value: totalMinor(f) ?? null },
    { key: SA.Currency, value: rq.currency },
    ...(f.emailFailed ? [{ key: SA.LastErrorCode, value: 'customer_email_failed' }] : []),
  ];
}

/** The Web UI's current details: what is asked, who must act, and what happens next. */
export function approvalDetails(rq: CompensationRequest, f: CaseFields): string {
  const total = totalMinor(f);
  const amount =
    total === undefined ? 'amount not yet resolved' : formatMoney({ amountMinor: total, currency: rq.currency });
  const lines = [
    `**Compensation ${rq.requestId}** for order ${rq.orderId}: ${amount} (${rq.reasonCode}), policy ${rq.policyVersion}`,
  ];
  if (f.flags.length) lines.push(`Flags: ${f.flags.join(', ')}`);
  switch (f.status) {
    case 'evaluating':
      lines.push('Reading the order and checking the policy.');
      break;
    case 'pending': {
      const r = f.route;
      if (r)
        lines.push(
          `Waiting for **${r.tier}** (role ${r.minRole} or above): ${f.approvals.length} of ${r.approvalsRequired} approvals.`,
        );
      if (f.next) lines.push(`Next: ${f.next.stage.replace('_', '-')} at ${new Date(f.next.at).toISOString()}.`);
      lines.push('Decide with the `approveCompensation` / `rejectCompensation` update (or signal).');
      break;
    }
    case 'executing':
      lines.push('Approved: issuing store credit / voucher, then refunding through the PSP.');
      break;
    case 'failed':
      lines.push(`Failed: ${f.failure ?? 'unknown'}; undone: ${f.execution.undone?.join(', ') || 'nothing'}.`);
      if (f.execution.undoFailed?.length)
        lines.push(`NOT undone (ops): ${f.execution.undoFailed.map((u) => `${u.step} (${u.code})`).join(', ')}.`);
      break;
    default:
      lines.push(`Finished: ${f.status}.`);
  }
  if (f.emailFailed) lines.push('The customer email could not be sent: tell the customer another way.');
  return lines.join('\n\n');
}
