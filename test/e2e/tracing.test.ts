import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectClient } from '../../client/connect';
import { dataConverterFor } from '../../workers/data-converter';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { temporalEnv } from '../../workers/config';
import { createLongLivedWorker } from '../../workers/long-lived';
import { startTracing } from '../../workers/telemetry';
import { stackProbe } from '../../workflows';
import { stackProbeWorkflowId } from '../../workflows/probe/contract';
import { testConfig } from '../support/stack';
import { until } from '../support/wait';

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}
type OtlpBody = {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<ExportedSpan, 'service'>[] }[];
  }[];
};

/** A tiny OTLP/HTTP collector: what the exporter POSTs to /v1/traces (JSON), flattened to spans. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('optional OpenTelemetry tracing through the interceptors (OTLP/HTTP, real dev server)', () => {
  let psp: PspSandbox;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    [psp, collector] = await Promise.all([startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }), startCollector()]);
  });
  afterAll(async () => {
    await psp.stop();
    collector.server.close();
  });

  test('when no OTLP endpoint is configured, then tracing is off', async () => {
    expect(await startTracing(testConfig(), 'payops-worker')).toBeUndefined();
  });

  test('when OTEL_EXPORTER_OTLP_ENDPOINT is set, then a workflow run exports one trace from the client start to each activity', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    // No prebuilt bundle: the worker bundles the workflows at start-up, with the tracing workflow interceptors.
    const { worker, connection: workerConnection, tracing } = await createLongLivedWorker({ config });
    const clientTracing = await startTracing(config, 'payops-test-client');
    const { client, close } = await connectClient({
      env: temporalEnv(config, {}),
      dataConverter: dataConverterFor(config),
      interceptors: clientTracing?.clientInterceptors,
    });
    try {
      const probeId = `traced-${Date.now()}`;
      const handle = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: stackProbeWorkflowId(probeId),
        args: [{ probeId }],
      });
      await worker.runUntil(handle.result());
      await Promise.all([tracing?.forceFlush(), clientTracing?.forceFlush()]);

      const expected = [
        'StartWorkflow:stackProbe',
        'RunWorkflow:stackProbe',
        'StartActivity:publishEvent',
        'RunActivity:publishEvent',
        'StartActivity:pspPing',
        'RunActivity:pspPing',
      ];
      const start = await until(() => collector.spans.find((s) => s.name === 'StartWorkflow:stackProbe'), 15_000);
      const trace = await until(() => {
        const spans = collector.spans.filter((s) => s.traceId === start.traceId);
        return expected.every((name) => spans.some((s) => s.name === name)) ? spans : undefined;
      }, 15_000);
      const byName = (name: string) => trace.find((s) => s.name === name) as ExportedSpan;
      expect(byName('StartWorkflow:stackProbe').service).toBe('payops-test-client');
      expect(byName('RunWorkflow:stackProbe').service).toBe('payops-worker');
      expect(byName('RunActivity:pspPing').service).toBe('payops-worker');
      // One tree: the run continues the client's start; each activity run continues the workflow's schedule.
      expect(byName('RunWorkflow:stackProbe').parentSpanId).toBe(start.spanId);
      expect(byName('RunActivity:publishEvent').parentSpanId).toBe(byName('StartActivity:publishEvent').spanId);
    } finally {
      await close();
      await workerConnection.close();
      await Promise.all([tracing?.shutdown(), clientTracing?.shutdown()]);
    }
  });
});
