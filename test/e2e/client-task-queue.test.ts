import { connectClient } from '../../client';
import { startPayout } from '../../client/payouts';
import { stackEnv } from '../support/stack';

describe('typed client task queue (Temporal dev server, no worker)', () => {
  const saved = process.env['TEMPORAL_TASK_QUEUE'];
  const queue = `client-queue-${Date.now().toString(36)}`;
  beforeAll(() => {
    process.env['TEMPORAL_TASK_QUEUE'] = queue;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['TEMPORAL_TASK_QUEUE'];
    else process.env['TEMPORAL_TASK_QUEUE'] = saved;
  });

  test('when TEMPORAL_TASK_QUEUE is set, then a start through the typed client lands on that queue', async () => {
    const { client, taskQueue, close } = await connectClient({
      env: { ...process.env, TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS') },
    });
    const payoutId = `queue-${Date.now().toString(36)}`;
    try {
      expect(taskQueue).toBe(queue);
      const { handle } = await startPayout(client, {
        payoutId,
        creatorId: 'c-queue',
        period: '2026-10',
        amount: { amountMinor: 1_000, currency: 'USD' },
      });
      try {
        expect((await handle.describe()).taskQueue).toBe(queue);
      } finally {
        await handle.terminate('test: only the task queue was under test');
      }
    } finally {
      await close();
    }
  });
});
