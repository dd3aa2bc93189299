import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { failureCode } from '../../workflows/shared/failures';
import { applyPspRateLimit, describePspQueue, pausePspCalls, resumePspCalls } from '../../client/psp-control';
import { pspTaskQueue } from '../../workflows/shared/task-queue';
import { until } from '../support/wait';
import { admin, startPayoutHarness, type PayoutHarness } from './payouts-harness';
import { createsPerPayout, sandboxCalls, startPspPayouts, untilScheduledNotStarted } from './psp-queue-support';

/**
 * Issue 14.1 against the dev server: the PSP queue's server-side rate limit paces every PSP activity, whichever
 * worker runs it. Each test builds the hardest case for a limiter, a backlog: N payouts wait at the PSP step on a
 * paused queue, then the queue opens at once. Opened at a limit below the PSP's token bucket, the PSP never answers
 * 429; opened without an effective limit (the control), the same bucket refuses the burst, so the zero is the
 * limit's doing. Either way every payout pays exactly once (a 429 is retried after its Retry-After).
 */
describe('PSP pacing: the PSP task queue rate limit (dev server, PSP sandbox with a token bucket)', () => {
  let h: PayoutHarness;
  // The sandbox's bucket: 5 requests/s, burst 12. A PSP activity makes at most 2 calls (look-up, create), and the
  // server lets a limit burst a little (measured: about 2 s worth of tasks), so 2 activities/s stay under it: at
  // most 2 × (4 + 2 t) calls in any t seconds, against 12 + 5 t.
  const bucket = { rps: 5, burst: 12 };
  const limit = 2;
  const n = 16;

  // The worker's log lines (this file's Runtime): an expected 429 must be one INFO line, never a WARN with a stack.
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('DEBUG', (e) => logs.push(e)) });
    h = await startPayoutHarness();
    await applyPspRateLimit(h.client, { ...h.config, PSP_RATE_LIMIT_RPS: limit, PSP_ACCOUNT_RATE_LIMIT_RPS: limit });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** N payouts held at the PSP step by a pause, released at `ratePerSecond`; the sandbox's calls meanwhile. */
  async function releaseBacklogAt(ratePerSecond: number, tag: string) {
    await admin(h.psp.url, '/__admin/rate-limit', bucket);
    await pausePspCalls(h.client, {
      provider: 'stripe',
      incidentId: `PACE-${tag}`,
      reason: 'build a backlog',
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
    });
    const before = (await sandboxCalls(h)).length;
    const handles = await startPspPayouts(h, n, tag);
    await untilScheduledNotStarted(handles, 'initiatePspPayout');

    // Per endpoint too (each PSP activity's fairness key): the pause holds the queue-wide limit at 0 meanwhile.
    const perEndpoint = { PSP_RATE_LIMIT_RPS: ratePerSecond, PSP_ACCOUNT_RATE_LIMIT_RPS: ratePerSecond };
    expect(await applyPspRateLimit(h.client, { ...h.config, ...perEndpoint })).toMatchObject({ applied: false });
    const resumed = await resumePspCalls(h.client, {
      provider: 'stripe',
      ratePerSecond,
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
    });
    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(resumed.ratePerSecond).toBe(ratePerSecond);
    expect(results.map((r) => (r as { state: string }).state)).toEqual(handles.map(() => 'completed'));
    return { calls: (await sandboxCalls(h)).slice(before), workflowIds: handles.map((x) => x.workflowId) };
  }

  test('when a backlog of N PSP payouts is released at a limit below the PSP bucket, then the PSP answers no 429 and each payout pays exactly once', async () => {
    // The two limits are two config updates; the server propagates a queue's config to its partitions on its own time.
    let described: Awaited<ReturnType<typeof describePspQueue>> | undefined;
    await until(
      async () => {
        described = await describePspQueue(h.client, h.config.TEMPORAL_TASK_QUEUE);
        return described.ratePerSecond === limit && described.endpointRatePerSecond === limit ? described : undefined;
      },
      15_000,
      () => `the PSP queue's limits at ${limit}/s (last: ${JSON.stringify(described)})`,
    );
    expect(described).toMatchObject({ taskQueue: pspTaskQueue(h.config.TEMPORAL_TASK_QUEUE) });

    const { calls, workflowIds } = await releaseBacklogAt(limit, 'paced');

    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    expect(createsPerPayout(calls, workflowIds)).toEqual(workflowIds.map(() => 1));
    // Each PSP activity is its own endpoint: its fairness key is what the per-endpoint limit applies to.
    const history = await h.client.workflow.getHandle(workflowIds[0] ?? '').fetchHistory();
    const keys = (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a?.taskQueue?.name === pspTaskQueue(h.config.TEMPORAL_TASK_QUEUE)
        ? [[a.activityType?.name, a.priority?.fairnessKey]]
        : [];
    });
    expect(keys).toContainEqual(['initiatePspPayout', 'psp:initiatePspPayout']);
    expect(keys.every(([name, key]) => key === `psp:${name}`)).toBe(true);
  });

  test('given the same bucket, when the backlog is released without an effective limit, then the PSP answers 429s and Retry-After still pays each once', async () => {
    const { calls, workflowIds } = await releaseBacklogAt(10_000, 'unpaced');

    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(createsPerPayout(calls, workflowIds)).toEqual(workflowIds.map(() => 1));

    // Each 429 failed one attempt: one INFO line for it (code, Retry-After, payout), nothing louder, no stack.
    const mine = logs.filter((e) => workflowIds.includes(String(e.meta?.['workflowId'])));
    const lines = mine.filter((e) => e.message === 'expected failure, retrying');
    expect(lines).toHaveLength(limited.length);
    for (const e of lines) {
      expect(e.level).toBe('INFO');
      expect(e.meta).toMatchObject({
        code: 'PSP_RATE_LIMITED',
        retryAfterMs: expect.any(Number),
        payoutId: String(e.meta?.['workflowId']).replace(/^payout-/, ''),
      });
      expect(JSON.stringify(e.meta)).not.toContain('    at ');
    }
    const loud = mine.filter((e) => e.level === 'WARN' || e.level === 'ERROR');
    expect(loud.filter((e) => failureCode(e.meta?.['error']) === 'PSP_RATE_LIMITED')).toEqual([]);
  });
});
