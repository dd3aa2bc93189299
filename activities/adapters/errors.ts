/** Why each provider's call may be retried; the closed set dashboards and tests read from `code`. */
export interface TransientCodes {
  psp: 'PSP_UNAVAILABLE' | 'PSP_CONNECTION' | 'PSP_RATE_LIMITED' | 'PSP_IN_FLIGHT' | 'PSP_AUTH';
  /** The second PSP (Adyen); `ADYEN_AMBIGUOUS`: an answer that may follow a commit (unknown code, 5xx, timeout). */
  adyen:
    | 'ADYEN_UNAVAILABLE'
    | 'ADYEN_CONNECTION'
    | 'ADYEN_RATE_LIMITED'
    | 'ADYEN_IN_FLIGHT'
    | 'ADYEN_AUTH'
    | 'ADYEN_AMBIGUOUS';
  bank: 'BANK_UNAVAILABLE' | 'BANK_TIMEOUT' | 'BANK_CONNECTION' | 'BANK_RATE_LIMITED';
  commerce: 'COMMERCE_UNAVAILABLE' | 'COMMERCE_CONNECTION' | 'COMMERCE_IN_FLIGHT';
  evidence: 'EVIDENCE_UNAVAILABLE' | 'EVIDENCE_CONNECTION';
  creators: 'DIRECTORY_UNAVAILABLE' | 'DIRECTORY_TIMEOUT' | 'DIRECTORY_CONNECTION';
}
export type Provider = keyof TransientCodes;

/**
 * A provider problem worth retrying (5xx, connection loss, timeout, rate limit, in-flight duplicate), for every
 * adapter alike. It is a plain `Error`, not an `ApplicationFailure`, so Temporal retries the activity under its retry
 * policy; permanent problems are typed failures instead (`workflows/shared/failures.ts`). Messages are built by the
 * adapters from codes, never copied from the provider's text (which may quote account data).
 */
export class ProviderTransientError<P extends Provider = Provider> extends Error {
  override name = 'ProviderTransientError';
  constructor(
    readonly provider: P,
    readonly code: TransientCodes[P],
    message: string,
    /** The provider's HTTP status, when it answered at all. */
    readonly status?: number,
  ) {
    super(message);
  }
}
