import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import {
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type NativeConnection,
  type Worker,
} from '@temporalio/worker';
import type { AppConfig } from '../../workers/config';
import {
  addEvidenceUpdate,
  disputeCaseWorkflowId,
  getStateQuery,
  receivePspEventSignal,
  type DisputeCaseView,
  type PspDisputeEvent,
} from '../../workflows/disputes/contract';
import type { disputeCase } from '../../workflows/disputes/workflow';
import { decodedHistoryText, payloadsAsText } from '../support/codec';
import { signedEvent } from '../support/rail-proof';
import { signedFor, staffSigner } from '../support/staff';
import { testClient, testWorker } from '../support/stack';
import { fakeDeps } from '../support/time-skipping';
import { browserTest, launchChromium } from '../support/chromium';
import { until } from '../support/wait';
import { startWebUiServer, type WebUiServer } from '../browser/web-ui-server';

const MARKER = `SEALED${randomUUID().replace(/-/g, '')}`;
/** Sent by a client without the codec: stored in plain text, so the grep provably sees history payloads. */
const CONTROL = `PLAIN${randomUUID().replace(/-/g, '')}`;

/** Everything the worker process logs: the SDK's and Core's log lines (forwarded) and the console. */
const logLines: string[] = [];

/**
 * What is stored is sealed: a dispute whose evidence carries a marker runs on a dev server with a file DB, the Web UI
 * and the codec server; the marker is nowhere in the database files or the worker's logs, yet the history decoded
 * through the codec (and the Web UI through the codec server) shows it.
 */
