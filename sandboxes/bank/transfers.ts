import { randomBytes } from 'node:crypto';
import { signBankPayload } from '../../activities/adapters/bank/webhook';
import { schedule } from '../shared/http';
import { take } from '../shared/faults';
import type { WebhookDispatcher } from '../shared/webhooks';
import type { BankBooks } from './books';
import type { Faults } from './faults';
import {
  buildCamt054,
  buildPain002,
  isValidIban,
  looksLikeIban,
  type CreditTransferTx,
  type Pain002Tx,
  type Placement,
} from './iso20022';

export const XML = 'application/xml; charset=utf-8';
export const rid = (prefix: string) => `${prefix}${randomBytes(9).toString('hex').toUpperCase()}`;

interface Transfer {
  messageId: string;
  tx: CreditTransferTx;
  fingerprint: string;
  /** The status answered at initiation, replayed on resubmission. */
  initial: Pain002Tx;
  status: 'ACSP' | 'ACSC' | 'RJCT' | 'RETURNED';
  reasonCode?: string;
  /** Every return booked for this transfer (partial returns add up to at most its amount). */
  returns: Array<{ entryRef: string; amountMinor: number; code: string }>;
  /** The debited account and `PmtInf`: where the bank books the settlement (`books.ts`). */
  placement?: Placement;
  /** The business day the settlement was booked. */
  settledOn?: string;
}

/**
 * The bank's transfers by EndToEndId and their life: accepted (ACSP) or rejected at once, settled after
 * `settleDelayMs` (ACSC), returned on the admin's word; each settlement and return is announced as a signed camt.054.
 */
export class BankTransfers {
  private readonly byE2e = new Map<string, Transfer>();

  constructor(
    private readonly opts: {
      hooks: WebhookDispatcher;
      hmacSecret: string;
      books: BankBooks;
      timers: Set<NodeJS.Timeout>;
      /** The faults in force now (the admin API replaces them). */
      faults: () => Faults;
    },
  ) {}

  /** One pain.001 transaction: its pain.002 answer; a resubmission with the same content replays the first answer. */
  accept(messageId: string, tx: CreditTransferTx, placement?: Placement): Pain002Tx {
    const faults = this.opts.faults();
    const fingerprint = JSON.stringify([
      tx.amountMinor,
      tx.currency,
      tx.accountRef.replace(/\s+/g, '').toUpperCase(),
      tx.creditorName,
    ]);
    const existing = this.byE2e.get(tx.endToEndId);
    if (existing) {
      if (existing.messageId === messageId && existing.fingerprint === fingerprint) return existing.initial;
      return {
        endToEndId: tx.endToEndId,
        status: 'RJCT',
        reasonCode: 'DUPL',
        additionalInfo: 'EndToEndId already used with different content',
      };
    }
    const normalized = tx.accountRef.replace(/\s+/g, '').toUpperCase();
    const rejectCode =
      faults.rejectAccounts.get(tx.accountRef) ??
      faults.rejectAccounts.get(normalized) ??
      (looksLikeIban(normalized) && !isValidIban(normalized) ? 'AC01' : undefined) ??
      (take(faults, 'insufficientFundsNext') ? 'AM04' : undefined);
    const initial: Pain002Tx = rejectCode
      ? { endToEndId: tx.endToEndId, status: 'RJCT', reasonCode: rejectCode }
      : { endToEndId: tx.endToEndId, status: 'ACCP' };
    const t: Transfer = {
      messageId,
      tx,
      fingerprint,
      initial,
      returns: [],
      ...(placement?.accountIban ? { placement } : {}),
      status: rejectCode ? 'RJCT' : 'ACSP',
      ...(rejectCode ? { reasonCode: rejectCode } : {}),
    };
    this.byE2e.set(tx.endToEndId, t);
    if (!rejectCode) this.scheduleSettlement(t, faults.settleDelayMs);
    return initial;
  }

  /** The pain.002 status report of one transfer, or undefined when the EndToEndId is unknown. */
  statusReport(endToEndId: string): string | undefined {
    const t = this.byE2e.get(endToEndId);
    if (!t) return undefined;
    const tx: Pain002Tx =
      t.status === 'RETURNED'
        ? { endToEndId: t.tx.endToEndId, status: 'RJCT', reasonCode: t.reasonCode, additionalInfo: 'RETURNED' }
        : { endToEndId: t.tx.endToEndId, status: t.status, ...(t.reasonCode ? { reasonCode: t.reasonCode } : {}) };
    return buildPain002({ messageId: rid('STS'), originalMessageId: t.messageId, transactions: [tx] });
  }

