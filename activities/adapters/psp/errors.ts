import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import Stripe from 'stripe';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';

/** Stripe error codes that mean "the state of the object forbids this" rather than "the request is malformed". */
const CONFLICT_CODES = new Set([
  'amount_too_large',
  'charge_already_refunded',
  'dispute_already_submitted',
  'dispute_already_closed',
  'resource_already_exists',
]);

export function pspErrorCode(err: unknown): string | undefined {
  return err instanceof Stripe.errors.StripeError ? err.code : undefined;
}

/**
 * Maps any error from the Stripe SDK to the product's closed set. Messages are built here from codes, never copied
 * from the provider, so account identifiers in Stripe's text cannot leak into failure messages (which the payload
 * codec does not encrypt).
 */
export function mapPspError(err: unknown, operation = 'PSP call'): never {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  const status = err.statusCode;
  const code = err.code;
  const details = {
    operation,
    provider: 'stripe',
    statusCode: status,
    code,
    declineCode: err.decline_code,
    requestId: err.requestId,
  };
  const label = code ?? err.type;

  if (err instanceof Stripe.errors.StripeConnectionError)
    throw new ProviderTransientError('psp', 'PSP_CONNECTION', `${operation}: connection to PSP failed or timed out`);
  if (err instanceof Stripe.errors.StripeRateLimitError || status === 429) {
    throw rateLimited(operation, retryAfterMs(err.headers?.['retry-after']));
  }
  // 409: a request with the same key is still running; the retry will replay its result.
  if (status === 409)
    throw new ProviderTransientError(
      'psp',
      'PSP_IN_FLIGHT',
      `${operation}: a request with this idempotency key is in flight`,
      status,
    );
  // A bad or rotated key is an operations problem; retrying lets ops fix the secret without failing payouts.
  if (status === 401 || status === 403)
    throw new ProviderTransientError('psp', 'PSP_AUTH', `${operation}: PSP rejected our credentials`, status);
  if (status === undefined || status >= 500)
    throw new ProviderTransientError(
      'psp',
      'PSP_UNAVAILABLE',
      `${operation}: PSP unavailable (${status ?? 'no status'})`,
      status,
    );

  if (err instanceof Stripe.errors.StripeIdempotencyError || err.type === 'idempotency_error') {
    throw failure(FailureType.Conflict, `${operation}: idempotency key reused with different parameters`, details);
  }
  if (err instanceof Stripe.errors.StripeCardError || status === 402) {
    throw failure(FailureType.Declined, `${operation}: declined by PSP (${label})`, details);
  }
  if (code === 'balance_insufficient' || code === 'insufficient_funds') {
    throw failure(FailureType.InsufficientFunds, `${operation}: insufficient PSP balance`, details);
  }
  if (code !== undefined && CONFLICT_CODES.has(code)) {
    throw failure(
      FailureType.Conflict,
      `${operation}: refused by PSP in the object's current state (${code})`,
      details,
    );
  }
  throw failure(FailureType.ProviderPermanent, `${operation}: rejected by PSP (${label})`, details);
}

/** Longest wait we take from a provider's `Retry-After`: beyond it, the retry policy's own backoff takes over again. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** `Retry-After` (delta-seconds or an HTTP date) in ms, capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * The PSP's 429: a retryable `ProviderTransientError` (type and details) as an `ApplicationFailure`. When the PSP said
 * when to come back, with `nextRetryDelay`, so Temporal's next attempt waits exactly that long instead of the retry
 * policy's backoff (retrying sooner only meets the limiter again). It is expected and handled (a paced run meets
 * thousands), so it is BENIGN: the SDK logs the attempt at DEBUG, not as a WARN with a stack, and the
 * `expectedFailures` interceptor logs one line (code, Retry-After, payout) and counts it.
 */
function rateLimited(operation: string, waitMs: number | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ProviderTransientError',
    message:
      waitMs === undefined
        ? `${operation}: rate limited by PSP`
        : `${operation}: rate limited by PSP; retry after ${Math.ceil(waitMs / 1000)} s`,
    nonRetryable: false,
    // Up to a second of jitter: every client the limiter turned away must not come back in the same instant.
    ...(waitMs === undefined ? {} : { nextRetryDelay: waitMs + Math.floor(Math.random() * 1000) }),
    details: [{ provider: 'psp', code: 'PSP_RATE_LIMITED', status: 429, retryAfterMs: waitMs }],
    category: ApplicationFailureCategory.BENIGN,
  });
}
