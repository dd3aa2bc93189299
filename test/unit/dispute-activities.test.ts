import { MockActivityEnvironment } from '@temporalio/testing';
import { createDisputeActivities } from '../../activities/disputes';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeBank } from '../../activities/adapters/bank/fake';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { createHttpEvidence } from '../../activities/adapters/evidence/http-evidence';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { createFakeReports } from '../../activities/adapters/reports/fake';
import { startEvidenceSandbox, type EvidenceSandbox } from '../../sandboxes/evidence';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
};

/** Dispute activities against the real PSP and evidence sandboxes (real HTTP, the official Stripe SDK). */
describe('dispute activities', () => {
  let psp: PspSandbox;
  let evidence: EvidenceSandbox;
  let acts: ReturnType<typeof createDisputeActivities>;
  const ledger = createFakeLedger();
  const audit = createFakeAudit();
  beforeAll(async () => {
    [psp, evidence] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startEvidenceSandbox({ port: 0 }),
    ]);
    acts = createDisputeActivities({
      psp: createStripePsp({ apiBase: psp.url, secretKey: 'sk_test_disputes' }),
      evidence: createHttpEvidence({ apiBase: evidence.url, timeoutMs: 2_000 }),
      bank: createFakeBank(),
      notifications: createFakeNotifications(),
      ledger,
      audit,
      reports: createFakeReports(),
    });
  });
  afterAll(async () => {
    await Promise.all([psp?.stop(), evidence?.stop()]);
  });

  test('when an order has records in the evidence sandbox, then each source maps to PSP evidence fields, and a missing one is reported as not found', async () => {
    await post(`${evidence.url}/__admin/orders`, {
      orderId: 'ord-9',
      order: { productDescription: 'Linen throw', orderedAt: '2030-02-01T10:00:00Z' },
      shipment: {
        carrier: 'DPD',
        trackingNumber: 'DPD123',
        shippedAt: '2030-02-02T09:00:00Z',
        deliveredAt: '2030-02-04T15:00:00Z',
      },
    });
    expect(await acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'order' })).toEqual({
      found: true,
      evidence: { product_description: 'Linen throw (ordered 2030-02-01)' },
    });
    expect(await acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'shipment' })).toEqual({
      found: true,
      evidence: {
        shipping_carrier: 'DPD',
        shipping_tracking_number: 'DPD123',
        shipping_date: '2030-02-02; delivered 2030-02-04',
      },
    });
    expect(await acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'communications' })).toEqual({
      found: false,
      evidence: {},
    });
  });

  test('when the evidence service fails with 5xx or times out, then the activity throws a retryable error', async () => {
    await post(`${evidence.url}/__admin/faults`, { fail5xxNext: 1 });
    await expect(acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'order' })).rejects.toBeInstanceOf(
      ProviderTransientError,
    );
    await post(`${evidence.url}/__admin/faults`, { timeoutNext: 1, hangMs: 5_000 });
    await expect(acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'order' })).rejects.toMatchObject({
      code: 'EVIDENCE_CONNECTION',
    });
    expect((await acts.gatherDisputeEvidence({ orderId: 'ord-9', source: 'order' })).found).toBe(true);
  });

  test('when evidence is submitted and the activity is retried, then the PSP sandbox counts one submission; a first attempt on a submitted dispute does not call it', async () => {
    const dueBy = Math.floor(Date.now() / 1000) + 20 * 86_400;
    await post(`${psp.url}/__admin/disputes`, {
      id: 'dp_acttest1',
      amount: 4_000,
      currency: 'eur',
      reason: 'product_not_received',
      due_by: dueBy,
    });
    const input = {
      workflowId: 'dispute-dp_acttest1',
      disputeId: 'dp_acttest1',
      round: 1,
      baselineSubmissionCount: 0,
      evidence: { product_description: 'Linen throw', shipping_carrier: 'DPD' },
    };
    const first = await new MockActivityEnvironment({ attempt: 1 }).run(acts.submitDisputeEvidenceOnce, input);
    expect(first).toEqual({ result: 'submitted', status: 'under_review', submissionCount: 1 });
    const retry = await new MockActivityEnvironment({ attempt: 2 }).run(acts.submitDisputeEvidenceOnce, input);
    expect(retry).toEqual({ result: 'submitted', status: 'under_review', submissionCount: 1 });
    const calls = (
      (await (await fetch(`${psp.url}/__admin/calls`)).json()) as {
        calls: Array<{ method: string; path: string; idempotencyKey: string | null; replayed?: boolean }>;
      }
    ).calls;
    const submits = calls.filter((c) => c.method === 'POST' && c.path === '/v1/disputes/dp_acttest1');
    expect(submits.map((c) => [c.idempotencyKey, Boolean(c.replayed)])).toEqual([
      ['dispute-dp_acttest1:evidence-r1-update', false],
      ['dispute-dp_acttest1:evidence-r1-submit', false],
      ['dispute-dp_acttest1:evidence-r1-submit', true],
    ]);
    const again = await new MockActivityEnvironment({ attempt: 1 }).run(acts.submitDisputeEvidenceOnce, input);
    expect(again).toEqual({ result: 'submitted_outside', status: 'under_review', submissionCount: 1 });
    const otherRound = await new MockActivityEnvironment({ attempt: 3 }).run(acts.submitDisputeEvidenceOnce, {
      ...input,
      round: 2,
    });
    expect(otherRound).toMatchObject({ result: 'submitted_outside' });
    const d = (await (
      await fetch(`${psp.url}/v1/disputes/dp_acttest1`, { headers: { Authorization: 'Bearer sk_test_x' } })
    ).json()) as { evidence_details: { submission_count: number } };
    expect(d.evidence_details.submission_count).toBe(1);
  });

  test('when liability is accepted twice (a retry), then the PSP closes the dispute as lost and the retry succeeds', async () => {
    await post(`${psp.url}/__admin/disputes`, {
      id: 'dp_acttest2',
      amount: 1_000,
      currency: 'usd',
      reason: 'fraudulent',
    });
    const i = { workflowId: 'dispute-dp_acttest2', disputeId: 'dp_acttest2', round: 1 };
    expect(await acts.acceptDisputeLiability(i)).toEqual({ status: 'lost' });
    expect(await acts.acceptDisputeLiability(i)).toEqual({ status: 'lost' });
  });

  test('when disputed funds move, then each posting is balanced and idempotent by posting ID', async () => {
    const amount = { amountMinor: 700, currency: 'GBP' as const };
    expect(
      await acts.moveDisputedFunds({
        postingId: 'dispute-dp_x:ledger-1-held',
        disputeId: 'dp_x',
        from: 'none',
        to: 'held',
        amount,
      }),
    ).toEqual({ posted: true });
    expect(
      await acts.moveDisputedFunds({
        postingId: 'dispute-dp_x:ledger-1-held',
        disputeId: 'dp_x',
        from: 'none',
        to: 'held',
        amount,
      }),
    ).toEqual({ posted: false });
    await acts.moveDisputedFunds({
      postingId: 'dispute-dp_x:ledger-2-written_off',
      disputeId: 'dp_x',
      from: 'held',
      to: 'written_off',
      amount,
    });
    expect(await ledger.balance(Accounts.disputesHeld, 'GBP')).toBe(0);
    expect(await ledger.balance(Accounts.disputeLosses, 'GBP')).toBe(700);
    expect(
      await acts.moveDisputedFunds({
        postingId: 'dispute-dp_x:noop',
        disputeId: 'dp_x',
        from: 'none',
        to: 'released',
        amount,
      }),
    ).toEqual({ posted: false });
  });

  test('when the order stream already has compensation, then the cross-check reports it and appends dispute.opened once', async () => {
    await audit.append({
      stream: 'order:ord-5',
      eventId: 'c1',
      at: '2030-01-01T00:00:00Z',
      type: 'compensation.executed',
      data: { amountMinor: 300, currency: 'EUR' },
    });
    const i = {
      orderId: 'ord-5',
      workflowId: 'dispute-dp_y',
      disputeId: 'dp_y',
      amount: { amountMinor: 900, currency: 'EUR' as const },
      openedAt: '2030-01-02T00:00:00Z',
    };
    expect(await acts.crossCheckDisputedOrder(i)).toEqual({
      compensations: [{ eventId: 'c1', amountMinor: 300, currency: 'EUR' }],
    });
    await acts.crossCheckDisputedOrder(i);
    expect((await audit.list('order:ord-5')).filter((e) => e.type === 'dispute.opened')).toHaveLength(1);
  });
});
