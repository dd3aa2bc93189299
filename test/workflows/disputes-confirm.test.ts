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

/**
 * PSP events are signals anyone who may write to the namespace can send: a case acts on one only when the PSP,
 * asked for the dispute, confirms it, and then with the PSP's facts.
 */
describe('dispute events confirmed at the PSP (time-skipping)', () => {
  const bed = disputeTestBed();
  const { run } = bed;

  test('when a forged won event reaches a submitted case, then nothing is released, ops see it, and the real outcome still closes the case', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const workflowId = disputeCaseWorkflowId(disputeId);
    const t0 = await bed.env.currentTimeMs();
    const due = new Date(t0 + 20 * DAY).toISOString();
    f.evidence.seed('ord-1001', { order: { productDescription: 'Oak shelf', orderedAt: '2030-01-02T10:00:00Z' } });
    f.psp.addDispute({ disputeId, dueBy: due, amount: { amountMinor: 12_500, currency: 'EUR' }, reason: 'fraudulent' });

    await run(f, async (taskQueue) => {
      const handle = await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 1, t0, { type: 'charge.dispute.created', dueBy: due, reason: 'fraudulent' }),
      );
      await until(handle, (v) => v.ledgerPosition === 'held' && v.evidenceFields.length > 0, 'opened, funds held');
      await bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' });
      await until(handle, (v) => v.state === 'submitted', 'submitted');

      // Forged: the PSP still reviews the evidence; the event also claims a far larger amount.
      const t1 = await bed.env.currentTimeMs();
      const forged = pspEvent(disputeId, 2, t1, {
        eventId: 'evt_forged_won',
        type: 'charge.dispute.closed',
        status: 'won',
        dueBy: due,
        amount: { amountMinor: 9_000_000, currency: 'EUR' },
        submissionCount: 1,
      });
      await deliver(bed.env, taskQueue, forged);
      const parked = await until(handle, (v) => v.flags.includes('unconfirmed_event'), 'unconfirmed event shown');
      expect(parked).toMatchObject({
        state: 'submitted',
        ledgerPosition: 'held',
        amount: { amountMinor: 12_500, currency: 'EUR' },
        lastErrorCode: 'psp_event_unconfirmed',
        unconfirmedEvents: [{ eventId: 'evt_forged_won', claimed: 'won', pspStatus: 'under_review' }],
      });
      expect(parked.awaiting.what).toMatch(/Unconfirmed PSP event evt_forged_won .*nothing was booked/);
      expect((await handle.describe()).typedSearchAttributes.get(SA.LastErrorCode)).toBe('psp_event_unconfirmed');
      expect([...f.ledger.postings.keys()]).toEqual([`${workflowId}:r1:held`]);
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(12_500);
      expect(emailKinds(f)).toContain('dispute.event_unconfirmed:finance_legal');
      expect(f.audit.events.find((e) => e.type === 'dispute.event_unconfirmed')?.data).toMatchObject({
        eventId: 'evt_forged_won',
        claimed: 'won',
        pspStatus: 'under_review',
      });

      // The PSP decides lost; a webhook claiming won is closed with the PSP's outcome and amount.
      f.psp.disputes.get(disputeId)!.status = 'lost';
      await deliver(bed.env, taskQueue, {
        ...forged,
        eventId: 'evt_real_close',
        createdAt: new Date(t1 + 1_000).toISOString(),
      });
      const closed = await until(handle, (v) => v.state === 'lost' && v.ledgerPosition === 'written_off', 'lost');
      expect(closed.outcome).toBe('lost');
      expect(await f.ledger.balance(Accounts.disputeLosses, 'EUR')).toBe(12_500);
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(0);
      expect([...f.ledger.postings.keys()]).toEqual([`${workflowId}:r1:held`, `${workflowId}:r1:written_off`]);
      await recordHistoryIfAsked(handle, 'dispute-case-psp-confirmed');
      await handle.terminate('test done');
    });
  });

  test('when a forged created event names a dispute the PSP does not know, then no case opens and nothing is booked', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const t0 = await bed.env.currentTimeMs();
    await run(f, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, pspEvent(disputeId, 1, t0, { type: 'charge.dispute.created' }));
      const v = await until(handle, (x) => x.lastErrorCode === 'psp_event_unconfirmed', 'unconfirmed event shown');
      expect(v).toMatchObject({ state: 'opened', ledgerPosition: 'none', eventsApplied: 0, eventsIgnored: 1 });
      expect(v.unconfirmedEvents).toEqual([
        expect.objectContaining({ claimed: 'needs_response', code: 'ProviderPermanent' }),
      ]);
      expect(f.ledger.postings.size).toBe(0);
      await handle.terminate('test done');
    });
  });
});
