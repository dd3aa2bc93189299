import { ApplicationFailure } from '@temporalio/common';

/**
 * The closed set of typed failures the product raises. Callers branch on `failure.type`
 * (never on message text); every one of these is non-retryable.
 */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  NotPayable: 'NotPayable',
  Declined: 'Declined',
  InsufficientFunds: 'InsufficientFunds',
  Cancelled: 'Cancelled',
  Rejected: 'Rejected',
  Expired: 'Expired',
  PolicyViolation: 'PolicyViolation',
  Conflict: 'Conflict',
  ProviderPermanent: 'ProviderPermanent',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** A non-retryable, typed failure. Messages must not carry bank or card data. */
export function failure(type: FailureType, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}
