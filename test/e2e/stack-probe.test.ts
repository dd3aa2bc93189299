import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { stackProbe } from '../../workflows';
import { stackProbeWorkflowId } from '../../workflows/probe/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker, waitForEvent } from '../support/stack';

describe('stack probe (Temporal dev server + moto SNS + PSP sandbox)', () => {
  let psp: PspSandbox;
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
  });
  afterAll(async () => {
    await psp.stop();
  });

  test('when a client starts a probe, then the worker publishes to SNS, calls the PSP and returns both results', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url });
    const { worker, connection: workerConnection } = await testWorker(config);
    const { client, connection } = await testClient(config);
    try {
      const probeId = `e2e-${Date.now()}`;
      const handle = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: stackProbeWorkflowId(probeId),
        args: [{ probeId }],
      });
      const result = await worker.runUntil(handle.result());

      expect(result.probeId).toBe(probeId);
      expect(result.eventMessageId).toMatch(/\S+/);
      expect(result.pspCurrencies).toContain('USD');

      const event = await waitForEvent(
        config,
        (e) => e.type === 'probe.completed' && e.dedupeKey === stackProbeWorkflowId(probeId),
      );
      expect(event.data).toEqual({ probeId });

      const calls = await (await fetch(`${psp.url}/__admin/calls`)).json();
      expect(JSON.stringify(calls)).toContain('/v1/balance');

      await recordHistoryIfAsked(handle, 'stack-probe');
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});
