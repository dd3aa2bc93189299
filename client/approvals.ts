import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { formatMoney } from '../workflows/shared/money';
import { SA } from '../workflows/shared/search-attributes';
import {
  amendCompensationCommandSchema,
  amendCompensationUpdate,
  approvalStatusSchema,
  approveCompensationSignal,
  approveCompensationUpdate,
  compensationRequestId,
  compensationRequestCommandSchema,
  compensationWorkflowId,
  financeDecisionCommandSchema,
  getStateQuery,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type AmendCompensationCommand,
  type CompensationApprovalWorkflow,
  type CompensationRequestCommand,
  type CompensationRequestInput,
  type CompensationStatus,
  type DecisionOutcome,
  type FinanceDecisionCommand,
} from '../workflows/approvals/contract';
import { startArgs } from '../workflows/shared/command-assertion';
import { sendSignedCommand, signedSignal, splitSigner, type Signed } from './commands';
import { configuredTaskQueue } from './config';
import {
  ClientInputError,
  parseClientInput,
  startOrAttach,
  type StartOptions,
  type Started,
  type Verdict,
} from './errors';
import { byDate, listRows } from './lists';

export { compensationWorkflowId } from '../workflows/approvals/contract';
export type {
  AmendCompensationCommand,
  ApprovalRefusalCode,
  CompensationRequestCommand,
  CompensationRequestInput,
  CompensationStatus,
  DecisionOutcome,
  FinanceDecisionCommand,
} from '../workflows/approvals/contract';

/**
 * The subject a token claims, case-folded like the workflow's `caseFold`, for labels only (the search attribute
 * and summary): it is NOT verified here; the workflow verifies the token and refuses the start if it does not hold.
 */
function claimedSubject(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    if (typeof claims.sub === 'string' && claims.sub !== '') return claims.sub.normalize('NFKC').toLowerCase();
  } catch {
    // fall through: not a JWT
  }
  throw new ClientInputError('invalid compensation request: requester.token: not a staff token (JWT)', [
    { path: 'requester.token', message: 'not a staff token (JWT)' },
  ]);
}

/**
 * Starts a compensation request as the staff member `sign` signs for: the start's command assertion (command
 * `compensationApproval`, no run, bound to the request as sent without `requester.token`) travels in
 * `requester.token`; the workflow verifies it first and takes the requester's ID and role from it. Idempotent on
 * `requestId`: a repeated call (running or finished) returns the existing workflow (`existing: true`) instead of
 * starting another one.
 */