  /**
   * Admin: the creditor's bank sends a settled transfer back (a camt.054 reversal with `code`), in full or, with
   * `amountMinor` below what is left, in part (the camt.054 then books that amount and names the original). Several
   * partial returns of one transfer are allowed, each with its own notification, up to the transfer's amount.
   */
  returnSettled(
    endToEndId: string,
    code: string,
    amountMinor?: number,
  ): { status: number; body: Record<string, unknown> } {
    const t = this.byE2e.get(endToEndId);
    if (!t) return { status: 404, body: { error: 'unknown endToEndId' } };
    if (t.status !== 'ACSC' && t.status !== 'RETURNED')
      return { status: 409, body: { error: `transfer is ${t.status}; only settled transfers can be returned` } };
    const left = t.tx.amountMinor - t.returns.reduce((s, r) => s + r.amountMinor, 0);
    if (left <= 0) return { status: 409, body: { error: 'transfer has already been returned in full' } };
    const amount = amountMinor ?? left;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left)
      return { status: 400, body: { error: `amountMinor must be an integer in 1..${left}` } };
    t.status = 'RETURNED';
    t.reasonCode = code;
    if (t.placement)
      this.opts.books.book(t.placement.accountIban, {
        kind: 'return',
        direction: 'credit',
        amountMinor: amount,
        currency: t.tx.currency,
        endToEndId: t.tx.endToEndId,
        msgId: t.messageId,
        returnCode: code,
        ...(t.settledOn ? { originalSettlementDate: t.settledOn } : {}),
      });
    const entryRef = this.notify(t, 'return', code, amount);
    t.returns.push({ entryRef, amountMinor: amount, code });
    return { status: 200, body: { endToEndId: t.tx.endToEndId, status: 'returned', code, amountMinor: amount } };
  }

  /**
   * The status inquiry's booking report: a camt.054 with every return booked for the transfer (amount, currency,
   * reason, the booking's reference), as banks answer an inquiry by EndToEndId; undefined when it is unknown.
   */
  entriesReport(endToEndId: string): string | undefined {
    const t = this.byE2e.get(endToEndId);
    if (!t) return undefined;
    return buildCamt054({
      messageId: rid('INQ'),
      entries: t.returns.map((r) => ({
        entryRef: r.entryRef,
        endToEndId: t.tx.endToEndId,
        originalMessageId: t.messageId,
        status: 'returned' as const,
        returnCode: r.code,
        amount: { amountMinor: r.amountMinor, currency: t.tx.currency },
        originalAmount: { amountMinor: t.tx.amountMinor, currency: t.tx.currency },
      })),
    });
  }

  /** Transfers accepted and rejected at initiation, for the admin API's call report. */
  counts(): { transfers: number; rejected: number } {
    const accepted = [...this.byE2e.values()].filter((t) => t.initial.status !== 'RJCT').length;
    return { transfers: accepted, rejected: this.byE2e.size - accepted };
  }

  /** A transfer's settlement day and the ISO status, for the late-return fault. */
  settlement(endToEndId: string): { status: Transfer['status']; settledOn?: string } | undefined {
    const t = this.byE2e.get(endToEndId);
    return t && { status: t.status, ...(t.settledOn ? { settledOn: t.settledOn } : {}) };
  }

  clear(): void {
    this.byE2e.clear();
  }

  private scheduleSettlement(t: Transfer, delayMs: number): void {
    schedule(
      this.opts.timers,
      () => {
        if (t.status !== 'ACSP') return;
        t.status = 'ACSC';
        if (t.placement)
          t.settledOn = this.opts.books.book(t.placement.accountIban, {
            kind: 'transfer',
            direction: 'debit',
            amountMinor: t.tx.amountMinor,
            currency: t.tx.currency,
            endToEndId: t.tx.endToEndId,
            msgId: t.messageId,
            pmtInfId: t.placement.pmtInfId,
            batchSize: t.placement.batchSize,
          }).businessDate;
        this.notify(t, 'settlement');
      },
      delayMs,
    );
  }

  private notify(
    t: Transfer,
    kind: 'settlement' | 'return',
    returnCode?: string,
    amountMinor = t.tx.amountMinor,
  ): string {
    const partial = amountMinor !== t.tx.amountMinor;
    const id = rid('NTF');
    const entryRef = `${id}-1`;
    const body = buildCamt054({
      messageId: id,
      entries: [
        {
          entryRef,
          endToEndId: t.tx.endToEndId,
          originalMessageId: t.messageId,
          status: kind === 'settlement' ? 'booked' : 'returned',
          ...(returnCode ? { returnCode } : {}),
          amount: { amountMinor, currency: t.tx.currency },
          ...(partial ? { originalAmount: { amountMinor: t.tx.amountMinor, currency: t.tx.currency } } : {}),
        },
      ],
    });
    this.opts.hooks.emit({
      id,
      type: kind === 'settlement' ? 'camt.054.settlement' : 'camt.054.return',
      body,
      contentType: XML,
      headers: () => ({ 'X-Bank-Signature': signBankPayload(body, this.opts.hmacSecret), 'X-Bank-Event-Id': id }),
    });
    return entryRef;
  }
}
