/**
 * Sample (type-checked, never run): a backend service paying a creator and acting on the payout by its payout ID.
 * `sign` comes from the decision service, which authenticated the staff member and checked the role.
 */
import { payouts, type CommandSigner, type ConnectedClient } from '../../client';

export async function payCreator({ client }: ConnectedClient, sign: CommandSigner): Promise<void> {
  const payoutId = payouts.payoutIdFor('c-1042', '2026-11');

  // start<Thing>: idempotent on the payout ID (a second start answers `existing: true`, never a second payout).
  const { existing } = await payouts.startPayout(client, {
    payoutId,
    creatorId: 'c-1042',
    period: '2026-11',
    amount: { amountMinor: 125_00, currency: 'USD' },
  });

  // get<Thing>State: asks the workflow itself (strongly consistent).
  const state = await payouts.getPayoutState(client, payoutId);
  console.log(existing ? 'already started' : 'started', state.state, state.awaiting?.actor ?? 'nobody');

  // list<Things>: from search attributes (eventually consistent, fine for a work list).
  for (const row of await payouts.listPayouts(client, { state: 'awaiting_payability' }))
    console.log(row.payoutId, row.creatorId, row.awaitingActor);

  // Commands by business ID: a refusal is a verdict, not a throw.
  const held = await payouts.holdPayout(client, payoutId, { reason: 'sanctions screening hit', sign });
  if (!held.accepted) console.log(`refused: ${held.code}: ${held.message}`);
  await payouts.releasePayout(client, payoutId, { reason: 'cleared by a second officer', sign });
  await payouts.resolvePayout(client, payoutId, {
    reason: 'paid by wire outside payops',
    outcome: 'paid_elsewhere',
    sign,
  });

  // Unsigned signals: the creator's directory or payout details changed.
  await payouts.recheckPayability(client, payoutId, { reason: 'KYC approved' });
}
