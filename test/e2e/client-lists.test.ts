import { connectClient, payoutRuns, payouts, type ConnectedClient } from '../../client';
import { stackEnv } from '../support/stack';
import { until } from '../support/wait';

/**
 * The two lists the client gained with the common verbs, on the dev server (no worker: the rows come from the search
 * attributes a start sets, so nothing has to run).
 */
describe('typed client lists (Temporal dev server, no worker)', () => {
  const tag = Date.now().toString(36);
  const queue = `client-lists-${tag}`;
  let connected: ConnectedClient;
  beforeAll(async () => {
    connected = await connectClient({ env: { ...process.env, TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS') } });
  });
  afterAll(async () => {
    await connected?.close();
  });

  test('when a payout is started, then listPayouts lists it by its payout ID with its creator, amount and state', async () => {
    const { client } = connected;
    const creatorId = `c-list-${tag}`;
    const payoutId = `${creatorId}-2026-10`;
    const { handle } = await payouts.startPayout(
      client,
      { payoutId, creatorId, period: '2026-10', amount: { amountMinor: 1_234, currency: 'USD' } },
      { taskQueue: queue },
    );
    try {
      const row = await until(async () => (await payouts.listPayouts(client, { creatorId }))[0], 15_000);
      expect(row).toMatchObject({
        payoutId,
        workflowId: payouts.creatorPayoutWorkflowId(payoutId),
        state: 'validating',
        creatorId,
        amountMinor: 1_234,
        currency: 'USD',
      });
      expect(await payouts.listPayouts(client, { creatorId, state: 'on_hold' })).toEqual([]);
    } finally {
      await handle.terminate('test: only the list was under test');
    }
  });

  test('when a payout run is started on demand, then listPayoutRuns lists it with its period while it runs', async () => {
    const { client } = connected;
    // A period no other test starts, so the run's workflow ID (payout-run-<period>) is this test's alone; a run of it
    // left terminated by an earlier pass does not stand in the way (a run's ID may be reused once it closed).
    const period = '1999-01';
    const { handle, workflowId } = await payoutRuns.startPayoutRun(client, { period }, { taskQueue: queue });
    try {
      const row = await until(
        async () =>
          (await payoutRuns.listPayoutRuns(client, { running: true })).find((r) => r.workflowId === workflowId),
        15_000,
      );
      expect(row).toMatchObject({ period, status: 'RUNNING' });
    } finally {
      await handle.terminate('test: only the list was under test');
    }
  });
});
