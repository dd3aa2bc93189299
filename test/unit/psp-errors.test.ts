import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import Stripe from 'stripe';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { mapPspError } from '../../activities/adapters/psp/errors';
import { createFakePsp } from '../../activities/adapters/psp/fake';

const raw = (statusCode: number, type: string, code?: string) =>
  Stripe.errors.StripeError.generate({
    statusCode,
    type,
    code,
    message: "No such destination: 'acct_secret123'",
  } as never);
const mapped = (err: unknown) => {
  try {
    mapPspError(err, 'createTransfer');
  } catch (e) {
    return e;
  }
  throw new Error('mapPspError returned');
};

describe('PSP error mapping', () => {
  it.each([
    [402, 'card_error', 'account_invalid', 'Declined'],
    [400, 'idempotency_error', undefined, 'Conflict'],
    [400, 'invalid_request_error', 'amount_too_large', 'Conflict'],
    [400, 'invalid_request_error', 'dispute_already_submitted', 'Conflict'],
    [400, 'invalid_request_error', 'balance_insufficient', 'InsufficientFunds'],
    [404, 'invalid_request_error', 'resource_missing', 'ProviderPermanent'],
    [400, 'invalid_request_error', 'parameter_missing', 'ProviderPermanent'],
  ])(
    'when Stripe answers %i %s %s, then a non-retryable %s failure without provider text is raised',
    (status, type, code, failureType) => {
      const err = mapped(raw(status, type, code));
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: failureType, nonRetryable: true });
      expect((err as Error).message).not.toContain('acct_secret123');
    },
  );

  it.each([
    [500, 'api_error', 'PSP_UNAVAILABLE'],
    [409, 'idempotency_error', 'PSP_IN_FLIGHT'],
    [401, 'invalid_request_error', 'PSP_AUTH'],
  ])('when Stripe answers %i %s, then a retryable %s error is raised', (status, type, code) => {
    const err = mapped(raw(status, type));
    expect(err).toBeInstanceOf(ProviderTransientError);
    expect(err).toMatchObject({ code });
  });

  it('when Stripe answers 429 without Retry-After, then a retryable, benign PSP_RATE_LIMITED failure is raised (expected: logged as one line, not as a WARN with a stack)', () => {
    const err = mapped(raw(429, 'invalid_request_error'));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'ProviderTransientError',
      nonRetryable: false,
      category: ApplicationFailureCategory.BENIGN,
      details: [{ provider: 'psp', code: 'PSP_RATE_LIMITED', status: 429 }],
    });
    expect((err as ApplicationFailure).nextRetryDelay).toBeUndefined();
  });

  it('when the error is not from Stripe, then it is rethrown unchanged', () => {
    const original = new Error('boom');
    expect(mapped(original)).toBe(original);
  });
});

describe('fake PSP', () => {
  it('when a transfer key is replayed, then one transfer exists; other params conflict; refunds stay within the captured amount', async () => {
    const psp = createFakePsp();
    const input = {
      idempotencyKey: 'k',
      amount: { amountMinor: 5, currency: 'EUR' as const },
      destinationAccount: 'acct_1',
      reference: 'r',
    };
    const a = await psp.createTransfer(input);
    await expect(psp.createTransfer(input)).resolves.toEqual(a);
    await expect(psp.createTransfer({ ...input, amount: { amountMinor: 6, currency: 'EUR' } })).rejects.toMatchObject({
      type: 'Conflict',
    });
    expect(psp.createdCount('createTransfer')).toBe(1);
    psp.addPayment('pi_1', { amountMinor: 100, currency: 'EUR' });
    await psp.createRefund({
      idempotencyKey: 'r1',
      paymentRef: 'pi_1',
      amount: { amountMinor: 80, currency: 'EUR' },
      reference: 'o',
    });
    await expect(
      psp.createRefund({
        idempotencyKey: 'r2',
        paymentRef: 'pi_1',
        amount: { amountMinor: 30, currency: 'EUR' },
        reference: 'o',
      }),
    ).rejects.toMatchObject({ type: 'Conflict' });
  });
});
