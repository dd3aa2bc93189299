/** Sample (type-checked, never run): the README's first call, a payout started from a backend service. */
import { connectClient, payouts } from '../../client';

export async function quickStart(): Promise<void> {
  const { client, close } = await connectClient(); // Temporal envconfig: temporal.toml profile + TEMPORAL_* variables
  const { existing } = await payouts.startPayout(client, {
    payoutId: 'po-2026-11-c-42',
    creatorId: 'c-42',
    period: '2026-11',
    amount: { amountMinor: 12_500, currency: 'EUR' },
  });
  console.log(existing, await payouts.getPayoutState(client, 'po-2026-11-c-42'));
  await close();
}
