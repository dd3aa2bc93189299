import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';

/** Maps an HTTP status of the evidence service: 5xx/429 retry, other 4xx are our bug (non-retryable). */
export function mapEvidenceStatus(status: number, operation: string): never {
  if (status >= 500 || status === 429)
    throw new ProviderTransientError(
      'evidence',
      'EVIDENCE_UNAVAILABLE',
      `${operation}: evidence service unavailable (${status})`,
    );
  throw failure(FailureType.ProviderPermanent, `${operation}: rejected by evidence service (${status})`, {
    operation,
    statusCode: status,
  });
}
