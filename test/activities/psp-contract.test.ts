import Stripe from 'stripe';
import { mapPspError } from '../../activities/adapters/psp/errors';
import type { PspPort } from '../../activities/adapters/psp/port';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';

/**
 * Contract check: every PSP adapter call goes to stripe-mock, which validates the request against Stripe's OpenAPI
 * spec (unknown or malformed parameters → 400) and answers with fixtures. A pass means our requests are ones Stripe
 * accepts and our mapping reads Stripe's real response shapes. The global setup starts stripe-mock.
 */

function stripeMockUrl(): string {
  const url = process.env.STRIPE_MOCK_URL;
  if (!url) {
    throw new Error(
      'STRIPE_MOCK_URL is not set: the PSP contract test needs stripe-mock (started by the jest global setup via `npm test`, ' +
        'or run `stripe-mock -http-addr 127.0.0.1:12111` and export STRIPE_MOCK_URL=http://127.0.0.1:12111)',
    );
  }
  return url;
}

describe('PSP adapter contract against stripe-mock', () => {
  let psp: PspPort;

  beforeAll(() => {
    psp = createStripePsp({ apiBase: stripeMockUrl(), secretKey: 'sk_test_123', timeoutMs: 5_000 });
  });

  it('when the balance is pinged, then the request is accepted and balances map to Money', async () => {
    const r = await psp.ping();
    expect(r.ok).toBe(true);
    for (const m of r.available) {
      expect(Number.isInteger(m.amountMinor)).toBe(true);
      expect(m.currency).toMatch(/^[A-Z]{3}$/);
    }
  });

  it('when a transfer is created with an idempotency key, then it is accepted and maps to a paid transfer', async () => {
    const r = await psp.createTransfer({
      idempotencyKey: 'contract-transfer-1',
      amount: { amountMinor: 1250, currency: 'EUR' },
      destinationAccount: 'acct_1Contract',
      reference: 'payout-contract-1',
    });
    expect(r).toEqual({ transferId: expect.stringMatching(/^tr_/), status: 'paid' });
  });

  it('when a transfer is read, then it maps to a product status', async () => {
    const r = await psp.getTransfer('tr_123');
    expect(r.transferId).toMatch(/^tr_/);
    expect(['paid', 'pending', 'failed', 'reversed']).toContain(r.status);
  });

  it('when a transfer is reversed with an idempotency key, then Stripe accepts the request and the reversal maps back', async () => {
    const r = await psp.reverseTransfer({
      idempotencyKey: 'recon-recover:contract-1',
      transferId: 'tr_123',
      amountMinor: 100,
      reference: 'recon-recover:contract-1',
    });
    expect(r).toEqual({ reversalId: expect.stringMatching(/^trr_/), amountMinor: expect.any(Number) });
  });

  it('when a refund is created against a payment intent or a charge, then both are accepted', async () => {
    const viaIntent = await psp.createRefund({
      idempotencyKey: 'contract-refund-1',
      paymentRef: 'pi_123',
      amount: { amountMinor: 500, currency: 'USD' },
      reference: 'order-1',
    });
    expect(viaIntent.refundId).toMatch(/^re_/);
    expect(['pending', 'succeeded', 'failed', 'requires_action', 'canceled']).toContain(viaIntent.status);
    const viaCharge = await psp.createRefund({
      idempotencyKey: 'contract-refund-2',
      paymentRef: 'ch_123',
      amount: { amountMinor: 500, currency: 'USD' },
      reference: 'order-1',
    });
    expect(viaCharge.refundId).toMatch(/^re_/);
  });

  it('when refunds are looked up by charge or payment intent, then the list request is accepted and an unknown reference finds none', async () => {
    await expect(psp.findRefund({ paymentRef: 'ch_123', reference: 'compensation-none' })).resolves.toBeUndefined();
    await expect(psp.findRefund({ paymentRef: 'pi_123', reference: 'compensation-none' })).resolves.toBeUndefined();
  });

  it('when a dispute is read, then due date, submission count and amount map', async () => {
    const d = await psp.getDispute('dp_123');
    expect(d.disputeId).toBe('dp_123');
    expect(typeof d.status).toBe('string');
    expect(new Date(d.dueBy).toISOString()).toBe(d.dueBy);
    expect(Number.isInteger(d.submissionCount)).toBe(true);
    expect(d.amount).toEqual({ amountMinor: expect.any(Number), currency: expect.stringMatching(/^[A-Z]{3}$/) });
    expect(typeof d.reason).toBe('string');
  });

  it('when evidence is staged or submitted with known evidence fields, then the request is accepted', async () => {
    const evidence = {
      product_description: 'Annual course access',
      customer_email_address: 'buyer@example.com',
      uncategorized_text: 'Delivered on time',
    };
    const staged = await psp.submitDisputeEvidence({
      idempotencyKey: 'contract-evidence-1',
      disputeId: 'dp_123',
      evidence,
      submit: false,
    });
    expect(Number.isInteger(staged.submissionCount)).toBe(true);
    const submitted = await psp.submitDisputeEvidence({
      idempotencyKey: 'contract-evidence-2',
      disputeId: 'dp_123',
      evidence,
      submit: true,
    });
    expect(typeof submitted.status).toBe('string');
  });

  it('when stripe-mock rejects a request as invalid, then the error mapper raises a non-retryable ProviderPermanent failure', async () => {
    const url = new URL(stripeMockUrl());
    const raw = new Stripe('sk_test_123', {
      host: url.hostname,
      port: url.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const err = await raw.transfers.create({ amount: 100, currency: 'usd' } as Stripe.TransferCreateParams).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(() => mapPspError(err, 'createTransfer')).toThrow(
      expect.objectContaining({ type: 'ProviderPermanent', nonRetryable: true }),
    );
  });

  it('when a dispute is accepted, then the close request is accepted and a status comes back', async () => {
    const r = await psp.acceptDispute({ idempotencyKey: 'contract-accept-1', disputeId: 'dp_123' });
    expect(typeof r.status).toBe('string');
  });
});
