import { ApplicationFailure } from '@temporalio/common';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { createLogger, TemporalLogAdapter } from '../../workers/logger';
import { createLongLivedWorker, installWorkerLogging } from '../../workers/long-lived';
import { stackProbe } from '../../workflows';
import { stackProbeWorkflowId } from '../../workflows/probe/contract';
import { stackEnv, testClient, testConfig } from '../support/stack';
import { until } from '../support/wait';

type Line = Record<string, unknown>;
const IBAN = 'DE89370400440532013000';

/**
 * Every line the process writes meanwhile, parsed when it is JSON (the logger writes one object a line: DEBUG and
 * INFO to stdout, WARN and ERROR to stderr, as Lambda's console does).
 */
function captureOutput(): { lines: Line[]; raw: string[]; restore(): void } {
  const raw: string[] = [];
  const restores = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => void (stream.write = original);
  });
  return {
    raw,
    get lines() {
      return raw.flatMap((l) => {
        try {
          return [JSON.parse(l) as Line];
        } catch {
          return [];
        }
      });
    },
    restore: () => restores.forEach((restore) => restore()),
  };
}

describe('one JSON logger: the SDK, workflow and activity logs with their IDs, errors as codes', () => {
  const out = captureOutput();
  let psp: PspSandbox;
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
  });
  afterAll(async () => {
    out.restore();
    await psp.stop();
  });

  test('when an activity fails with a provider text quoting an IBAN, then its log line has the codes only', () => {
    const adapter = new TemporalLogAdapter(createLogger({ service: 'payops-test', level: 'INFO' }));
    const provider = new ProviderTransientError('bank', 'BANK_UNAVAILABLE', `bank refused ${IBAN}`, 503);
    adapter.warn('Activity failed', { activityId: '7', attempt: 2, error: provider });
    const failure = ApplicationFailure.create({ type: 'InvalidInput', message: `bad ${IBAN}`, nonRetryable: true });
    adapter.warn('Workflow failed', { workflowId: 'w', error: failure, reason: `creditor ${IBAN}` });
    const [activity, workflow] = out.lines.filter((l) => l['service'] === 'payops-test');
    expect(activity).toMatchObject({
      level: 'WARN',
      message: 'Activity failed',
      activityId: '7',
      attempt: 2,
      error: { name: 'ProviderTransientError', code: 'BANK_UNAVAILABLE' },
    });
    expect(workflow).toMatchObject({
      error: { name: 'ApplicationFailure', type: 'InvalidInput', nonRetryable: true },
      reason: '[free text not logged]',
    });
    expect(out.raw.join('\n')).not.toContain(IBAN);
  });

  test('when a line carries a token, a rail-event proof, an account token or an IBAN as attributes, then none is logged', () => {
    const adapter = new TemporalLogAdapter(createLogger({ service: 'payops-test-secrets', level: 'INFO' }));
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJmaW4uZGF2ZSJ9.c2lnbmF0dXJl';
    adapter.info('command', {
      workflowId: 'w',
      token,
      proof: token,
      destination: { accountToken: 'acct_1Q', iban: IBAN },
    });
    const [line] = out.lines.filter((l) => l['service'] === 'payops-test-secrets');
    expect(line).toMatchObject({ workflowId: 'w', token: '[secret not logged]', proof: '[secret not logged]' });
    expect(line?.['destination']).toEqual({ accountToken: '[secret not logged]', iban: '[secret not logged]' });
    expect(out.raw.join('\n')).not.toContain(token);
    expect(out.raw.join('\n')).not.toContain(IBAN);
  });

  test('when a worker runs a workflow, then its workflow and activity lines are JSON with workflowId, runId, activityId and attempt', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url, LOG_LEVEL: 'DEBUG' });
    // What the worker process's entry point does first: the Runtime logs through the process's JSON logger.
    installWorkerLogging(config);
    const { worker, connection: workerConnection } = await createLongLivedWorker({
      config,
      workflowBundlePath: stackEnv('PAYOPS_TEST_BUNDLE'),
    });
    const { client, connection } = await testClient(config);
    try {
      const probeId = `logs-${Date.now()}`;
      const workflowId = stackProbeWorkflowId(probeId);
      const handle = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ probeId }],
      });
      const refused = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `${workflowId}-refused`,
        args: [{ probeId: `NOT VALID ${IBAN}` }],
      });
      await worker.runUntil(async () => {
        await handle.result();
        await refused.result().catch(() => undefined);
        // The Runtime buffers lines ~100 ms to order them: wait for the last ones while the worker still runs.
        await until(() => out.lines.find((l) => l['workflowId'] === refused.workflowId && l['level'] === 'WARN'));
      });
      const ours = (l: Line) => l['service'] === 'payops-worker' && l['workflowId'] === workflowId;
      const completed = out.lines.find((l) => ours(l) && l['message'] === 'Workflow completed');
      expect(completed).toMatchObject({
        level: 'DEBUG',
        runId: handle.firstExecutionRunId,
        workflowType: 'stackProbe',
      });
      const activity = out.lines.find((l) => l['workflowId'] === workflowId && l['message'] === 'Activity completed');
      expect(activity).toMatchObject({ activityType: expect.any(String), activityId: expect.any(String), attempt: 1 });
      expect(activity?.['workflowRunId']).toBe(handle.firstExecutionRunId);

      const failed = out.lines.find((l) => l['workflowId'] === refused.workflowId && l['level'] === 'WARN');
      expect(failed).toMatchObject({
        message: 'Workflow failed',
        runId: refused.firstExecutionRunId,
        // The SDK hands the workflow's error over from the sandbox as a plain Error: its name is what remains.
        error: { name: expect.any(String) },
      });
      expect(JSON.stringify(failed)).not.toMatch(/invalid stack probe input|must be 1-64/);
      expect(out.raw.join('\n')).not.toContain(IBAN);
      // The worker's options (logged at DEBUG when it is created) hold the codec's keyring: no key bytes.
      const creating = out.lines.find((l) => l['service'] === 'payops-worker' && l['message'] === 'Creating worker');
      expect(JSON.stringify(creating)).toContain('[binary not logged]');
      expect(JSON.stringify(creating)).not.toMatch(/"key":\{"type":"Buffer"/);
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});
