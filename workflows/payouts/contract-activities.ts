import type { SharedActivities } from '../shared/activities';
import type { Currency, Money } from '../shared/money';
import type { Rail } from './contract';

/** The facts a payability decision needs: what the directory says about the creator, without any account data. */
export interface PayabilityFacts {
  kycStatus: 'verified' | 'pending' | 'required' | 'rejected';
  sanctionsStatus: 'clear' | 'pending' | 'hit';
  payoutMethod?: { rail: Rail; currency: Currency; country: string };
  holdUntil?: string;
}

/** A creator's payability facts, without anything personal (no email, no account data). */
export interface PayoutProfile extends PayabilityFacts {
  creatorId: string;
  balanceCurrency: Currency;
}

/**
 * A ledger step of a payout; the posting ID is workflow ID + step, so a retry posts once. `settle_elsewhere` books a
 * payout ops resolved as paid outside the system after its money came back (available → settled); `reverse_partial`
 * books what came back of a partially returned transfer (settled → available), `amount` being that part.
 */
export type PayoutPostingKind = 'reserve' | 'release' | 'settle' | 'reverse' | 'settle_elsewhere' | 'reverse_partial';
export interface PostPayoutLedgerInput {
  kind: PayoutPostingKind;
  postingId: string;
  creatorId: string;
  amount: Money;
  payoutId: string;
}

/** The creator emails a payout sends (texts live with the activity). */
export type PayoutEmailTemplate = 'paid' | 'failed' | 'returned' | 'action_required' | 'new_details_required';

/** A locked FX rate: `target` is what the creator receives. */
export interface PayoutFxLock {
  lockId: string;
  quoteId: string;
  /** Decimal string (no floats in payloads). */
  rate: string;
  target: Money;
  expiresAt: string;
}

/** What the rail knows of an attempt's transfer. */
export type RailLookup =
  { found: false } | { found: true; reference: string; status: 'paid' | 'pending' | 'failed' | 'returned' };

/**
 * The activities `creatorPayout` calls (implemented in `activities/payouts/`). Account details and emails are
 * resolved inside them from the creator ID and never enter history.
 */
export interface PayoutActivities extends SharedActivities {
  getPayoutProfile(i: { creatorId: string }): Promise<PayoutProfile>;
  postPayoutLedger(i: PostPayoutLedgerInput): Promise<{ postingId: string; alreadyPosted: boolean }>;
  /** Which of these posting IDs the ledger holds (a consistent read): what the ledger itself says was booked. */
  readPayoutPostings(i: { postingIds: string[] }): Promise<{ posted: string[] }>;
  lockPayoutFx(i: { idempotencyKey: string; source: Money; targetCurrency: Currency }): Promise<PayoutFxLock>;
  /** PSP transfer to the creator's connected account; `reference` is the payout workflow ID (webhook routing). */
  initiatePspPayout(i: {
    idempotencyKey: string;
    creatorId: string;
    amount: Money;
    reference: string;
    /** The attempt's fixed destination ({@link PayoutActivities.fixPayoutDestination}); absent on histories from before. */
    destinationId?: string;
  }): Promise<{ transferId: string; status: 'paid' | 'pending' }>;
  /** Bank credit transfer (pain.001); the EndToEndId → workflow route is recorded before sending. */
  initiateBankPayout(i: {
    idempotencyKey: string;
    workflowId: string;
    creatorId: string;
    amount: Money;
    remittance: string;
    /** The attempt's fixed destination; absent on histories from before. */
    destinationId?: string;
  }): Promise<{ endToEndId: string; status: 'accepted' | 'pending' | 'settled' | 'rejected'; reasonCode?: string }>;
  /**
   * Reads the creator's payout method once per attempt and keeps it under an opaque destination ID derived from the
   * attempt's initiation key (the first read wins on a retry), so a retried initiation pays where the first one did,
   * whatever the directory says by then. No account data enters history.
   */
  fixPayoutDestination(i: {
    creatorId: string;
    rail: Rail;
    idempotencyKey: string;
  }): Promise<{ destinationId: string }>;
  /**
   * Whether the creator's payout method, as the directory says now, pays the same account as the destination fixed
   * for the attempt of `idempotencyKey` (compared inside the activity: no account data enters history). `unknown`
   * when no destination was fixed for that attempt (payouts from before fixed destinations).
   */
  comparePayoutDestination(i: {
    creatorId: string;
    idempotencyKey: string;
  }): Promise<{ destination: 'same' | 'changed' | 'unknown' }>;
  /** The transfer an initiation may have made (PSP: by transfer group and step; bank: by EndToEndId); none if absent. */
  findRailPayout(i: { rail: Rail; idempotencyKey: string; reference: string }): Promise<RailLookup>;
  /** The transfer at the PSP; `amount` and `returnedAmountMinor` (its `amount_reversed`) since `rail-event-confirm`. */
  pollPspPayout(i: { transferId: string }): Promise<{
    status: 'paid' | 'pending' | 'failed' | 'reversed';
    failureCode?: string;
    amount?: Money;
    returnedAmountMinor?: number;
  }>;
  /** The bank's status inquiry; for a returned transfer, every return booked (amount, currency, reason). */
  pollBankPayout(i: { endToEndId: string }): Promise<{
    status: 'accepted' | 'pending' | 'settled' | 'rejected' | 'returned';
    reasonCode?: string;
    returns?: Array<{ amount: Money; reasonCode?: string }>;
  }>;
  emailCreator(i: {
    creatorId: string;
    payoutId: string;
    template: PayoutEmailTemplate;
    amount: Money;
  }): Promise<{ messageId: string }>;
}
