import type { Client, WorkflowHandle } from '@temporalio/client';
import { formatMoney } from '../workflows/shared/money';
import { configuredTaskQueue } from './config';
import type { creatorPayout } from '../workflows/payouts/creator-payout';
import { initialPayoutSearchAttributes } from '../workflows/payouts/payout-tracker';
import {
  cancelPayoutUpdate,
  creatorPayoutInput,
  creatorPayoutWorkflowId,
  getPayoutStateQuery,
  holdPayoutUpdate,
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
  type OpsCommand,
  type OpsCommandResult,
  type PayoutStatus,
  type ResolvePayoutCommand,
} from '../workflows/payouts/contract';
import { parseClientInput, startOrAttach } from './errors';

export { creatorPayoutWorkflowId, payoutIdFor } from '../workflows/payouts/contract';
export type {
  CreatorPayoutInput,
  CreatorPayoutResult,
  OpsCommand,
  PayoutStatus,
  ResolvePayoutCommand,
} from '../workflows/payouts/contract';

export type PayoutHandle = WorkflowHandle<typeof creatorPayout>;

/**
 * Starts a creator payout; idempotent on `payoutId`. A running payout is attached to (USE_EXISTING); a closed one is
 * never started again (REJECT_DUPLICATE), its handle is returned instead. Either way there is one payout per ID.
 */
export async function startPayout(
  client: Client,
  input: CreatorPayoutInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: PayoutHandle }> {
  const payout = parseClientInput(creatorPayoutInput, input, 'creator payout');
  const workflowId = creatorPayoutWorkflowId(payout.payoutId);
  const { handle } = await startOrAttach<typeof creatorPayout>(client, 'creatorPayout', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId,
    args: [payout],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Payout ${payout.payoutId}: ${formatMoney(payout.amount)} to creator ${payout.creatorId} for ${payout.period}`,
    staticDetails:
      'Ops: getPayoutState query; holdPayout / releasePayout / cancelPayout / retryPayoutNow / resolvePayout updates.',
    typedSearchAttributes: initialPayoutSearchAttributes(payout),
  });
  return { workflowId, handle };
}

export function payoutHandle(client: Client, payoutId: string): PayoutHandle {
  return client.workflow.getHandle<typeof creatorPayout>(creatorPayoutWorkflowId(payoutId));
}

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
  async (client: Client, payoutId: string, command: OpsCommand): Promise<OpsCommandResult> =>
    payoutHandle(client, payoutId).executeUpdate(def, { args: [parseClientInput(opsCommandInput, command, what)] });

/** Ops commands; each names the operator and a reason, kept in history and the audit trail. Refusals throw `WorkflowUpdateFailedError`. */
export const cancelPayout = ops(cancelPayoutUpdate, 'cancel payout');
export const holdPayout = ops(holdPayoutUpdate, 'hold payout');
export const releasePayout = ops(releasePayoutUpdate, 'release payout');
export const retryPayoutNow = ops(retryPayoutNowUpdate, 'retry payout');

export async function resolvePayout(
  client: Client,
  payoutId: string,
  command: ResolvePayoutCommand,
): Promise<OpsCommandResult> {
  return payoutHandle(client, payoutId).executeUpdate(resolvePayoutUpdate, {
    args: [parseClientInput(resolvePayoutInput, command, 'resolve payout')],
  });
}