describe('payloads at rest (own dev server with a file DB, Web UI and codec server)', () => {
  let stack: WebUiServer;
  let runDir: string;
  let config: AppConfig;
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let running: Promise<void>;
  let handle: WorkflowHandle<typeof disputeCase>;
  const disputeId = `dp_sealed${Date.now().toString(36)}`;

  beforeAll(async () => {
    Runtime.install({
      logger: new DefaultLogger('DEBUG', (e) =>
        logLines.push(`${e.level} ${e.message} ${JSON.stringify(e.meta ?? {})}`),
      ),
      telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'DEBUG' }) } },
    });
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[level].bind(console);
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logLines.push(args.map(String).join(' '));
        original(...args);
      });
    }
    stack = await startWebUiServer('sealed', { fileDb: true });
    ({ config, runDir } = stack);
    const f = fakeDeps();
    f.evidence.seed('ord-7001', {
      order: { productDescription: `Mug set ${MARKER}-order`, orderedAt: '2030-01-02T10:00:00Z' },
      communications: [
        {
          at: '2030-01-06T09:00:00Z',
          channel: 'email',
          direction: 'inbound',
          summary: `customer wrote ${MARKER}-mail`,
        },
      ],
    });
    const now = Date.now();
    f.psp.addDispute({
      disputeId,
      dueBy: new Date(now + 30 * 86_400_000).toISOString(),
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });
    ({ worker, connection: workerConnection } = await testWorker(config, f));
    running = worker.run();
    ({ client, connection } = await testClient(config));
    const created: PspDisputeEvent = {
      eventId: `evt_${disputeId}_1`,
      type: 'charge.dispute.created',
      createdAt: new Date(now).toISOString(),
      disputeId,
      status: 'needs_response',
      dueBy: new Date(now + 30 * 86_400_000).toISOString(),
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
      orderId: 'ord-7001',
      submissionCount: 0,
    };
    handle = await client.workflow.signalWithStart<typeof disputeCase, [PspDisputeEvent]>('disputeCase', {
      workflowId: disputeCaseWorkflowId(disputeId),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ disputeId }],
      signal: receivePspEventSignal,
      signalArgs: [await signedEvent(disputeCaseWorkflowId(disputeId), receivePspEventSignal.name, created)],
    });
    const gathered = (v: DisputeCaseView) =>
      v.evidenceSources.order !== 'pending' && v.evidenceSources.communications !== 'pending';
    await until(async () => (gathered(await handle.query(getStateQuery)) ? true : undefined), 30_000);
    const evidence = {
      field: 'uncategorized_text' as const,
      text: `Customer signed for it: ${MARKER}-evidence`,
      by: 'ops.ann',
    };
    const sign = staffSigner('ops.ann', ['tier1']);
    const signed = await signedFor(client, handle.workflowId, addEvidenceUpdate.name, evidence, sign);
    await client.workflow
      .getHandle(handle.workflowId, signed.runId)
      .executeUpdate(addEvidenceUpdate, { args: [signed.arg] });
    const plainClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    await plainClient.workflow.getHandle(handle.workflowId).signal(
      receivePspEventSignal,
      await signedEvent(handle.workflowId, receivePspEventSignal.name, {
        ...created,
        eventId: `evt_${CONTROL}`,
        type: 'charge.dispute.updated' as const,
      }),
    );
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await workerConnection?.close();
    await connection?.close();
    await stack?.stop();
    jest.restoreAllMocks();
  });

  test('when a dispute carries a marker in its evidence, then the database and the worker logs never hold it in plain text', async () => {
    // Through the codec the history does hold the marker: evidence read by activities and the ops update.
    const decoded = await decodedHistoryText(handle, config);
    for (const part of ['order', 'mail', 'evidence']) expect(decoded).toContain(`${MARKER}-${part}`);
    // Without the keys (what Temporal stores and serves) it does not.
    expect(JSON.stringify(await payloadsAsText(await handle.fetchHistory()))).not.toContain(MARKER);

    const dbFiles = readdirSync(runDir).filter((name) => name.startsWith('temporal.db'));
    expect(dbFiles).toContain('temporal.db');
    const db = Buffer.concat(dbFiles.map((name) => readFileSync(join(runDir, name))));
    // The grep sees plain text where there is some: workflow IDs, and the payload a client without the codec sent.
    expect(db.includes(disputeCaseWorkflowId(disputeId))).toBe(true);
    expect(db.includes(CONTROL)).toBe(true);
    expect(db.includes(MARKER)).toBe(false);
    expect(db.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
    expect(readFileSync(join(runDir, 'temporal.log')).includes(MARKER)).toBe(false);

    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(MARKER))).toEqual([]);
  });

  browserTest(
    'when the Web UI opens the case, then it shows the decoded payloads through the codec server',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const codecCalls: string[] = [];
        page.on('request', (r) => {
          if (r.url().startsWith(stack.codecUrl)) codecCalls.push(`${r.method()} ${new URL(r.url()).pathname}`);
        });
        const { runId } = await handle.describe();
        const base = `${stack.uiBase}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`;
        await page.goto(`${base}/${encodeURIComponent(handle.workflowId)}/${runId}/history`, { waitUntil: 'load' });
        await page.getByText(`"${disputeId}"`).first().waitFor({ timeout: 60_000 });
        await page.screenshot({ path: join(runDir, 'web-ui.png'), fullPage: true });
        expect(codecCalls).toContain('POST /decode');
        expect(await page.locator('body').innerText()).toContain('"disputeId"');
        // The UI's history download, "human readable" (decoded by the codec server in the browser): the marker is there.
        await page.getByRole('button', { name: 'Download' }).first().click();
        await page.getByText('Human Readable', { exact: true }).click();
        await page.screenshot({ path: join(runDir, 'web-ui-download.png'), fullPage: true });
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 60_000 }),
          page.getByRole('dialog').getByRole('button', { name: 'Download' }).click(),
        ]);
        const saved = join(runDir, 'ui-history.json');
        await download.saveAs(saved);
        const readable = readFileSync(saved, 'utf8');
        expect(readable).toContain(`${MARKER}-evidence`);
        expect(readable).toContain(`${MARKER}-mail`);
      } finally {
        await browser.close();
      }
    },
  );
});