export async function startCompensation(
  client: Client,
  input: Signed<CompensationRequestCommand>,
  opts: StartOptions = {},
): Promise<Started<CompensationApprovalWorkflow>> {
  const [fields, sign] = splitSigner(input);
  const unsigned = parseClientInput(compensationRequestCommandSchema, fields, 'compensation request');
  const workflowId = compensationWorkflowId(unsigned.requestId);
  const token = await sign({ workflowId, command: 'compensationApproval', args: startArgs(unsigned) });
  const request = { ...unsigned, requester: { ...unsigned.requester, token } } satisfies CompensationRequestInput;
  const requesterId = claimedSubject(token);
  const role = request.requester.role ?? 'role from token';
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });
  const { refund, storeCreditMinor, voucherMinor } = request.remedies;
  const asked = [
    refund ? (refund.kind === 'full' ? 'full refund' : `refund ${m(refund.amountMinor)}`) : undefined,
    storeCreditMinor ? `store credit ${m(storeCreditMinor)}` : undefined,
    voucherMinor ? `voucher ${m(voucherMinor)}` : undefined,
  ].filter(Boolean);
  return startOrAttach<CompensationApprovalWorkflow>(client, 'compensationApproval', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId,
    args: [request],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Compensation for order ${request.orderId}: ${asked.join(' + ')} (${request.reasonCode})`,
    staticDetails: `Requested by agent ${requesterId} (${role}) under the policy in effect at its start. Finance decides with the approveCompensation / rejectCompensation update (command assertion required).`,
    typedSearchAttributes: [
      { key: SA.ApprovalState, value: 'evaluating' },
      { key: SA.OrderId, value: request.orderId },
      { key: SA.RequesterId, value: [requesterId] },
      { key: SA.Currency, value: request.currency },
    ],
  });
}

/**
 * Sends a finance decision through the update path; a refusal is a verdict (with its rule's code), not a throw. The
 * approver is the subject `decision.sign` signs for; the role is `decision.role` (one of theirs) or their highest.
 */
export async function decideCompensation(
  client: Client,
  requestId: string,
  kind: 'approve' | 'reject',
  decision: Signed<FinanceDecisionCommand>,
): Promise<Verdict<DecisionOutcome>> {
  const update = kind === 'approve' ? approveCompensationUpdate : rejectCompensationUpdate;
  const workflowId = compensationWorkflowId(requestId);
  return sendSignedCommand(client, workflowId, update, financeDecisionCommandSchema, decision, 'finance decision');
}

/** Fire-and-forget decision (an invalid one is recorded as refused in the workflow and its audit trail). */
export async function signalCompensationDecision(
  client: Client,
  requestId: string,
  kind: 'approve' | 'reject',
  decision: Signed<FinanceDecisionCommand>,
): Promise<void> {
  const [fields, sign] = splitSigner(decision);
  const d = parseClientInput(financeDecisionCommandSchema, fields, 'finance decision');
  const signal = kind === 'approve' ? approveCompensationSignal : rejectCompensationSignal;
  await signedSignal(client, compensationWorkflowId(requestId), signal, d, sign);
}

/** The requester (the subject `amendment.sign` signs for) changes what to give while the request waits. */
export async function amendCompensation(
  client: Client,
  requestId: string,
  amendment: Signed<AmendCompensationCommand>,
): Promise<Verdict<DecisionOutcome>> {
  const workflowId = compensationWorkflowId(requestId);
  return sendSignedCommand(
    client,
    workflowId,
    amendCompensationUpdate,
    amendCompensationCommandSchema,
    amendment,
    'amendment',
  );
}

/** Where the request stands: status, route, every decision and refusal, what was carried out. */
export async function getCompensationState(client: Client, requestId: string): Promise<CompensationStatus> {
  return client.workflow
    .getHandle<CompensationApprovalWorkflow>(compensationWorkflowId(requestId))
    .query(getStateQuery);
}

/** One row of the finance work list, from search attributes (eventually consistent: fine for a list). */
export interface CompensationListRow {
  requestId: string;
  workflowId: string;
  orderId: string | undefined;
  tier: string | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
  awaitingSince: Date | undefined;
  deadlineAt: Date | undefined;
  ageMs: number | undefined;
}

const listFilter = z.object({
  state: approvalStatusSchema.default('pending'),
  tier: z
    .string()
    .regex(/^[a-z_]+$/)
    .optional(),
});

/** What {@link listCompensations} filters on: a state (default `pending`) and the tier a request waits on. */
export type CompensationListFilter = z.input<typeof listFilter>;

/** The visibility query behind {@link listCompensations}; the finance CLI lists with the same. */
export function compensationsListQuery(filter: CompensationListFilter = {}): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = 'compensationApproval'`,
    `ApprovalState = '${f.state}'`,
    ...(f.tier ? [`AwaitingTier = '${f.tier}'`] : []),
  ].join(' AND ');
}

/** Requests in a state (default: pending), oldest wait first. */
export async function listCompensations(
  client: Client,
  filter: CompensationListFilter = {},
  now = Date.now(),
): Promise<CompensationListRow[]> {
  const rows = await listRows(client, compensationsListQuery(filter), (wf): CompensationListRow => {
    const sa = wf.typedSearchAttributes;
    const since = sa.get(SA.AwaitingSince);
    return {
      requestId: compensationRequestId(wf.workflowId),
      workflowId: wf.workflowId,
      orderId: sa.get(SA.OrderId),
      tier: sa.get(SA.AwaitingTier),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      awaitingSince: since,
      deadlineAt: sa.get(SA.DeadlineAt),
      ageMs: since ? now - since.getTime() : undefined,
    };
  });
  return rows.sort(byDate((r) => r.awaitingSince));
}

// ---------- the names before the verbs were made the same in every domain ----------

/** @deprecated use {@link startCompensation} */
export const requestCompensation = startCompensation;
/** @deprecated use {@link getCompensationState} */
export const getCompensationStatus = getCompensationState;
/** @deprecated use {@link listCompensations} */
export const listApprovals = listCompensations;
/** @deprecated use {@link compensationsListQuery} */
export const approvalsListQuery = compensationsListQuery;
/** @deprecated use {@link CompensationListRow} */
export type PendingApproval = CompensationListRow;
