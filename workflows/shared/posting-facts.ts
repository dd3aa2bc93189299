import type { ProviderRail } from './provider-queue';

/**
 * What a workflow tells the ledger about a posting besides its money: the business date and the external references
 * reconciliation matches it by. Both are computed in the workflow and travel in the activity input, so they are fixed
 * in history: every attempt and every re-scheduling of that activity sends the same posting, byte for byte (the
 * DynamoDB ledger's transaction token demands identical parameters on a retry).
 */

/**
 * Where a posting's money shows outside the ledger. `rail` is set only when a rail's own books should show this
 * posting's money (a payout's settle or return, a dispute's money at the PSP); internal moves (a reservation, its
 * release) name only the workflow. No bank or card data: `endToEndId`/`pmtInfId` are our own hashed ISO ids,
 * `railRef` the PSP's object ID (tr_…, re_…, du_…).
 */
export interface PostingRefs {
  workflowId: string;
  /**
   * `psp` is Stripe (the only PSP before issue 25; stored postings keep it), `psp-adyen` Adyen: the same names as the
   * payouts' `Rail` attribute (workflows/shared/provider-queue.ts `PROVIDER_RAIL`), so each provider's reconciliation
   * account reads only its own postings from the day index.
   */
  rail?: 'bank' | ProviderRail;
  railRef?: string;
  endToEndId?: string;
  pmtInfId?: string;
  /** The payout attempt the posting belongs to (1 = first). */
  attempt?: number;
}

/** The date and references of one posting, as a workflow passes them to the activity that posts. */
export interface PostingFacts {
  /** YYYY-MM-DD, UTC: the workflow's time at the step. */
  effectiveDate: string;
  refs: PostingRefs;
}

/**
 * The UTC business date of a moment (ms since the epoch). In a workflow, pass `Date.now()` (workflow time: the same
 * value on every replay).
 */
export const effectiveDateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
