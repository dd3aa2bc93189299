import { Accounts } from '../../activities/adapters/ledger/port';
import { decideCaseUpdate, disputeCaseWorkflowId } from '../../workflows/disputes/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { recordHistoryIfAsked } from '../support/histories';
import {
  DAY,
  deliver,
  emailKinds,
  fakeDeps,
  pspEvent,
  uniqueDisputeId,
  until,
  disputeTestBed,
} from './disputes-support';

/** Duplicate, reordered and missing PSP webhooks, pre-arbitration rounds, and the deadline default to accept. */
describe('dispute case webhooks (time-skipping)', () => {
  const bed = disputeTestBed();
  const { run } = bed;

  test('when webhooks arrive twice and out of order, then one case applies each once, and a pre-arbitration reopen runs a second round', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const workflowId = disputeCaseWorkflowId(disputeId);
    const t0 = await bed.env.currentTimeMs();
    const due1 = new Date(t0 + 20 * DAY).toISOString();
    f.evidence.seed('ord-1001', {
      order: { productDescription: 'Oak shelf', orderedAt: '2030-01-02T10:00:00Z' },
      shipment: { carrier: 'UPS', trackingNumber: '1Z999', shippedAt: '2030-01-03T08:00:00Z' },
    });
    f.psp.addDispute({
      disputeId,
      dueBy: due1,
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });
    const created = pspEvent(disputeId, 1, t0, { type: 'charge.dispute.created', dueBy: due1 });

    await run(f, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, created);
      await deliver(bed.env, taskQueue, created);
      await until(handle, (v) => v.state === 'in_review', 'in review');
      await bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' });
      await until(handle, (v) => v.state === 'submitted', 'submitted');

      // The PSP's `updated` (under review) is overtaken by `closed`; then both are delivered again.
      const t1 = await bed.env.currentTimeMs();
      const underReview = pspEvent(disputeId, 2, t1 + 1_000, {
        status: 'under_review',
        previousStatus: 'needs_response',
        dueBy: due1,
        submissionCount: 1,
      });
      const won = pspEvent(disputeId, 3, t1 + 2_000, {
        type: 'charge.dispute.closed',
        status: 'won',
        dueBy: due1,
        submissionCount: 1,
      });
      await deliver(bed.env, taskQueue, won);
      await deliver(bed.env, taskQueue, underReview);
      await deliver(bed.env, taskQueue, won);
      const afterWin = await until(
        handle,
        (v) => v.eventsApplied + v.eventsIgnored === 5 && v.ledgerPosition === 'released',
        'events settled',
      );
      expect(afterWin).toMatchObject({ state: 'won', eventsApplied: 2, eventsIgnored: 3 });
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(0);

      // Pre-arbitration: the PSP reopens the dispute with a new due date.
      const t2 = await bed.env.currentTimeMs();
      const due2 = new Date(t2 + 10 * DAY).toISOString();
      f.psp.disputes.get(disputeId)!.status = 'needs_response';
      const reopen = pspEvent(disputeId, 4, t2 + 3_000, {
        status: 'needs_response',
        previousStatus: 'won',
        dueBy: due2,
        submissionCount: 1,
      });
      await deliver(bed.env, taskQueue, reopen);
      const r2 = await until(
        handle,
        (v) => v.state === 'pre_arbitration' && v.ledgerPosition === 'held',
        'pre-arbitration',
      );
      expect(r2).toMatchObject({ round: 2, tier: 'tier2', dueBy: due2 });
      expect(r2.outcome).toBeUndefined();
      expect(emailKinds(f)).toContain('dispute.reopened:tier2');
      expect((await handle.describe()).typedSearchAttributes.get(SA.DisputeState)).toBe('pre_arbitration');
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(12_500);

      await bed.update(handle, decideCaseUpdate, 'desk.bo', { decision: 'contest', by: 'desk.bo', tier: 'tier2' });
      const sub2 = await until(handle, (v) => v.state === 'submitted' && v.round === 2, 'round 2 submitted');
      expect(sub2.submissions.map((s) => [s.round, s.pspSubmissionCount])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      const submitKeys = f.psp.calls
        .filter((c) => c.method === 'submitDisputeEvidence' && (c.input as { submit: boolean }).submit)
        .map((c) => c.idempotencyKey);
      expect(submitKeys).toEqual([`${workflowId}:evidence-r1-submit`, `${workflowId}:evidence-r2-submit`]);

      const lost = pspEvent(disputeId, 5, (await bed.env.currentTimeMs()) + 4_000, {
        type: 'charge.dispute.closed',
        status: 'lost',
        dueBy: due2,
        submissionCount: 2,
      });
      await deliver(bed.env, taskQueue, lost);
      await deliver(bed.env, taskQueue, reopen);
      const end = await until(
        handle,
        (v) => v.state === 'lost' && v.ledgerPosition === 'written_off' && v.eventsIgnored === 4,
        'lost',
      );
      expect(end.round).toBe(2);
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(0);
      expect(await f.ledger.balance(Accounts.disputeLosses, 'EUR')).toBe(12_500);
      expect(await f.ledger.balance(Accounts.platformCash, 'EUR')).toBe(-12_500);
      expect([...f.ledger.postings.keys()]).toEqual(
        [1, 2, 3, 4].map((i) => `${workflowId}:ledger-${i}-${['held', 'released', 'held', 'written_off'][i - 1]}`),
      );
      expect(await handle.result()).toEqual({
        disputeId,
        outcome: 'lost',
        resolution: 'contested',
        rounds: 2,
        ledgerPosition: 'written_off',
        flags: [],
      });
      await recordHistoryIfAsked(handle, 'dispute-case-prearbitration');
    });
  });

  test('when the outcome webhook is lost, then the weekly PSP poll closes the case', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const t0 = await bed.env.currentTimeMs();
    const due = new Date(t0 + 20 * DAY).toISOString();
    f.evidence.seed('ord-1001', {
      order: { productDescription: 'Oak shelf', orderedAt: '2030-01-02T10:00:00Z' },
      shipment: { carrier: 'UPS', trackingNumber: '1Z999', shippedAt: '2030-01-03T08:00:00Z' },
    });
    f.psp.addDispute({
      disputeId,
      dueBy: due,
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });
    await run(f, async (taskQueue) => {
      const handle = await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 1, t0, { type: 'charge.dispute.created', dueBy: due }),
      );
      await until(handle, (v) => v.state === 'in_review', 'in review');
      await bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' });
      await until(handle, (v) => v.state === 'submitted', 'submitted');
      await bed.env.sleep(8 * DAY);
      expect((await until(handle, () => true, 'view')).state).toBe('submitted');
      f.psp.disputes.get(disputeId)!.status = 'won';
      await bed.env.sleep(7 * DAY);
      const v = await until(handle, (x) => x.state === 'won' && x.ledgerPosition === 'released', 'won by poll');
      expect(v.outcome).toBe('won');
      expect(f.psp.calls.filter((c) => c.method === 'getDispute').length).toBeGreaterThanOrEqual(3);
      await handle.terminate('test done');
    });
  });

  test('when the policy says accept and nobody decides by the deadline, then liability is accepted and written off', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const t0 = await bed.env.currentTimeMs();
    const due = new Date(t0 + 10 * DAY).toISOString();
    f.psp.addDispute({ disputeId, dueBy: due, amount: { amountMinor: 900, currency: 'USD' }, reason: 'fraudulent' });
    await run(f, async (taskQueue) => {
      const handle = await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 1, t0, {
          type: 'charge.dispute.created',
          dueBy: due,
          orderId: undefined,
          reason: 'fraudulent',
          amount: { amountMinor: 900, currency: 'USD' },
        }),
        {
          policy: { deadlineDefault: 'accept' },
        },
      );
      const opened = await until(handle, (v) => v.state === 'gathering_evidence', 'opened');
      expect(opened.flags).toEqual(['no_order_id']);
      const result = await handle.result();
      expect(result).toEqual({
        disputeId,
        outcome: 'lost',
        resolution: 'accepted',
        rounds: 1,
        ledgerPosition: 'written_off',
        flags: ['no_order_id'],
      });
      expect(await f.ledger.balance(Accounts.disputeLosses, 'USD')).toBe(900);
      expect(f.psp.calls.filter((c) => c.method === 'acceptDispute')).toHaveLength(1);
      expect(f.audit.events.find((e) => e.type === 'dispute.decided')?.data).toMatchObject({
        decision: 'accept',
        by: 'system',
        byDefault: true,
      });
    });
  });
});
