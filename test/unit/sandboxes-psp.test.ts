import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { failureCode } from '../../workflows/shared/failures';
import Stripe from 'stripe';
import { ProviderTransientError } from '../../activities/adapters/errors';
import type { PspPort } from '../../activities/adapters/psp/port';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { failureOf, until } from '../support/wait';

const SECRET = 'whsec_test_sandbox';

interface Received {
  body: string;
  signature: string;
}

/** A tiny webhook receiver standing in for the ingress. */
async function startReceiver(status = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
      });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/psp`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

describe('PSP sandbox driven through the Stripe adapter', () => {
  let sandbox: PspSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let psp: PspPort;
  const stripe = new Stripe('sk_test_unused');

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/__admin/${path}`, {
      method: body === undefined && path === 'calls' ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined && path === 'calls' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const created = async () => ((await admin('calls')) as { created: Record<string, number> }).created;
  const events = () => receiver.received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, SECRET));

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startPspSandbox({
      port: 0,
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
      webhookRetryDelaysMs: [20, 40],
    });
    psp = createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 500 });
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    await admin('reset');
    receiver.received.length = 0;
  });

  it('when a transfer is reversed through the API, then the reversal comes back once per key, the transfer shows it and more than is left is refused', async () => {
    const t = await psp.createTransfer({
      idempotencyKey: 'dup-1',
      amount: EUR(700),
      destinationAccount: 'acct_creator_1',
      reference: 'payout-dup-1',
    });
    const reverse = (key: string, amountMinor: number) =>
      psp.reverseTransfer({ idempotencyKey: key, transferId: t.transferId, amountMinor, reference: key });

    const first = await reverse('recon-recover:b1', 700);
    const replay = await reverse('recon-recover:b1', 700);

    expect(first).toEqual({ reversalId: expect.stringMatching(/^trr_/), amountMinor: 700 });
    expect(replay).toEqual(first);
    expect(await psp.getTransfer(t.transferId)).toMatchObject({
      status: 'reversed',
      amountReversedMinor: 700,
      reversals: [{ id: first.reversalId, amountMinor: 700 }],
    });
    expect(failureCode(await failureOf(reverse('recon-recover:b2', 1)))).toBe('transfer_already_reversed');
  });

  it('when the balance is pinged, then available funds come back as Money', async () => {
    const r = await psp.ping();
    expect(r.ok).toBe(true);
    expect(r.available).toEqual(expect.arrayContaining([{ amountMinor: 100_000_000, currency: 'EUR' }]));
  });

  it('when a transfer is created, then it is paid, readable, and announced by a signed transfer.created webhook', async () => {
    const t = await psp.createTransfer({
      idempotencyKey: 'payout-1/transfer',
      amount: EUR(1250),
      destinationAccount: 'acct_creator1',
      reference: 'payout-1',
    });
    expect(t).toEqual({ transferId: expect.stringMatching(/^tr_/), status: 'paid' });
    await expect(psp.getTransfer(t.transferId)).resolves.toEqual({
      transferId: t.transferId,
      status: 'paid',
      amount: { amountMinor: 1250, currency: 'EUR' },
      amountReversedMinor: 0,
      reversals: [],
    });
    const event = await until(() => events().find((e) => e.type === 'transfer.created'));
    expect((event.data.object as Stripe.Transfer).id).toBe(t.transferId);
    expect(event.id).toMatch(/^evt_/);
  });

  it("when more transfers exist than a page holds, then Stripe's cursor (starting_after) pages through them all, newest first, and an unknown cursor is refused", async () => {
    for (let i = 0; i < 5; i++)
      await psp.createTransfer({
        idempotencyKey: `page-${i}`,
        amount: EUR(100 + i),
        destinationAccount: 'acct_page',
        reference: `page-${i}`,
      });
    const client = new Stripe('sk_test_sandbox', {
      host: new URL(sandbox.url).hostname,
      port: Number(new URL(sandbox.url).port),
      protocol: 'http',
    });

    const seen: number[] = [];
    for await (const t of client.transfers.list({ limit: 2 })) seen.push(t.amount);

    expect(seen).toEqual([104, 103, 102, 101, 100]);
    await expect(client.transfers.list({ limit: 2, starting_after: 'tr_unknown' })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'starting_after',
    });
  });

  it('when the same key is replayed with the same params, then the same transfer comes back and only one exists', async () => {
    const input = {
      idempotencyKey: 'payout-2/transfer',
      amount: EUR(500),
      destinationAccount: 'acct_creator2',
      reference: 'payout-2',
    };
    const a = await psp.createTransfer(input);
    const b = await psp.createTransfer(input);
    expect(b.transferId).toBe(a.transferId);
    expect((await created()).transfer).toBe(1);
  });

  it('when the same key is reused with different params, then a non-retryable Conflict is raised', async () => {
    await psp.createTransfer({
      idempotencyKey: 'payout-3/transfer',
      amount: EUR(500),
      destinationAccount: 'acct_c3',
      reference: 'payout-3',
    });
    const err = await failureOf(
      psp.createTransfer({
        idempotencyKey: 'payout-3/transfer',
        amount: EUR(501),
        destinationAccount: 'acct_c3',
        reference: 'payout-3',
      }),
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'Conflict', nonRetryable: true });
    expect((await created()).transfer).toBe(1);
  });

  it('when the PSP answers 5xx, then the error is retryable and the retry with the same key succeeds once', async () => {
    await admin('faults', { fail5xxNext: 1 });
    const input = {
      idempotencyKey: 'payout-4/transfer',
      amount: EUR(700),
      destinationAccount: 'acct_c4',
      reference: 'payout-4',
    };
    const err = await failureOf(psp.createTransfer(input));
    expect(err).toBeInstanceOf(ProviderTransientError);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ code: 'PSP_UNAVAILABLE' });
    await expect(psp.createTransfer(input)).resolves.toMatchObject({ status: 'paid' });
    expect((await created()).transfer).toBe(1);
  });

  it('when the PSP rate-limits, then the error is retryable', async () => {
    await admin('faults', { rateLimitNext: 1 });
    const err = await failureOf(psp.ping());
    expect(failureCode(err)).toBe('PSP_RATE_LIMITED');
    expect(err).toMatchObject({ nonRetryable: false });
    await expect(psp.ping()).resolves.toMatchObject({ ok: true });
  });

  it('when the PSP moves the money but the answer times out, then the retry with the same key returns that transfer and no second one', async () => {
    await admin('faults', { timeoutNext: 1, hangMs: 2_000 });
    const input = {
      idempotencyKey: 'payout-5/transfer',
      amount: EUR(900),
      destinationAccount: 'acct_c5',
      reference: 'payout-5',
    };
    const err = await failureOf(psp.createTransfer(input));
    expect(err).toMatchObject({ code: 'PSP_CONNECTION' });
    expect((await created()).transfer).toBe(1);
    const retried = await psp.createTransfer(input);
    expect(retried.status).toBe('paid');
    expect((await created()).transfer).toBe(1);
    const { calls } = (await admin('calls')) as {
      calls: { path: string; idempotencyKey: string; replayed?: boolean }[];
    };
    expect(calls.filter((c) => c.path === '/v1/transfers')).toEqual([
      expect.objectContaining({ idempotencyKey: 'payout-5/transfer' }),
      expect.objectContaining({ idempotencyKey: 'payout-5/transfer', replayed: true }),
    ]);
  });

  it('when the destination is declined, then a non-retryable Declined failure without the account is raised', async () => {
    await admin('faults', { declineDestinations: ['acct_closed'] });
    const err = await failureOf(
      psp.createTransfer({
        idempotencyKey: 'payout-6/transfer',
        amount: EUR(100),
        destinationAccount: 'acct_closed',
        reference: 'payout-6',
      }),
    );
    expect(err).toMatchObject({ type: 'Declined', nonRetryable: true });
    expect((err as Error).message).not.toContain('acct_closed');
    expect((await created()).transfer).toBe(0);
  });

  it('when the balance is too low, then an InsufficientFunds failure is raised', async () => {
    await admin('balance', { currency: 'eur', amount: 10 });
    const err = await failureOf(
      psp.createTransfer({
        idempotencyKey: 'payout-7/transfer',
        amount: EUR(100),
        destinationAccount: 'acct_c7',
        reference: 'payout-7',
      }),
    );
    expect(err).toMatchObject({ type: 'InsufficientFunds', nonRetryable: true });
  });

  it('when refunds exceed the captured amount, then the excess refund fails non-retryably', async () => {
    await admin('charges', { id: 'ch_order1', amount: 1000, currency: 'eur' });
    await expect(
      psp.createRefund({ idempotencyKey: 'refund-1', paymentRef: 'pi_order1', amount: EUR(600), reference: 'order1' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
    const err = await failureOf(
      psp.createRefund({ idempotencyKey: 'refund-2', paymentRef: 'ch_order1', amount: EUR(500), reference: 'order1' }),
    );
    expect(err).toMatchObject({
      type: 'Conflict',
      nonRetryable: true,
      details: [expect.objectContaining({ code: 'amount_too_large' })],
    });
    await expect(
      psp.createRefund({ idempotencyKey: 'refund-3', paymentRef: 'ch_order1', amount: EUR(400), reference: 'order1' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
    const again = await failureOf(
      psp.createRefund({ idempotencyKey: 'refund-4', paymentRef: 'ch_order1', amount: EUR(1), reference: 'order1' }),
    );
    expect(again).toMatchObject({ details: [expect.objectContaining({ code: 'charge_already_refunded' })] });
    expect((await created()).refund).toBe(2);
  });

  it('when a charge can no longer be refunded, then every refund of it is refused for good with the code and request ID, and nothing moves', async () => {
    await admin('charges', {
      id: 'ch_old1',
      amount: 1000,
      currency: 'eur',
      refundRefusal: 'charge_expired_for_refund',
    });
    const err = await failureOf(
      psp.createRefund({ idempotencyKey: 'refund-old', paymentRef: 'pi_old1', amount: EUR(300), reference: 'old1' }),
    );
    expect(err).toMatchObject({
      type: 'ProviderPermanent',
      nonRetryable: true,
      details: [expect.objectContaining({ provider: 'stripe', code: 'charge_expired_for_refund' })],
    });
    expect(((err as ApplicationFailure).details?.[0] as { requestId?: string }).requestId).toMatch(/^req_/);
    expect((await created()).refund).toBe(0);
    await expect(psp.findRefund({ paymentRef: 'ch_old1', reference: 'old1' })).resolves.toBeUndefined();
  });

  it('when a refund is looked up by its reference, then the one made for it is found (by charge or payment intent) and another reference finds none', async () => {
    await admin('charges', { id: 'ch_order2', amount: 1000, currency: 'eur' });
    const made = await psp.createRefund({
      idempotencyKey: 'refund-a',
      paymentRef: 'ch_order2',
      amount: EUR(300),
      reference: 'compensation-a',
    });
    await psp.createRefund({
      idempotencyKey: 'refund-b',
      paymentRef: 'ch_order2',
      amount: EUR(200),
      reference: 'other',
    });
    await expect(psp.findRefund({ paymentRef: 'ch_order2', reference: 'compensation-a' })).resolves.toEqual({
      refundId: made.refundId,
      status: 'succeeded',
      amountMinor: 300,
    });
    await expect(psp.findRefund({ paymentRef: 'pi_order2', reference: 'compensation-a' })).resolves.toMatchObject({
      refundId: made.refundId,
    });
    await expect(psp.findRefund({ paymentRef: 'ch_order2', reference: 'compensation-z' })).resolves.toBeUndefined();
  });

  it('when evidence is submitted, then a second submission with another key is refused but our own replay succeeds', async () => {
    const dueBy = Math.floor(Date.now() / 1000) + 86_400;
    await admin('disputes', {
      id: 'dp_1',
      amount: 2500,
      currency: 'usd',
      reason: 'fraudulent',
      due_by: dueBy,
      orderId: 'order-9',
    });
    await expect(psp.getDispute('dp_1')).resolves.toEqual({
      disputeId: 'dp_1',
      status: 'needs_response',
      dueBy: new Date(dueBy * 1000).toISOString(),
      submissionCount: 0,
      amount: { amountMinor: 2500, currency: 'USD' },
      reason: 'fraudulent',
      orderId: 'order-9',
    });
    const input = {
      idempotencyKey: 'dispute-dp_1/evidence',
      disputeId: 'dp_1',
      evidence: { product_description: 'Course access', uncategorized_text: 'Delivered' },
      submit: true,
    };
    await expect(psp.submitDisputeEvidence(input)).resolves.toEqual({ status: 'under_review', submissionCount: 1 });
    await expect(psp.submitDisputeEvidence(input)).resolves.toEqual({ status: 'under_review', submissionCount: 1 });
    const err = await failureOf(psp.submitDisputeEvidence({ ...input, idempotencyKey: 'someone-else' }));
    expect(err).toMatchObject({ type: 'Conflict', nonRetryable: true });
    await expect(psp.getDispute('dp_1')).resolves.toMatchObject({ submissionCount: 1, status: 'under_review' });
    // What a case confirms a webhook against: the status the PSP holds now.
    await admin('disputes/dp_1/outcome', { status: 'won' });
    await expect(psp.getDispute('dp_1')).resolves.toMatchObject({ status: 'won' });
  });

  it('when a dispute is accepted twice, then it is lost and the second accept is treated as done', async () => {
    await admin('disputes', {
      id: 'dp_2',
      amount: 100,
      currency: 'eur',
      reason: 'product_not_received',
      due_by: 2_000_000_000,
    });
    await expect(psp.acceptDispute({ idempotencyKey: 'dp_2/accept', disputeId: 'dp_2' })).resolves.toEqual({
      status: 'lost',
    });
    await expect(psp.acceptDispute({ idempotencyKey: 'dp_2/accept-again', disputeId: 'dp_2' })).resolves.toEqual({
      status: 'lost',
    });
  });

  it('when a dispute reopens for pre-arbitration, then evidence can be submitted again', async () => {
    await admin('disputes', { id: 'dp_3', amount: 100, currency: 'eur', reason: 'fraudulent', due_by: 2_000_000_000 });
    await psp.submitDisputeEvidence({
      idempotencyKey: 'dp_3/e1',
      disputeId: 'dp_3',
      evidence: { uncategorized_text: 'first' },
      submit: true,
    });
    await admin('disputes/dp_3/reopen');
    await expect(
      psp.submitDisputeEvidence({
        idempotencyKey: 'dp_3/e2',
        disputeId: 'dp_3',
        evidence: { uncategorized_text: 'second' },
        submit: true,
      }),
    ).resolves.toEqual({
      status: 'under_review',
      submissionCount: 2,
    });
    const types = (await until(() => (events().length >= 4 ? events() : undefined))).map((e) => e.type);
    expect(types).toEqual([
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.updated',
      'charge.dispute.updated',
    ]);
  });

  it('when the API key is missing, then the request is refused with 401', async () => {
    const res = await fetch(`${sandbox.url}/v1/balance`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('when webhooks are held, flushed in reverse and replayed, then every copy verifies and duplicates share the event id', async () => {
    await admin('faults', { holdWebhooks: true });
    await admin('disputes', { id: 'dp_4', amount: 100, currency: 'eur', reason: 'fraudulent', due_by: 2_000_000_000 });
    await admin('disputes/dp_4/outcome', { status: 'won' });
    expect(receiver.received).toHaveLength(0);
    await admin('webhooks/flush', { order: 'reverse' });
    expect(events().map((e) => e.type)).toEqual(['charge.dispute.closed', 'charge.dispute.created']);
    const created = events()[1] as Stripe.Event;
    await admin('webhooks/replay', { eventId: created.id, times: 2 });
    const all = events();
    expect(all).toHaveLength(4);
    expect(all.filter((e) => e.id === created.id)).toHaveLength(3);
    expect(() =>
      stripe.webhooks.constructEvent(
        receiver.received[0]?.body ?? '',
        receiver.received[0]?.signature ?? '',
        'whsec_wrong',
      ),
    ).toThrow();
  });

  it('when a payout settles and later fails, then payout.paid and payout.failed are delivered', async () => {
    await admin('faults', { payoutSettleMs: 10 });
    const raw = new Stripe('sk_test_sandbox', {
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const po = await raw.payouts.create({ amount: 300, currency: 'eur' }, { idempotencyKey: 'po-1' });
    expect(po.status).toBe('pending');
    await until(() => events().find((e) => e.type === 'payout.paid'));
    await admin(`payouts/${po.id}/fail`, { failure_code: 'account_closed' });
    const failed = await until(() => events().find((e) => e.type === 'payout.failed'));
    expect(failed.data.object).toMatchObject({ id: po.id, status: 'failed', failure_code: 'account_closed' });
    await expect(raw.payouts.retrieve(po.id)).resolves.toMatchObject({ status: 'failed' });
  });

  it('when the webhook receiver fails at first, then the delivery is retried without crashing the sandbox', async () => {
    let n = 0;
    const flaky = await startReceiver(() => (++n === 1 ? 500 : 200));
    const other = await startPspSandbox({
      port: 0,
      webhookUrl: flaky.url,
      webhookSecret: SECRET,
      webhookRetryDelaysMs: [10],
    });
    try {
      await fetch(`${other.url}/__admin/charges`, {
        method: 'POST',
        body: JSON.stringify({ amount: 100, currency: 'eur' }),
      });
      await fetch(`${other.url}/__admin/disputes`, {
        method: 'POST',
        body: JSON.stringify({ amount: 100, currency: 'eur', reason: 'fraudulent', due_by: 2_000_000_000 }),
      });
      await until(() => (flaky.received.length >= 2 ? true : undefined));
      const ids = flaky.received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, SECRET).id);
      expect(ids[0]).toBe(ids[1]);
    } finally {
      await other.stop();
      await flaky.stop();
    }
  });
});
