import type { Money } from '../../../workflows/shared/money';

/**
 * Credit transfers to bank accounts over ISO 20022 (pain.001 out, pain.002 back; camt.054 arrives as a webhook).
 * `messageId` + `endToEndId` are the idempotency key: derive them from workflow ID + step so a resubmission after a
 * timeout is recognised by the bank. A rejection (pain.002 RJCT) throws a non-retryable `Declined` failure carrying the
 * ISO reason code, so `initiateCreditTransfer` never resolves with `rejected`; `getStatus` reports it as data.
 */
export interface BankPort {
  initiateCreditTransfer(i: {
    messageId: string;
    endToEndId: string;
    amount: Money;
    creditorName: string;
    /** IBAN or local account number: personal data, never logged or put in messages. */
    accountRef: string;
    remittance: string;
  }): Promise<{ endToEndId: string; status: 'accepted' | 'pending' | 'settled' | 'rejected'; reasonCode?: string }>;
  getStatus(endToEndId: string): Promise<{
    endToEndId: string;
    status: 'accepted' | 'pending' | 'settled' | 'rejected' | 'returned';
    reasonCode?: string;
  }>;
  /**
   * The returns booked for a transfer, from the bank's status inquiry by EndToEndId (a camt.054 booking report): each
   * with its amount, currency, reason and booking reference. Partial returns are listed one by one.
   */
  listReturns(endToEndId: string): Promise<Array<{ amount: Money; reasonCode?: string; entryRef?: string }>>;
}

export type BankTransferStatus = Awaited<ReturnType<BankPort['getStatus']>>['status'];
