import { failure, FailureType } from '../../../workflows/shared/failures';

/** The evidence service is down or slow: a plain `Error`, so the activity retries under its policy. */
export class EvidenceTransientError extends Error {
  override name = 'EvidenceTransientError';
  constructor(
    readonly code: 'EVIDENCE_UNAVAILABLE' | 'EVIDENCE_CONNECTION',
    message: string,
  ) {
    super(message);
  }
}

/** Maps an HTTP status of the evidence service: 5xx/429 retry, other 4xx are our bug (non-retryable). */
export function mapEvidenceStatus(status: number, operation: string): never {
  if (status >= 500 || status === 429)
    throw new EvidenceTransientError('EVIDENCE_UNAVAILABLE', `${operation}: evidence service unavailable (${status})`);
  throw failure(FailureType.ProviderPermanent, `${operation}: rejected by evidence service (${status})`, {
    operation,
    statusCode: status,
  });
}
