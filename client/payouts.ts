import type { Client, WorkflowHandle } from '@temporalio/client';
import { formatMoney } from '../workflows/shared/money';
import {
  cancelPayoutUpdate,
  creatorPayoutInput,
  creatorPayoutWorkflowId,
  getPayoutStateQuery,
  holdPayoutUpdate,
  initialPayoutSearchAttributes,
  opsCommandInput,
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
import { signedUpdate, splitSigner, type Signed } from './commands';
import { configuredTaskQueue } from './config';
import { parseClientInput, startOrAttach, verdictOf, type Verdict } from './errors';

export { creatorPayoutWorkflowId, payoutIdFor, PayoutRefusal } from '../workflows/payouts/contract';
export type {
  CreatorPayoutInput,
  CreatorPayoutResult,
  OpsCommand,
  OpsCommandResult,
  PayoutRefusalCode,
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
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: PayoutHandle; existing: boolean }> {
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
  async (client: Client, payoutId: string, command: Signed<OpsCommand>): Promise<Verdict<OpsCommandResult>> => {
    const [fields, sign] = splitSigner(command);
    const arg: OpsCommand = parseClientInput(opsCommandInput, fields, what);
    const workflowId = creatorPayoutWorkflowId(payoutId);
    return verdictOf(() => signedUpdate(client, workflowId, def, arg, sign));
  };

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
  const [fields, sign] = splitSigner(command);
  const arg: ResolvePayoutCommand = parseClientInput(resolvePayoutInput, fields, 'resolve payout');
  const workflowId = creatorPayoutWorkflowId(payoutId);
  return verdictOf(() => signedUpdate(client, workflowId, resolvePayoutUpdate, arg, sign));
}
