import { randomUUID } from 'node:crypto';
import { createDynamoAudit } from '../../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../../activities/adapters/aws';
import { STUCK_CATEGORIES } from '../../client/stuck';
import { awsOptions } from '../../workers/config';
import { getStateQuery } from '../../workflows/payouts/contract';
import { SWEEP_NOTIFIED_STREAM, type StuckWorkSweepResult } from '../../workflows/sweeper/contract';
import { waitForState } from './payouts-harness';
import { startSweeperStack, visibleIn, type SweeperStack } from './sweeper-support';

/** The sweep against the real dev server, the real audit table and SNS on moto (shared namespace: other tests' work counts too). */
describe('stuckWorkSweep (real dev server, moto)', () => {
  let s: SweeperStack;
  beforeAll(async () => {
    s = await startSweeperStack();
  });
  afterAll(async () => {
    await s?.stop();
  });

  const sweepOnce = (n: number): Promise<StuckWorkSweepResult> =>
    s.client.workflow.execute('stuckWorkSweep', {
      taskQueue: s.config.TEMPORAL_TASK_QUEUE,
      workflowId: `sweep-test-${randomUUID()}-${n}`,
      args: [{ stage: 'test', webUiUrl: 'http://ui.example:8233', thresholds: { parked: 100_000 } }],
    });

  test('when a payout is overdue at the bank and one is parked on KYC, then the sweep counts them, emits EMF lines and notifies ops once per item across two sweeps', async () => {
    const overdue = await s.startPayoutOf('bank', {
      confirmationDeadlineMs: 1_000,
      pollInitialMs: 200,
      pollMaxMs: 1_000,
    });
    const parked = await s.startPayoutOf('kyc');
    const state = await waitForState(overdue, (st) => st.lastErrorCode === 'confirmation_overdue');
    await waitForState(parked, (st) => st.state === 'awaiting_payability');
    await visibleIn(s.client, overdue.workflowId, 'overdue_person');
    await visibleIn(s.client, overdue.workflowId, 'unconfirmed_at_rail');
    await visibleIn(s.client, parked.workflowId, 'parked');

    const first = await sweepOnce(1);
    expect(first.counts.overdue_person).toBeGreaterThanOrEqual(1);
    expect(first.counts.unconfirmed_at_rail).toBeGreaterThanOrEqual(1);
    expect(first.counts.parked).toBeGreaterThanOrEqual(1);
    // One item in two categories is one notice, keyed by its deadline; the parked payout is not past its deadline.
    const itemId = `${overdue.workflowId}:${state.awaiting?.until}`;
    expect(first.notified).toContain(itemId);
    expect(first.notified.filter((id) => id.startsWith(`${overdue.workflowId}:`))).toHaveLength(1);
    expect(first.notified.some((id) => id.startsWith(`${parked.workflowId}:`))).toBe(false);
    expect(first.aboveSince.parked).toBeUndefined();

    // The metrics: one EMF line per category, values as counted, in the namespace and dimensions the alarms use.
    const emf = s.lines.map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: EmfMeta });
    const ofFirst = emf.filter((e) => e._aws.Timestamp === Date.parse(first.at));
    expect(ofFirst.map((e) => e['Category']).sort()).toEqual([...STUCK_CATEGORIES].sort());
    for (const e of ofFirst) {
      const category = e['Category'] as (typeof STUCK_CATEGORIES)[number];
      expect(e._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'payops',
          Dimensions: [['Category', 'Stage']],
          Metrics: [{ Name: `payops.stuck.${category}`, Unit: 'Count' }],
        },
      ]);
      expect(e['Stage']).toBe('test');
      expect(e[`payops.stuck.${category}`]).toBe(first.counts[category]);
    }

    const second = await sweepOnce(2);
    expect(second.notified).not.toContain(itemId);
    expect(second.repeated).toBeGreaterThanOrEqual(1);
    expect(await overdue.query(getStateQuery)).toMatchObject({ state: 'awaiting_confirmation' });

    // Exactly one SNS notice for the item across both sweeps, with its links and no personal data.
    const notices = (await s.drainNotices()).filter((n) => n.data['workflowId'] === overdue.workflowId);
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice).toMatchObject({ type: 'ops.stuck_item', dedupeKey: itemId });
    expect(notice?.data).toMatchObject({
      workflowType: 'creatorPayout',
      deadline: state.awaiting?.until,
      link: `http://ui.example:8233/namespaces/default/workflows/${overdue.workflowId}`,
    });
    expect(String(notice?.data['categoryLink'])).toMatch(
      /^http:\/\/ui\.example:8233\/namespaces\/default\/workflows\?query=/,
    );
    expect(JSON.stringify(notice)).not.toMatch(/DE89370400440532013000|@creators?\.example|@example\.com/);

    const audit = createDynamoAudit({ aws: makeAwsClients(awsOptions(s.config)), table: s.config.AUDIT_TABLE });
    expect(await audit.get(SWEEP_NOTIFIED_STREAM, itemId)).toMatchObject({ type: 'ops.stuck_item' });
  }, 90_000);
});

interface EmfMeta {
  Timestamp: number;
  CloudWatchMetrics: unknown[];
}
