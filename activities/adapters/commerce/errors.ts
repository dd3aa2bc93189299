import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';

/**
 * Maps an HTTP answer of the commerce API to the closed set. Messages carry the operation and the API's error code,
 * never the body text (which may quote customer data).
 */
export function commerceFailure(operation: string, status: number, code: string | undefined): Error {
  const details = { operation, provider: 'commerce', statusCode: status, code };
  if (status >= 500 || status === 429)
    return new ProviderTransientError(
      'commerce',
      'COMMERCE_UNAVAILABLE',
      `${operation}: commerce unavailable (${status})`,
    );
  if (status === 409 && code === 'in_flight')
    return new ProviderTransientError(
      'commerce',
      'COMMERCE_IN_FLIGHT',
      `${operation}: a request with this idempotency key is in flight`,
    );
  if (status === 409)
    return failure(
      FailureType.Conflict,
      `${operation}: refused in the object's current state (${code ?? status})`,
      details,
    );
  if (status === 404)
    return failure(FailureType.ProviderPermanent, `${operation}: not found (${code ?? 'not_found'})`, details);
  if (status === 422 && code === 'idempotency_error')
    return failure(FailureType.Conflict, `${operation}: idempotency key reused with different parameters`, details);
  return failure(FailureType.ProviderPermanent, `${operation}: rejected by commerce (${code ?? status})`, details);
}
