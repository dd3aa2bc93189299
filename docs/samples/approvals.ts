/**
 * Sample (type-checked, never run): a customer-service backend asking for compensation, and a finance tool deciding it,
 * by the request ID. Each `sign` is the decision service's signer for the staff member who acts.
 */
import { approvals, type CommandSigner, type ConnectedClient } from '../../client';

export async function compensateOrder(
  { client }: ConnectedClient,
  agent: CommandSigner,
  approver: CommandSigner,
): Promise<void> {
  const requestId = 'rq-77881';

  // start<Thing>: signed as the agent; idempotent on the request ID.
  await approvals.startCompensation(client, {
    requestId,
    orderId: 'ord-5531',
    customerId: 'cu-2210',
    requester: {},
    reasonCode: 'damaged_item',
    currency: 'EUR',
    remedies: { refund: { kind: 'partial', amountMinor: 40_00 }, voucherMinor: 10_00 },
    sign: agent,
  });

  // get<Thing>State
  const state = await approvals.getCompensationState(client, requestId);
  console.log(state.status, state.totalMinor);

  // list<Things>: the finance work list (default: pending), oldest wait first.
  for (const row of await approvals.listCompensations(client, { tier: 'finance' }))
    console.log(row.requestId, row.amountMinor, row.ageMs);

  // Commands by request ID: the amount is the total the approver saw (a changed request refuses it).
  const verdict = await approvals.decideCompensation(client, requestId, 'approve', {
    reason: 'photos confirm the damage',
    amount: { amountMinor: state.totalMinor ?? 0, currency: state.currency },
    sign: approver,
  });
  if (!verdict.accepted) console.log(`refused: ${verdict.code}: ${verdict.message}`);
}
