import type { Client, WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { formatMoney } from '../workflows/shared/money';
import { SA } from '../workflows/shared/search-attributes';
import {
  cancelPayoutUpdate,
  creatorPayoutInput,
  creatorPayoutWorkflowId,
  getPayoutStateQuery,
  holdPayoutUpdate,
  initialPayoutSearchAttributes,
  opsCommandInput,
  PayoutStates,
  recheckPayabilityInput,
  recheckPayabilitySignal,
  releasePayoutUpdate,
  resolvePayoutInput,
  resolvePayoutUpdate,
  retryPayoutNowUpdate,
  updatePayoutMethodInput,
  updatePayoutMethodSignal,
  type CreatorPayoutInput,
  type CreatorPayoutWorkflow,
  type OpsCommand,
  type OpsCommandResult,
  type PayoutStatus,
  type ResolvePayoutCommand,
} from '../workflows/payouts/contract';
import { sendSignedCommand, type Signed } from './commands';
import { configuredTaskQueue } from './config';
import { parseClientInput, startOrAttach, type StartOptions, type Started, type Verdict } from './errors';
import { businessIdOf, listRows } from './lists';

export { creatorPayoutWorkflowId, payoutIdFor, PayoutRefusal } from '../workflows/payouts/contract';
export type {
  CreatorPayoutInput,
  CreatorPayoutResult,
  OpsCommand,
  OpsCommandResult,
  PayoutRefusalCode,
  PayoutStateName,
  PayoutStatus,
  ResolvePayoutCommand,
} from '../workflows/payouts/contract';

export type PayoutHandle = WorkflowHandle<CreatorPayoutWorkflow>;

/**
 * Starts a creator payout; idempotent on `payoutId`: a second start, while it runs or after it closed
 * (REJECT_DUPLICATE), returns the same payout's handle with `existing: true`. One payout per ID.
 */
export async function startPayout(
  client: Client,
  input: CreatorPayoutInput,
  opts: StartOptions = {},
): Promise<Started<CreatorPayoutWorkflow>> {
  const payout = parseClientInput(creatorPayoutInput, input, 'creator payout');
  return startOrAttach<CreatorPayoutWorkflow>(client, 'creatorPayout', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId: creatorPayoutWorkflowId(payout.payoutId),
    args: [payout],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Payout ${payout.payoutId}: ${formatMoney(payout.amount)} to creator ${payout.creatorId} for ${payout.period}`,
    staticDetails:
      'Ops: getState query; holdPayout / releasePayout / cancelPayout / retryPayoutNow / resolvePayout updates.',
    typedSearchAttributes: initialPayoutSearchAttributes(payout),
  });
}

/** The handle of a payout by its business ID. */
export function payoutHandle(client: Client, payoutId: string): PayoutHandle {
  return client.workflow.getHandle<CreatorPayoutWorkflow>(creatorPayoutWorkflowId(payoutId));
}

/**
 * The payout's current snapshot (state, who it waits on, timeline; no account data). Asked under the older query
 * name, which every payout answers, whichever code version it runs (`getState` is the same snapshot).
 */
export async function getPayoutState(client: Client, payoutId: string): Promise<PayoutStatus> {
  return payoutHandle(client, payoutId).query(getPayoutStateQuery);
}

/** The creator's directory changed (KYC, sanctions): re-check payability now. */
export async function recheckPayability(
  client: Client,
  payoutId: string,
  input: { reason?: string } = {},
): Promise<void> {
  await payoutHandle(client, payoutId).signal(
    recheckPayabilitySignal,
    parseClientInput(recheckPayabilityInput, input, 'recheck'),
  );
}

/** The creator saved new payout details (the signal carries none): re-read them and pay again after a return. */
export async function updatePayoutMethod(
  client: Client,
  payoutId: string,
  input: { reason?: string } = {},
): Promise<void> {
  await payoutHandle(client, payoutId).signal(
    updatePayoutMethodSignal,
    parseClientInput(updatePayoutMethodInput, input, 'payout method update'),
  );
}

const ops =
  (def: typeof cancelPayoutUpdate, what: string) =>
  async (client: Client, payoutId: string, command: Signed<OpsCommand>): Promise<Verdict<OpsCommandResult>> =>
    sendSignedCommand(client, creatorPayoutWorkflowId(payoutId), def, opsCommandInput, command, what);

/**
 * Ops commands; each is signed by `sign` (a command assertion for this command on the payout's current run: the
 * operator is its subject; hold needs the `compliance` or `ops` role, release `compliance` and another officer than
 * the one who held, the others `ops`) and says why, kept in the audit trail. The verdict is the state after the
 * command, or the refusal (`type`, `code` from {@link PayoutRefusal}, or `Unauthorized` with an assertion code,
 * message) when nothing changed. Bad input throws `ClientInputError` before reaching Temporal.
 */
export const cancelPayout = ops(cancelPayoutUpdate, 'cancel payout');
export const holdPayout = ops(holdPayoutUpdate, 'hold payout');
export const releasePayout = ops(releasePayoutUpdate, 'release payout');
export const retryPayoutNow = ops(retryPayoutNowUpdate, 'retry payout');

/** Closes a payout by hand (paid elsewhere, or abandoned); see the ops commands above for the signer and verdict. */
export async function resolvePayout(
  client: Client,
  payoutId: string,
  command: Signed<ResolvePayoutCommand>,
): Promise<Verdict<OpsCommandResult>> {
  const workflowId = creatorPayoutWorkflowId(payoutId);
  return sendSignedCommand(client, workflowId, resolvePayoutUpdate, resolvePayoutInput, command, 'resolve payout');
}

const listFilter = z
  .object({
    state: z.enum(PayoutStates).optional(),
    creatorId: creatorPayoutInput.shape.creatorId.optional(),
    /** Only the payouts a payout run started (its `runId`, e.g. `payout-run-2026-11`). */
    runId: creatorPayoutInput.shape.runId,
    /** Only payouts still running (the default); `false` lists closed ones too. */
    running: z.boolean().default(true),
  })
  .strict();

/** What {@link listPayouts} filters on (default: every running payout). */
export type PayoutListFilter = z.input<typeof listFilter>;

/**
 * The visibility query behind {@link listPayouts}. Values are checked by the contract's own ID schemas first (letters,
 * digits and a few marks), so nothing a caller passes can end the quoted string.
 */
export function payoutsListQuery(filter: PayoutListFilter = {}): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = 'creatorPayout'`,
    ...(f.running ? [`ExecutionStatus = 'Running'`] : []),
    ...(f.state ? [`${SA.PayoutState.name} = '${f.state}'`] : []),
    ...(f.creatorId ? [`${SA.CreatorId.name} = '${f.creatorId}'`] : []),
    ...(f.runId ? [`${SA.PayoutRunId.name} = '${f.runId}'`] : []),
  ].join(' AND ');
}

/** One row of a payouts list, from search attributes (eventually consistent: fine for a list). */
export interface PayoutListRow {
  payoutId: string;
  workflowId: string;
  state: string | undefined;
  creatorId: string | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
  rail: string | undefined;
  /** Who it waits on (`AwaitingActor`): `none` when nobody. */
  awaitingActor: string | undefined;
  lastErrorCode: string | undefined;
  startedAt: Date;
}

/** Payouts matching the filter (default: every running payout), oldest start first. */
export async function listPayouts(client: Client, filter: PayoutListFilter = {}): Promise<PayoutListRow[]> {
  const rows = await listRows(client, payoutsListQuery(filter), (wf): PayoutListRow => {
    const sa = wf.typedSearchAttributes;
    return {
      payoutId: businessIdOf(creatorPayoutWorkflowId, wf.workflowId) ?? wf.workflowId,
      workflowId: wf.workflowId,
      state: sa.get(SA.PayoutState),
      creatorId: sa.get(SA.CreatorId),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      rail: sa.get(SA.Rail),
      awaitingActor: sa.get(SA.AwaitingActor),
      lastErrorCode: sa.get(SA.LastErrorCode),
      startedAt: wf.startTime,
    };
  });
  return rows.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}
