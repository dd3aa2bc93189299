import { ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { ensureSweepSchedule, SWEEP_SCHEDULE_ID } from '../../client/sweeper';
import { loadConfig } from '../../workers/config';
import type { StuckWorkSweepResult } from '../../workflows/sweeper/contract';
import { waitForState } from './payouts-harness';
import { startSweeperStack, visibleIn, type SweeperStack } from './sweeper-support';
import { recordHistoryIfAsked } from '../support/histories';
import { until } from '../support/wait';

/** The sweep's Schedule on the real dev server: created once, updated in place, and its runs chained by `lastResult`. */
describe('stuck-work sweep Schedule (real dev server)', () => {
  let s: SweeperStack;
  let schedule: ScheduleHandle | undefined;
  beforeAll(async () => {
    s = await startSweeperStack();
  });
  afterAll(async () => {
    await schedule?.delete().catch(() => undefined);
    await s?.stop();
  });

  const configWith = (env: Record<string, string>) => ({
    ...loadConfig({ ...env, PAYOPS_STAGE: 'test' }),
    TEMPORAL_TASK_QUEUE: s.config.TEMPORAL_TASK_QUEUE,
  });

  test('when ensureSweepSchedule runs twice, then one Schedule exists with the latest settings and stays paused if ops paused it', async () => {
    expect(await ensureSweepSchedule(s.client, configWith({ SWEEP_INTERVAL: '2m' }))).toEqual({ created: true });
    schedule = s.client.schedule.getHandle(SWEEP_SCHEDULE_ID);
    await schedule.pause('test: runs are triggered by hand');
    const second = configWith({ SWEEP_INTERVAL: '7m', SWEEP_THRESHOLDS: 'parked=0', WEB_UI_URL: 'http://ui.example' });
    expect(await ensureSweepSchedule(s.client, second)).toEqual({ created: false });

    const d = await schedule.describe();
    expect(d.spec.intervals).toHaveLength(1);
    expect(d.spec.intervals?.[0]?.every).toBe(7 * 60_000);
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(60_000);
    expect(d.state.paused).toBe(true);
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'stuckWorkSweep',
      taskQueue: s.config.TEMPORAL_TASK_QUEUE,
      args: [{ thresholds: { parked: 0 }, webUiUrl: 'http://ui.example', stage: 'test', listCap: 500 }],
    });
    const ids: string[] = [];
    for await (const listed of s.client.schedule.list())
      if (listed.scheduleId === SWEEP_SCHEDULE_ID) ids.push(listed.scheduleId);
    expect(ids).toEqual([SWEEP_SCHEDULE_ID]);
  });

  test('when the Schedule runs twice while a category stays above its threshold, then the second run keeps the crossing and does not notify it again', async () => {
    expect(schedule).toBeDefined();
    const parked = await s.startPayoutOf('kyc');
    await waitForState(parked, (st) => st.state === 'awaiting_payability');
    await visibleIn(s.client, parked.workflowId, 'parked');

    const runs: StuckWorkSweepResult[] = [];
    for (let n = 1; n <= 2; n++) {
      await schedule!.trigger(ScheduleOverlapPolicy.SKIP);
      const action = await until(async () => (await schedule!.describe()).info.recentActions[n - 1], 20_000);
      const wf = action.action.workflow;
      const handle = s.client.workflow.getHandle(wf.workflowId, wf.firstExecutionRunId);
      runs.push(await handle.result());
      // The second run is the interesting one to replay: it reads the first one's result.
      if (n === 2) await recordHistoryIfAsked(handle, 'stuck-work-sweep-scheduled');
    }
    const [first, second] = runs as [StuckWorkSweepResult, StuckWorkSweepResult];
    const crossing = `threshold:parked:${first.aboveSince.parked}`;
    expect(first.aboveSince.parked).toBe(first.at);
    expect(first.notified).toContain(crossing);
    expect(second.aboveSince.parked).toBe(first.at);
    expect(second.notified).not.toContain(crossing);

    const notices = (await s.drainNotices()).filter((n) => n.dedupeKey === crossing);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.data).toMatchObject({ category: 'parked', threshold: 0, since: first.at });
    expect(String(notices[0]?.data['link'])).toContain('http://ui.example/namespaces/default/workflows?query=');
  }, 60_000);
});
