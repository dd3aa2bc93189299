import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions } from '../../workers/config';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import {
  addEvidenceUpdate,
  assignCaseUpdate,
  decideCaseUpdate,
  disputeCaseWorkflowId,
  receivePspEventSignal,
} from '../../workflows/disputes/contract';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID } from '../../workflows/shared/trust';
import { recordHistoryIfAsked } from '../support/histories';
import { until as eventually } from '../support/wait';
import { testConfig } from '../support/stack';
import {
  DAY,
  deliver,
  emailKinds,
  fakeDeps,
  pspEvent,
  uniqueDisputeId,
  until,
  type DisputeFakes,
  disputeTestBed,
} from './disputes-support';

/** Ops commands (updates with validators), the once-only submission, the money side, and the compensation check. */
describe('dispute case commands (time-skipping)', () => {
  const bed = disputeTestBed();
  const { run } = bed;

  const refusal = async (p: Promise<unknown>): Promise<string> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    // Every refusal names its rule (`details.code`), so clients branch on codes, never on words.
    expect((cause as ApplicationFailure).details?.[0]).toEqual({ code: expect.stringMatching(/^[a-z0-9_]+$/) });
    return `${(cause as ApplicationFailure).type}: ${(cause as ApplicationFailure).message}`;
  };

  function seeded(f: DisputeFakes, disputeId: string, now: number, orderId = 'ord-2002') {
    f.evidence.seed(orderId, {
      order: { productDescription: 'Ceramic mug set', orderedAt: '2030-01-02T10:00:00Z' },
      shipment: {
        carrier: 'DHL',
        trackingNumber: 'JD0001',
        shippedAt: '2030-01-03T08:00:00Z',
        deliveredAt: '2030-01-05T12:00:00Z',
      },
      communications: [
        { at: '2030-01-06T09:00:00Z', channel: 'email', direction: 'inbound', summary: 'customer confirms delivery' },
      ],
    });
    f.psp.addDispute({
      disputeId,
      dueBy: new Date(now + 30 * DAY).toISOString(),
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });
    return pspEvent(disputeId, 1, now, { type: 'charge.dispute.created', orderId });
  }

  test('when tier 2 accepts liability, then the PSP dispute is accepted once and the amount is written off in the DynamoDB ledger', async () => {
    const f = fakeDeps();
    const config = testConfig();
    const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
    const disputeId = uniqueDisputeId();
    const workflowId = disputeCaseWorkflowId(disputeId);
    const now = await bed.env.currentTimeMs();
    await run({ ...f, ledger }, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, seeded(f, disputeId, now));
      await until(handle, (v) => v.state === 'in_review' && v.ledgerPosition === 'held', 'in review');
      const held = await ledger.getPosting(`${workflowId}:r1:held`);
      expect(held).toMatchObject({
        currency: 'EUR',
        legs: [
          { account: Accounts.disputesHeld, amountMinor: 12_500 },
          { account: Accounts.platformCash, amountMinor: -12_500 },
        ],
        // The PSP debits its balance when the dispute opens: the hold names the rail and the dispute, dated by the
        // workflow's (skipped) time, and is in that day's PSP index.
        refs: { workflowId, rail: 'psp', railRef: disputeId },
      });
      expect(held!.effectiveDate! >= new Date(now).toISOString().slice(0, 10)).toBe(true);
      expect((await ledger.postingsOn(held!.effectiveDate!, { scope: 'psp' })).items).toContainEqual(held);

      expect(
        await refusal(
          bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'accept', by: 'ops.ann', tier: 'tier1' }),
        ),
      ).toBe('Conflict: accepting liability needs tier2 or finance_legal');
      const view = await bed.update(handle, decideCaseUpdate, 'desk.bo', {
        decision: 'accept',
        by: 'desk.bo',
        tier: 'tier2',
        note: 'customer never got it',
      });
      expect(view.decision).toMatchObject({
        decision: 'accept',
        by: 'desk.bo',
        tier: 'tier2',
        byDefault: false,
        decidedBy: { subject: 'desk.bo', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
      });
      const lost = await until(
        handle,
        (v) => v.state === 'lost' && v.ledgerPosition === 'written_off',
        'lost and written off',
      );
      expect(lost).toMatchObject({ outcome: 'lost', resolution: 'accepted' });
      expect(await ledger.getPosting(`${workflowId}:r1:written_off`)).toMatchObject({
        legs: [
          { account: Accounts.disputeLosses, amountMinor: 12_500 },
          { account: Accounts.disputesHeld, amountMinor: -12_500 },
        ],
        // Writing held money off moves nothing at the PSP: no rail.
        refs: { workflowId },
      });
      expect((await ledger.getPosting(`${workflowId}:r1:written_off`))?.refs?.rail).toBeUndefined();
      expect(f.psp.calls.filter((c) => c.method === 'acceptDispute').map((c) => c.idempotencyKey)).toEqual([
        `${workflowId}:accept-r1`,
      ]);
      expect(f.audit.events.find((e) => e.stream === `dispute:${workflowId}`)).toMatchObject({
        type: 'dispute.decided',
        data: {
          decision: 'accept',
          by: 'desk.bo',
          decidedBy: { subject: 'desk.bo', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
        },
      });

      // The PSP's own `closed` webhook for what we did changes nothing.
      await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 2, await bed.env.currentTimeMs(), {
          type: 'charge.dispute.closed',
          status: 'lost',
          orderId: 'ord-2002',
        }),
      );
      const after = await until(handle, (v) => v.eventsIgnored === 1, 'late close ignored');
      expect(after.ledgerPosition).toBe('written_off');
      expect(await handle.result()).toMatchObject({
        outcome: 'lost',
        resolution: 'accepted',
        ledgerPosition: 'written_off',
      });
      await recordHistoryIfAsked(handle, 'dispute-case-accepted');
    });
  });

  test('when ops add evidence and decide to contest twice, then who wrote the evidence is kept, the second decision is refused before history and the PSP sees one submission', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const now = await bed.env.currentTimeMs();
    await run(f, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, seeded(f, disputeId, now));
      await until(handle, (v) => v.state === 'in_review', 'in review');
      await bed.update(handle, assignCaseUpdate, 'lead.cy', { assignee: 'ops.ann', tier: 'tier1', by: 'lead.cy' });
      const withEvidence = await bed.update(handle, addEvidenceUpdate, 'Ops.Ann', {
        field: 'uncategorized_text',
        text: '  Signed proof of delivery on file.  ',
      });
      // Who wrote the evidence is kept in the case and in its audit stream (N19), as the assertion proved it.
      expect(withEvidence.evidenceBy).toEqual({ uncategorized_text: 'ops.ann' });
      await bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' });
      expect(
        await refusal(
          bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' }),
        ),
        // The submission may already have gone out (the test server runs the activity at once): refused either way.
      ).toMatch(
        /^Conflict: (a decision was already made for this round|the case is submitted; a decision is no longer possible)$/,
      );
      const submitted = await until(handle, (v) => v.state === 'submitted', 'submitted');
      expect(
        await refusal(
          bed.update(handle, decideCaseUpdate, 'desk.bo', { decision: 'accept', by: 'desk.bo', tier: 'tier2' }),
        ),
      ).toMatch(/the case is submitted/);
      expect(
        await refusal(
          bed.update(handle, addEvidenceUpdate, 'ops.ann', { field: 'receipt', text: 'late', by: 'ops.ann' }),
        ),
      ).toMatch(/evidence can no longer change/);
      expect(submitted.submissions).toEqual([
        expect.objectContaining({ round: 1, pspSubmissionCount: 1, alreadySubmitted: false }),
      ]);
      expect(submitted.assignee).toBe('ops.ann');
      expect(f.psp.disputes.get(disputeId)).toMatchObject({ submissionCount: 1, status: 'under_review' });
      expect(f.psp.disputes.get(disputeId)?.evidence).toMatchObject({
        uncategorized_text: 'Signed proof of delivery on file.',
        shipping_tracking_number: 'JD0001',
      });
      expect(
        f.psp.calls.filter((c) => c.method === 'submitDisputeEvidence' && (c.input as { submit: boolean }).submit),
      ).toHaveLength(1);

      const history = await handle.fetchHistory();
      const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(updates).toHaveLength(3);
      const workflowId = handle.workflowId;
      expect(
        f.audit.events.find((e) => e.stream === `dispute:${workflowId}` && e.type === 'dispute.evidence_added'),
      ).toMatchObject({
        data: {
          field: 'uncategorized_text',
          by: 'ops.ann',
          round: 1,
          decidedBy: { subject: 'ops.ann', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
        },
      });
      await handle.terminate('test done');
    });
  });

  test('when the dispute was already submitted at the PSP (dashboard), then the case does not submit again and flags it', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const now = await bed.env.currentTimeMs();
    await run(f, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, seeded(f, disputeId, now));
      await until(handle, (v) => v.state === 'in_review', 'in review');
      const d = f.psp.disputes.get(disputeId)!;
      d.submissionCount = 1;
      d.status = 'under_review';
      await bed.update(handle, decideCaseUpdate, 'ops.ann', { decision: 'contest', by: 'ops.ann', tier: 'tier1' });
      const v = await until(handle, (x) => x.state === 'submitted', 'submitted');
      expect(v.flags).toContain('submitted_outside');
      expect(v.submissions).toEqual([expect.objectContaining({ alreadySubmitted: true, pspSubmissionCount: 1 })]);
      expect(f.psp.calls.filter((c) => c.method === 'submitDisputeEvidence')).toHaveLength(0);
      await handle.terminate('test done');
    });
  });

  test('when the order already received approved compensation, then the case is flagged and the approvals side sees dispute.opened', async () => {
    const f = fakeDeps();
    const disputeId = uniqueDisputeId();
    const workflowId = disputeCaseWorkflowId(disputeId);
    const now = await bed.env.currentTimeMs();
    await f.audit.append({
      stream: 'order:ord-3003',
      eventId: 'compensation.executed:comp-req-1',
      at: new Date(now - DAY).toISOString(),
      type: 'compensation.executed',
      data: { workflowId: 'comp-req-1', amountMinor: 5_000, currency: 'EUR' },
    });
    await run(f, async (taskQueue) => {
      const handle = await deliver(bed.env, taskQueue, seeded(f, disputeId, now, 'ord-3003'));
      const v = await until(handle, (x) => x.flags.includes('compensated_order'), 'flagged');
      expect(v.compensations).toEqual([
        { eventId: 'compensation.executed:comp-req-1', amountMinor: 5_000, currency: 'EUR' },
      ]);
      // The cross-check and its notice run beside the case (they must survive a store outage): wait for the notice.
      await eventually(() => (emailKinds(f).includes('dispute.compensation_overlap:finance_legal') ? true : undefined));
      expect(f.audit.events.find((e) => e.stream === 'order:ord-3003' && e.type === 'dispute.opened')).toMatchObject({
        eventId: `dispute.opened:${workflowId}`,
        data: { workflowId, disputeId, amountMinor: 12_500, currency: 'EUR' },
      });
      await handle.terminate('test done');
    });
  });

  test('when inputs are bad, then the start fails as InvalidInput, bad updates are refused, and malformed webhooks are counted and dropped', async () => {
    const f = fakeDeps();
    await run(f, async (taskQueue) => {
      const err = await bed.env.client.workflow
        .execute('disputeCase', {
          taskQueue,
          workflowId: `dispute-bad-${uniqueDisputeId()}`,
          args: [{ disputeId: 'not a dispute', policy: { draftLeadHours: 1 } }],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause.type).toBe('InvalidInput');
      expect(cause.message).toMatch(/disputeId: must be a PSP dispute ID/);
      expect(cause.message).toMatch(/policy: milestones must be ordered/);

      const disputeId = uniqueDisputeId();
      const handle = await deliver(bed.env, taskQueue, seeded(f, disputeId, await bed.env.currentTimeMs()));
      await until(handle, (v) => v.state === 'in_review', 'in review');
      expect(
        await refusal(
          handle.executeUpdate(assignCaseUpdate, {
            args: [{ assignee: 'Ann@Example.com', tier: 'tier9', by: 'x' } as never],
          }),
        ),
      ).toMatch(/InvalidInput: invalid assignment: assignee: must be an internal staff ID.*tier:/);
      expect(
        await refusal(
          bed.update(handle, addEvidenceUpdate, 'ops.ann', { field: 'card_number', text: '', by: 'ops.ann' } as never),
        ),
      ).toMatch(/InvalidInput: invalid evidence: field: .*text:/);
      await bed.update(handle, assignCaseUpdate, 'lead.cy', { assignee: 'desk.bo', tier: 'tier2', by: 'lead.cy' });
      expect(
        await refusal(
          bed.update(handle, assignCaseUpdate, 'lead.cy', { assignee: 'ops.ann', tier: 'tier1', by: 'lead.cy' }),
        ),
      ).toMatch(/never goes back down a tier/);
      await handle.signal(receivePspEventSignal, { eventId: 'evt_bad', disputeId } as never);
      await handle.signal(receivePspEventSignal, pspEvent('dp_someoneelse', 9, await bed.env.currentTimeMs()));
      const v = await until(handle, (x) => x.eventsIgnored === 2, 'bad events ignored');
      expect(v).toMatchObject({ tier: 'tier2', assignee: 'desk.bo', eventsApplied: 1 });
      await handle.terminate('test done');
    });
  });
});
