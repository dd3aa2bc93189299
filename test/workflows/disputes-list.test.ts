import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import {
  assignDispute,
  disputesListQuery,
  getDisputeState,
  listDisputes,
  startDisputeCase,
  type DisputeListRow,
} from '../../client/disputes';
import { staffSigner } from '../support/staff';
import { fakeDeps } from '../support/time-skipping';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';

/** The ops work list on the real dev server: search attributes as registered, queried through the typed client. */
describe('dispute work list (dev server)', () => {
  const config = testConfig();
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let workerConnection: { close(): Promise<void> };
  let running: Promise<void>;

  beforeAll(async () => {
    ({ worker, connection: workerConnection } = await testWorker(config, fakeDeps()));
    running = worker.run();
    ({ client, connection } = await testClient(config));
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
  });

  /** Visibility is eventually consistent: polls the list (bounded) until it holds the case, or fails. */
  const listed = (filter: Parameters<typeof listDisputes>[1], workflowId: string) =>
    until(
      async () => (await listDisputes(client, filter)).find((r: DisputeListRow) => r.workflowId === workflowId),
      15_000,
    );

  test('when a case is handed to tier 2, then listing disputes by tier finds it under tier2 and not under tier1', async () => {
    const disputeId = `dp_list${Date.now().toString(36)}`;
    const opened = await startDisputeCase(client, { disputeId }, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    try {
      expect(await listed({ tier: 'tier1' }, opened.workflowId)).toMatchObject({ tier: 'tier1', state: 'opened' });
      expect(opened.existing).toBe(false);
      expect(await startDisputeCase(client, { disputeId }, { taskQueue: config.TEMPORAL_TASK_QUEUE })).toMatchObject({
        workflowId: opened.workflowId,
        existing: true,
      });

      const verdict = await assignDispute(client, disputeId, {
        assignee: 'desk.bo',
        tier: 'tier2',
        by: 'lead.cy',
        sign: staffSigner('lead.cy', ['tier2']),
      });
      expect(verdict).toMatchObject({ accepted: true, value: { tier: 'tier2', assignee: 'desk.bo' } });
      expect(await listed({ tier: 'tier2' }, opened.workflowId)).toMatchObject({
        tier: 'tier2',
        state: 'opened',
        awaitingActor: 'ops',
      });
      const tier1 = await listDisputes(client, { tier: 'tier1' });
      expect(tier1.map((r) => r.workflowId)).not.toContain(opened.workflowId);
      expect((await getDisputeState(client, disputeId)).tier).toBe('tier2');
    } finally {
      await opened.handle.terminate('test done');
    }
  });

  test('when the list is filtered by tier, then the query names the registered AwaitingTier attribute', () => {
    expect(disputesListQuery({ tier: 'finance_legal' }, 0)).toBe(
      "WorkflowType = 'disputeCase' AND ExecutionStatus = 'Running' AND " +
        "DisputeState IN ('opened', 'gathering_evidence', 'in_review', 'pre_arbitration') AND " +
        "AwaitingTier = 'finance_legal'",
    );
  });
});
