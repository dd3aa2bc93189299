import { makeAwsClients } from '../../activities/adapters/aws';
import { createS3Reports } from '../../activities/adapters/reports/s3-reports';
import { cancelPayout, startPayout } from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { SLA_MS } from '../../workflows/payouts/service-level';
import { factKey, type PayoutSlaFact } from '../../workflows/shared/report-facts';
import { awsOptions } from '../../workers/config';
import { recordHistoryIfAsked } from '../support/histories';
import { opsSigner } from '../support/staff';
import { until } from '../support/wait';
import {
  admin,
  fast,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  workflowFailure,
  type PayoutHarness,
} from './payouts-harness';

/**
 * The payout's service-level fact, written by the payout when it closes (PSP and bank sandboxes, creators sandbox,
 * the reports bucket on moto): what the service-level report is computed from.
 */
describe('creator payout: the service-level fact', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const factOf = async (workflowId: string): Promise<PayoutSlaFact | undefined> => {
    const reports = createS3Reports({ aws: makeAwsClients(awsOptions(h.config)), bucket: h.config.REPORTS_BUCKET });
    const body = await reports.get(factKey('payout-sla', new Date().toISOString().slice(0, 10), workflowId));
    return body ? (JSON.parse(body) as PayoutSlaFact) : undefined;
  };

  test('when a PSP payout is paid and its return window closes, then its fact says paid, on which rail and country, how long start to paid took, against the rail SLA', async () => {
    const creatorId = uniqueId('sla');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(4_321), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    expect((await handle.result()).state).toBe('completed');
    const wf = creatorPayoutWorkflowId(payoutId);
    const fact = await until(() => factOf(wf), 20_000);
    const described = await handle.describe();
    expect(fact).toMatchObject({
      factId: wf,
      outcome: 'paid',
      startedAt: described.startTime.toISOString(),
      rail: 'psp',
      country: 'US',
      currency: 'USD',
      amountMinor: 4_321,
      slaMs: SLA_MS.psp,
      breached: false,
      failureCode: null,
      returnCode: null,
    });
    expect(fact.startToPaidMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(fact.startedAt) + (fact.startToPaidMs ?? 0)).toBeLessThanOrEqual(Date.parse(fact.closedAt));
    // The return window is not a wait on anyone: the money had arrived.
    expect(fact.waits.every((w) => w.actor !== 'psp' || w.ms < fast.returnWindowMs)).toBe(true);
    await recordHistoryIfAsked(handle, 'creator-payout-sla-fact');
  });

  test('when a payout parked on the creator is cancelled, then its fact says cancelled with the code and counts the wait on the creator', async () => {
    const creatorId = uniqueId('slacancel');
    await seedCreator(h, { creatorId });
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { payoutMethod: null }, 'PATCH');
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000) },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability');
    await cancelPayout(h.client, payoutId, { sign: opsSigner('ops.bob'), reason: 'creator left' });
    expect((await workflowFailure(handle.result())).type).toBe('Cancelled');
    const fact = await until(() => factOf(creatorPayoutWorkflowId(payoutId)), 20_000);
    expect(fact).toMatchObject({ outcome: 'cancelled', startToPaidMs: null, country: 'unknown', rail: 'none' });
    expect(fact.failureCode).toEqual(expect.any(String));
    expect(fact.waits.find((w) => w.actor === 'creator')?.ms).toBeGreaterThan(0);
  });
});
