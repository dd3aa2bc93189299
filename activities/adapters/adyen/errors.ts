import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { CodeDecision, TransportCode } from '../../../workflows/routing/contract';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';
import { retryAfterMs } from '../psp/errors';
import { adyenLibrary } from './library';

/** What a provider code means for a payout (the routing table's `errorMap`; unknown codes are `ambiguous`). */
export type Classify = (code: string) => CodeDecision;

/** The evidence a refusal carries in its failure details: what `mayFailOver` reads after the activity failed. */
export interface RefusalDetails {
  operation: string;
  provider: 'adyen';
  code: string;
  requestId: string;
  decision: CodeDecision;
  statusCode?: number;
}

/**
 * A transfer Adyen answered `refused` (HTTP 200, `status: refused`, a `reason`): nothing moved. The table decides what
 * the reason means; a reason it does not know is ambiguous and is retried like one (the same key replays the answer,
 * so the retries end as "outcome unknown" for ops, never as a failover).
 */
export function refusedTransfer(operation: string, reason: string, transferId: string, classify: Classify): never {
  throw decided(operation, { code: reason, requestId: transferId, decision: classify(reason) });
}

/**
 * Maps any error from the library (or our fetch client under it) to the product's closed set. Messages are built
 * from codes, never copied from Adyen's text (which may quote account data).
 */
export function mapAdyenError(err: unknown, operation: string, classify: Classify): never {
  // Reached only after a library call, so the library is loaded already (./library.ts).
  if (!(err instanceof adyenLibrary().HttpClientException)) {
    // No HTTP answer: a timeout or a dropped connection. On a POST the transfer may exist (ambiguous).
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw transport(operation, timedOut ? 'timeout' : 'connection');
  }
  const status = err.statusCode;
  const api = (err.apiError ?? {}) as { errorCode?: string; requestId?: string };
  const code = err.errorCode ?? api.errorCode;
  if (status === 429) {
    const header = err.responseHeaders?.['retry-after'];
    throw rateLimited(operation, retryAfterMs(Array.isArray(header) ? header[0] : header));
  }
  if (status >= 500) throw transport(operation, 'http_5xx', status);
  // A 4xx without a code is nothing the table can know: ambiguous, like any unknown code.
  const known = code ?? `http_${status}`;
  throw decided(operation, {
    code: known,
    requestId: api.requestId ?? '',
    decision: classify(known),
    statusCode: status,
  });
}

function decided(operation: string, d: Omit<RefusalDetails, 'operation' | 'provider'>): Error {
  const details: RefusalDetails = { operation, provider: 'adyen', ...d };
  switch (d.decision) {
    case 'definitive_refusal':
      return failure(
        d.code === 'notEnoughBalance' ? FailureType.InsufficientFunds : FailureType.Declined,
        `${operation}: refused by Adyen (${d.code})`,
        { ...details },
      );
    case 'destination_refusal':
      return failure(FailureType.NotPayable, `${operation}: Adyen refused the destination (${d.code})`, { ...details });
    case 'stop':
      return failure(FailureType.ProviderPermanent, `${operation}: rejected by Adyen (${d.code})`, { ...details });
    case 'retryable':
      return d.code === '00_401'
        ? new ProviderTransientError(
            'adyen',
            'ADYEN_AUTH',
            `${operation}: Adyen rejected our credentials`,
            d.statusCode,
          )
        : new ProviderTransientError(
            'adyen',
            'ADYEN_UNAVAILABLE',
            `${operation}: Adyen asked to retry (${d.code})`,
            d.statusCode,
          );
    case 'ambiguous':
      return new ProviderTransientError(
        'adyen',
        d.code === '704' ? 'ADYEN_IN_FLIGHT' : 'ADYEN_AMBIGUOUS',
        `${operation}: Adyen's answer leaves the outcome unknown (${d.code})`,
        d.statusCode,
      );
  }
}

function transport(operation: string, code: TransportCode, status?: number): ProviderTransientError<'adyen'> {
  return code === 'http_5xx'
    ? new ProviderTransientError(
        'adyen',
        'ADYEN_UNAVAILABLE',
        `${operation}: Adyen unavailable (${status ?? 'no status'})`,
        status,
      )
    : new ProviderTransientError(
        'adyen',
        'ADYEN_CONNECTION',
        `${operation}: connection to Adyen failed or timed out (${code})`,
      );
}

/** Adyen's 429: retryable, waiting what `Retry-After` says (BENIGN: a paced run meets them), never a failover. */
function rateLimited(operation: string, waitMs: number | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ProviderTransientError',
    message: `${operation}: rate limited by Adyen${waitMs === undefined ? '' : `; retry after ${Math.ceil(waitMs / 1000)} s`}`,
    nonRetryable: false,
    ...(waitMs === undefined ? {} : { nextRetryDelay: waitMs + Math.floor(Math.random() * 1000) }),
    details: [{ provider: 'adyen', code: 'ADYEN_RATE_LIMITED', status: 429, retryAfterMs: waitMs }],
    category: ApplicationFailureCategory.BENIGN,
  });
}
