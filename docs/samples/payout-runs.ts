/** Sample (type-checked, never run): a backend service starting and following the payout run of a month. */
import { payoutRuns, type ConnectedClient } from '../../client';

export async function runMonth({ client }: ConnectedClient): Promise<void> {
  // start<Thing>: one run per period (workflow ID `payout-run-<period>`); a second start attaches to it.
  const { handle } = await payoutRuns.startPayoutRun(client, { period: '2026-11' });

  // get<Thing>State, by the period.
  const progress = await payoutRuns.getPayoutRunState(client, '2026-11');
  console.log(`started ${progress.started}, paid ${progress.counts.paid}, failed ${progress.counts.failed}`);

  // list<Things>: on-demand runs carry their period; the Schedule's runs have none.
  for (const run of await payoutRuns.listPayoutRuns(client, { running: true }))
    console.log(run.period ?? '(scheduled)', run.status, run.startedAt.toISOString());

  await handle.result();
}
