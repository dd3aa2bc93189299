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
  RefundAlternative,
  Remedies,
  RequestFacts,
  Role,
  Route,
} from './contract';

/** An approval that counts toward the tally (approvals below the tier's role are dropped at a hand-off). */
export interface Approval {
  approverId: string;
  role: Role;
}

/**
 * What the renderings read: one request's state, read-only (`ApprovalCase` in `state.ts` owns and writes it; the
 * functions here only render it).
 */
export interface CaseReading {
  readonly request: CompensationRequest;
  readonly status: ApprovalStatus;
  readonly facts: RequestFacts | undefined;
  readonly remedies: Remedies | undefined;
  readonly totalMinor: number | undefined;
  readonly flags: readonly Flag[];
  readonly route: Route | undefined;
  readonly approvals: ReadonlyArray<Readonly<Approval>>;
  /** When finance was asked (epoch ms). */
  readonly since: number | undefined;
  /** The escalation mark the wait runs to next. */
  readonly next: { readonly stage: 'remind' | 'hand_off' | 'expire'; readonly at: number } | undefined;
  readonly expiresAt: number | undefined;
  readonly decisions: readonly DecisionRecord[];
  readonly execution: Readonly<Execution>;
  readonly failure: string | undefined;
  /** The money moved but the customer email could not be sent. */
  readonly emailFailed: boolean;
  /** The PSP refused the refund for good and the request proposed store credit instead. */
  readonly alternative: RefundAlternative | undefined;
}

/** `LastErrorCode` of a request whose refund the PSP refused for good (finance lists them by it). */
export const REFUND_IMPOSSIBLE = 'refund_impossible';

/** What an update answers after `record`. */
export function decisionOutcome(c: CaseReading, record: DecisionRecord): DecisionOutcome {
  return {
    seq: record.seq,
    status: c.status,
    approvalsReceived: c.approvals.length,
    approvalsRequired: c.route?.approvalsRequired ?? 0,
    policyVersion: c.request.policyVersion,
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

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The `getState` snapshot. */
export function statusView(f: CaseReading): CompensationStatus {
  const rq = f.request;
  return {
    requestId: rq.requestId,
    orderId: rq.orderId,
    requesterId: rq.requester.agentId,
    reasonCode: rq.reasonCode,
    status: f.status,
    policyVersion: rq.policyVersion,
    currency: rq.currency,
    remedies: f.remedies,
    totalMinor: f.totalMinor,
    flags: [...f.flags],
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
    decisions: [...f.decisions],
    execution: { ...f.execution },
    failure: f.failure,
    ...(f.alternative ? { alternative: f.alternative } : {}),
  };
}

/**
 * The search attributes ops lists and the finance CLI filter on; terminal statuses clear the waiting ones. IDs and
 * amounts only, no personal data. The first seven are the set recorded histories re-send on every publish.
 */
export function approvalSearchAttributes(f: CaseReading): SearchAttributeUpdatePair[] {
  const waiting = f.status === 'pending';
  return [
    { key: SA.ApprovalState, value: f.status },
    { key: SA.AwaitingActor, value: ACTOR[f.status] },
    { key: SA.AwaitingTier, value: waiting && f.route ? f.route.tier : 'none' },
    { key: SA.AwaitingSince, value: waiting && f.since !== undefined ? new Date(f.since) : null },
    { key: SA.DeadlineAt, value: waiting && f.next ? new Date(f.next.at) : null },
    { key: SA.AmountMinor, value: f.totalMinor ?? null },
    { key: SA.Currency, value: f.request.currency },
    // A refund the PSP refused for good marks the request (and the wait for a decision on its alternative) from then on.
    ...(f.emailFailed
      ? [{ key: SA.LastErrorCode, value: 'customer_email_failed' }]
      : f.alternative
        ? [{ key: SA.LastErrorCode, value: REFUND_IMPOSSIBLE }]
        : []),
  ];
}

/** The Web UI's current details: what is asked, who must act, and what happens next. */
export function approvalDetails(f: CaseReading): string {
  const rq = f.request;
  const total = f.totalMinor;
  const amount =
    total === undefined ? 'amount not yet resolved' : formatMoney({ amountMinor: total, currency: rq.currency });
  const lines = [
    `**Compensation ${rq.requestId}** for order ${rq.orderId}: ${amount} (${rq.reasonCode}), policy ${rq.policyVersion}`,
  ];
  if (f.flags.length) lines.push(`Flags: ${f.flags.join(', ')}`);
  const alt = f.alternative;
  if (alt)
    lines.push(
      `The PSP refused the refund for good (${alt.refusal.code}${alt.refusal.requestId ? `, request ${alt.refusal.requestId}` : ''}): ${formatMoney({ amountMinor: alt.amountMinor, currency: rq.currency })} is proposed as store credit instead${f.status === 'pending' ? '; decide on the remedies shown (refund 0)' : ''}.`,
    );
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
