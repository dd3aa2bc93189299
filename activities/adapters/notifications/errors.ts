import { failure, FailureType } from '../../../workflows/shared/failures';

const PERMANENT = new Set([
  'MessageRejected',
  'InvalidParameterException',
  'InvalidParameter',
  'NotFoundException',
  'NotFound',
  'AuthorizationErrorException',
  'BadRequestException',
]);

/** AWS errors: configuration/validation problems are permanent; throttling and 5xx retry. */
export function rethrowAws(err: unknown): never {
  const name = (err as { name?: string }).name ?? 'Error';
  if (PERMANENT.has(name)) throw failure(FailureType.ProviderPermanent, `AWS rejected the request: ${name}`);
  throw err;
}
