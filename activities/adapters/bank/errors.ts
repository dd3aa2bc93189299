import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';

/** ISO 20022 / ACH reason codes the product names in failures; anything else is passed through as-is. */
export const BANK_REASONS: Record<string, string> = {
  AC01: 'incorrect account number',
  AC04: 'closed account',
  AC06: 'blocked account',
  AM04: 'insufficient funds',
  AM05: 'duplicate',
  BE01: 'creditor name does not match account',
  DUPL: 'duplicate payment',
  FF01: 'invalid file format',
  R01: 'insufficient funds',
  R02: 'account closed',
  R03: 'no account / unable to locate account',
  R04: 'invalid account number',
};

/** Codes after which the payee must supply new payout details before paying again. */
export const NEEDS_NEW_DETAILS = new Set(['AC01', 'AC04', 'AC06', 'BE01', 'R02', 'R03', 'R04']);

/** An HTTP answer from the bank that was not a usable pain.002. */
export class BankHttpError extends Error {
  override name = 'BankHttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A pain.002 RJCT: permanent. DUPL (same ids, different content) is a Conflict; the rest are Declined. */
export function bankRejection(operation: string, reasonCode: string | undefined) {
  const code = reasonCode ?? 'UNKNOWN';
  const details = { operation, provider: 'bank', reasonCode: code, needsNewDetails: NEEDS_NEW_DETAILS.has(code) };
  if (code === 'DUPL' || code === 'AM05')
    return failure(
      FailureType.Conflict,
      `${operation}: bank reports a duplicate with different content (${code})`,
      details,
    );
  const why = BANK_REASONS[code];
  return failure(FailureType.Declined, `${operation}: rejected by bank (${code}${why ? ` ${why}` : ''})`, details);
}

/** Maps transport-level errors; never includes request bodies (they carry account numbers). */
export function mapBankError(err: unknown, operation = 'bank call'): never {
  if (err instanceof BankHttpError) {
    if (err.statusCode === 429)
      throw new ProviderTransientError('bank', 'BANK_RATE_LIMITED', `${operation}: rate limited by bank`, 429);
    if (err.statusCode >= 500)
      throw new ProviderTransientError(
        'bank',
        'BANK_UNAVAILABLE',
        `${operation}: bank unavailable (${err.statusCode})`,
        err.statusCode,
      );
    if (err.statusCode === 404)
      throw failure(FailureType.ProviderPermanent, `${operation}: unknown to the bank`, { operation, statusCode: 404 });
    throw failure(FailureType.ProviderPermanent, `${operation}: bank refused the request (${err.statusCode})`, {
      operation,
      statusCode: err.statusCode,
    });
  }
  // Checked by name, not instanceof: fetch's DOMException/TypeError may come from another realm.
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  if (name === 'TimeoutError' || name === 'AbortError')
    throw new ProviderTransientError('bank', 'BANK_TIMEOUT', `${operation}: bank did not answer in time`);
  if (name === 'TypeError')
    throw new ProviderTransientError('bank', 'BANK_CONNECTION', `${operation}: connection to bank failed`);
  throw err;
}
