import type { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { createHttpEvidence } from '../../activities/adapters/evidence/http-evidence';
import { approvals } from '../../client';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startEvidenceSandbox, type EvidenceSandbox } from '../../sandboxes/evidence';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { compensationWorkflowId } from '../../workflows/approvals/contract';
import { disputeCaseWorkflowId, receivePspEventSignal } from '../../workflows/disputes/contract';
import { signedEvent } from '../support/rail-proof';
import type { AppConfig } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { compensationRequest, seedOrder } from './approvals-support';
import { pspEvent, uniqueDisputeId } from './disputes-support';
import { currentDetails, listed, listedAsRetrying } from './retrying-support';

/**
 * Issue 13, item 1 for the other domains: an approval whose order look-up keeps failing (commerce sandbox down) and a
 * dispute whose evidence reads keep failing (evidence sandbox down) are listed by the `retrying` stuck query with
 * their code and details, and leave it when the system recovers. Real dev server, sandboxes, moto.
 */
describe('retrying approvals and disputes are listable (real dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let evidence: EvidenceSandbox;
  let config: AppConfig;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;

  beforeAll(async () => {
    [psp, commerce, evidence] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startCommerceSandbox({ port: 0 }),
      startEvidenceSandbox({ port: 0 }),
    ]);
    config = testConfig({ PSP_API_BASE: psp.url });
    const deps = buildDependencies(config, {
      commerce: createHttpCommerce({ apiBase: commerce.url }),
      evidence: createHttpEvidence({ apiBase: evidence.url }),
    });
    ({ worker, connection: workerConnection } = await testWorker(config, deps));
    running = worker.run();
    ({ client, connection } = await testClient(config));
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
    await Promise.all([psp?.stop(), commerce?.stop(), evidence?.stop()]);
  });

  const faults = (base: string, body: object | undefined) =>
    fetch(`${base}/__admin/faults`, {
      method: body ? 'POST' : 'DELETE',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  const cleared = (wf: string) => async () => ((await listed(client, wf))?.failedAttempts === 0 ? true : undefined);

  test('when the order look-up of a compensation keeps failing, then the request is listed as retrying, and not once commerce is back', async () => {
    const order = await seedOrder({ psp: psp.url, commerce: commerce.url }, 5_000);
    await faults(commerce.url, { fail5xxNext: 10_000 });
    const input = await compensationRequest({
      orderId: order.orderId,
      customerId: order.customerId,
      remedies: { refund: { kind: 'partial', amountMinor: 500 } },
    });
    const { handle } = await approvals.startCompensation(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    const wf = compensationWorkflowId(input.requestId);

    const shown = await until(() => listedAsRetrying(client, wf), 30_000);
    expect(shown.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(shown.lastErrorCode).toBe('COMMERCE_UNAVAILABLE');
    expect(await currentDetails(client, wf)).toMatch(
      /retrying openCompensationCase since \S+Z, attempt \d+, last error COMMERCE_UNAVAILABLE, next attempt \S+Z/,
    );

    await faults(commerce.url, undefined);
    await expect(handle.result()).resolves.toMatchObject({ status: 'executed' });
    await until(cleared(wf), 15_000);
    expect(await listedAsRetrying(client, wf)).toBeUndefined();
    expect((await listed(client, wf))?.lastErrorCode).toBe('none');
  }, 90_000);

  test('when the evidence reads of a dispute keep failing, then the case is listed as retrying, and not once the source is back', async () => {
    const order = await seedOrder({ psp: psp.url, commerce: commerce.url }, 12_500);
    await faults(evidence.url, { fail5xxNext: 10_000 });
    const disputeId = uniqueDisputeId();
    const wf = disputeCaseWorkflowId(disputeId);
    // The dispute exists at the PSP: the case confirms every event there before it acts on it.
    await fetch(`${psp.url}/__admin/disputes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: disputeId,
        charge: order.paymentRef,
        amount: 12_500,
        currency: 'eur',
        reason: 'product_not_received',
        orderId: order.orderId,
      }),
    });
    const handle = await client.workflow.signalWithStart('disputeCase', {
      workflowId: wf,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ disputeId }],
      signal: receivePspEventSignal,
      signalArgs: [
        await signedEvent(
          wf,
          receivePspEventSignal.name,
          pspEvent(disputeId, 1, Date.now(), { orderId: order.orderId }),
        ),
      ],
    });

    const shown = await until(() => listedAsRetrying(client, wf), 30_000);
    expect(shown.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(shown.lastErrorCode).toBe('EVIDENCE_UNAVAILABLE');
    expect(await currentDetails(client, wf)).toMatch(
      /retrying gatherDisputeEvidence since \S+Z, attempt \d+, last error EVIDENCE_UNAVAILABLE, next attempt \S+Z/,
    );

    await faults(evidence.url, undefined);
    await until(cleared(wf), 30_000);
    expect(await listedAsRetrying(client, wf)).toBeUndefined();
    expect(await currentDetails(client, wf)).not.toContain('retrying gatherDisputeEvidence');
    await handle.terminate('test done');
  }, 90_000);
});
