/**
 * Sample (type-checked, never run): an ops backend working a dispute case by its dispute ID (normally the PSP webhook
 * opens the case; a start by hand is idempotent on the same ID).
 */
import { disputes, type CommandSigner, type ConnectedClient } from '../../client';

export async function workDispute({ client }: ConnectedClient, sign: CommandSigner): Promise<void> {
  const disputeId = 'dp_1Q2w3E4r';

  // start<Thing>
  await disputes.startDisputeCase(client, { disputeId });

  // get<Thing>State
  const view = await disputes.getDisputeState(client, disputeId);
  console.log(view.state, view.dueBy);

  // list<Things>: cases not submitted yet whose evidence is due within 3 days, soonest first.
  for (const row of await disputes.listDisputes(client, { dueWithinDays: 3 }))
    console.log(row.disputeId, row.state, row.tier, row.dueBy);

  // Commands by dispute ID, each signed for the staff member who acts.
  await disputes.assignDispute(client, disputeId, { assignee: 'ops.maria', tier: 'tier1', sign });
  await disputes.addDisputeEvidence(client, disputeId, {
    field: 'shipping_carrier',
    text: 'Delivered 2026-11-03, signed for',
    sign,
  });
  const decided = await disputes.decideDispute(client, disputeId, { decision: 'contest', sign });
  if (!decided.accepted) console.log(`refused: ${decided.code}: ${decided.message}`);
}
