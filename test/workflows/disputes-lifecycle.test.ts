import { Accounts } from '../../activities/adapters/ledger/port';
import { SA } from '../../workflows/shared/search-attributes';
import { recordHistoryIfAsked } from '../support/histories';
import {
  DAY,
  deliver,
  emailKinds,
  fakeDeps,
  HOUR,
  pspEvent,
  uniqueDisputeId,
  until,
  disputeTestBed,
} from './disputes-support';

/** The whole life of a case on the time-skipping server: 30 days to the deadline, then the reopen window. */
describe('dispute case lifecycle (time-skipping)', () => {
  const bed = disputeTestBed();

  const waitFor = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('when nobody works the case, then reminders and hand-offs come at their milestones and the deadline default submits what was gathered', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const t0 = await bed.env.currentTimeMs();
    const due = t0 + 30 * DAY;
    f.evidence.seed('ord-1001', {
      order: { productDescription: 'Walnut desk lamp', orderedAt: '2030-01-02T10:00:00Z' },
    });
    f.psp.addDispute({
      disputeId,
      dueBy: new Date(due).toISOString(),
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });

    await bed.run(f, async (taskQueue) => {
      const handle = await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 1, t0, { type: 'charge.dispute.created', dueBy: new Date(due).toISOString() }),
      );
      const opened = await until(
        handle,
        (v) =>
          v.state === 'gathering_evidence' &&
          v.ledgerPosition === 'held' &&
          v.evidenceSources.communications !== 'pending' &&
          v.evidenceSources.shipment !== 'pending',
        'evidence gathered',
      );
      expect(opened).toMatchObject({
        tier: 'tier1',
        ledgerPosition: 'held',
        evidenceFields: ['product_description'],
        missingEvidence: ['shipping_carrier', 'shipping_tracking_number'],
      });
      expect(opened.evidenceSources).toEqual({ order: 'found', shipment: 'missing', communications: 'missing' });
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(12_500);
      expect(emailKinds(f)).toEqual(['dispute.opened:tier1']);
      expect(f.notifications.emails[0]?.to).toBe('disputes-tier1@payops.example');
      const desc = await handle.describe();
      expect(desc.typedSearchAttributes.get(SA.DisputeState)).toBe('gathering_evidence');
      expect(desc.typedSearchAttributes.get(SA.DueBy)?.getTime()).toBe(due);
      expect(desc.typedSearchAttributes.get(SA.DeadlineAt)?.getTime()).toBe(due - 8 * DAY);
      expect(opened.awaiting.what).toMatch(
        /Waiting on tier1 for evidence \(shipping_carrier, shipping_tracking_number\); reminder draft at/,
      );

      const skipTo = async (at: number) => bed.env.sleep(at - (await bed.env.currentTimeMs()));
      await skipTo(due - 8 * DAY - HOUR);
      expect(emailKinds(f)).toEqual(['dispute.opened:tier1']);
      await skipTo(due - 8 * DAY + HOUR);
      await waitFor(() => emailKinds(f).length === 2, 'draft reminder');
      expect(emailKinds(f)[1]).toBe('dispute.reminder:tier1');

      await skipTo(due - 7 * DAY + HOUR);
      const handedOff = await until(handle, (v) => v.tier === 'tier2', 'hand-off to tier 2');
      expect(handedOff.milestones.find((m) => m.name === 'draft')?.status).toBe('missed');
      expect(emailKinds(f)[2]).toBe('dispute.escalated:tier2');

      await skipTo(due - 3 * DAY + HOUR);
      await until(handle, (v) => v.tier === 'finance_legal', 'hand-off to finance/legal');
      await skipTo(due - DAY + HOUR);
      await waitFor(() => emailKinds(f).includes('dispute.final_warning:finance_legal'), 'final warning');
      expect(emailKinds(f)).toEqual([
        'dispute.opened:tier1',
        'dispute.reminder:tier1',
        'dispute.escalated:tier2',
        'dispute.reminder:tier2',
        'dispute.escalated:finance_legal',
        'dispute.reminder:finance_legal',
        'dispute.final_warning:finance_legal',
      ]);
      expect((await handle.describe()).typedSearchAttributes.get(SA.AwaitingActor)).toBe('finance');
      expect(f.psp.calls.filter((c) => c.method === 'submitDisputeEvidence')).toHaveLength(0);

      await skipTo(due - HOUR);
      const submitted = await until(handle, (v) => v.state === 'submitted', 'deadline default');
      expect(submitted.decision).toMatchObject({ decision: 'contest', by: 'system', byDefault: true, round: 1 });
      const submits = f.psp.calls
        .filter((c) => c.method === 'submitDisputeEvidence')
        .map((c) => [c.idempotencyKey, (c.input as { submit: boolean }).submit]);
      expect(submits).toEqual([
        [`dispute-${disputeId}:evidence-r1-update`, false],
        [`dispute-${disputeId}:evidence-r1-submit`, true],
      ]);
      expect(f.psp.disputes.get(disputeId)?.evidence).toEqual({
        product_description: 'Walnut desk lamp (ordered 2030-01-02)',
      });
      expect((await handle.describe()).typedSearchAttributes.get(SA.AwaitingActor)).toBe('psp');

      const closedAt = await bed.env.currentTimeMs();
      f.psp.disputes.get(disputeId)!.status = 'won';
      await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 2, closedAt, {
          type: 'charge.dispute.closed',
          status: 'won',
          dueBy: new Date(due).toISOString(),
          submissionCount: 1,
        }),
      );
      const won = await until(handle, (v) => v.state === 'won' && v.ledgerPosition === 'released', 'won and released');
      expect(won).toMatchObject({ outcome: 'won', resolution: 'contested', ledgerPosition: 'released' });
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(0);
      expect(await f.ledger.balance(Accounts.platformCash, 'EUR')).toBe(0);

      const result = await handle.result();
      expect(result).toEqual({
        disputeId,
        outcome: 'won',
        resolution: 'contested',
        rounds: 1,
        ledgerPosition: 'released',
        flags: [],
      });
      expect((await bed.env.currentTimeMs()) - closedAt).toBeGreaterThanOrEqual(60 * DAY);
      const final = await handle.describe();
      expect(final.typedSearchAttributes.get(SA.DisputeState)).toBe('won');
      expect(final.typedSearchAttributes.get(SA.AwaitingActor)).toBe('none');
      await recordHistoryIfAsked(handle, 'dispute-case');
    });
  });
});
