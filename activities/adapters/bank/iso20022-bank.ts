import { ProviderTransientError } from '../errors';
import { bankRejection, BankHttpError, mapBankError } from './errors';
import { isBic, isValidIban } from './identifiers';
import { parseCamt054, type Camt054Entry } from './camt054';
import { buildPain001, parsePain002, type Debtor, type Pain002Tx } from './iso20022';
import type { BankPort, BankTransferStatus } from './port';

export interface Iso20022BankOptions {
  /** e.g. `http://127.0.0.1:12113` */
  apiBase: string;
  timeoutMs?: number;
  /** Our account, written into every pain.001 as initiating party, debtor, debtor account and debtor agent. */
  debtor: Debtor;
}

/** The real bank client: pain.001 over HTTP with global fetch, pain.002 parsed from the answer. */
export function createIso20022Bank(opts: Iso20022BankOptions): BankPort {
  const base = opts.apiBase.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // Checked once here so a misconfigured account fails at start-up, not on every file; values never in messages.
  if (!isValidIban(opts.debtor.iban)) throw new Error('bank debtor account is not a valid IBAN');
  if (!isBic(opts.debtor.bic)) throw new Error('bank debtor agent is not a valid BIC');
  const debtor: Debtor = { ...opts.debtor, iban: opts.debtor.iban.replace(/\s+/g, '').toUpperCase() };

  async function post(operation: string, path: string, body: string): Promise<string> {
    try {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/xml; charset=utf-8', Accept: 'application/xml' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      // A 4xx that carries a pain.002 is a rejection report, handled by the caller.
      if (!res.ok && !(res.status < 500 && parsePain002(text)))
        throw new BankHttpError(res.status, `HTTP ${res.status}`);
      return text;
    } catch (err) {
      return mapBankError(err, operation);
    }
  }

  async function get(operation: string, path: string): Promise<string> {
    try {
      const res = await fetch(`${base}${path}`, {
        headers: { Accept: 'application/xml' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (!res.ok) throw new BankHttpError(res.status, `HTTP ${res.status}`);
      return text;
    } catch (err) {
      return mapBankError(err, operation);
    }
  }

  function txFrom(operation: string, xml: string, endToEndId: string): Pain002Tx {
    const report = parsePain002(xml);
    const tx = report?.transactions.find((t) => t.endToEndId === endToEndId);
    if (tx) return tx;
    // A group-level rejection (e.g. unreadable file) names no transaction.
    if (report?.groupStatus === 'RJCT') return { endToEndId, status: 'RJCT', reasonCode: report.groupReasonCode };
    throw new ProviderTransientError('bank', 'BANK_UNAVAILABLE', `${operation}: unreadable status report from bank`);
  }

  return {
    async initiateCreditTransfer(i) {
      const xml = buildPain001({
        messageId: i.messageId,
        createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        debtor,
        transactions: [
          {
            endToEndId: i.endToEndId,
            amountMinor: i.amount.amountMinor,
            currency: i.amount.currency,
            creditorName: i.creditorName,
            accountRef: i.accountRef,
            remittance: i.remittance,
          },
        ],
      });
      const tx = txFrom(
        'initiateCreditTransfer',
        await post('initiateCreditTransfer', '/iso20022/pain.001', xml),
        i.endToEndId,
      );
      const status = toStatus(tx);
      if (status === 'rejected' || status === 'returned') throw bankRejection('initiateCreditTransfer', tx.reasonCode);
      return { endToEndId: i.endToEndId, status, ...(tx.reasonCode ? { reasonCode: tx.reasonCode } : {}) };
    },

    async getStatus(endToEndId) {
      const tx = txFrom(
        'getStatus',
        await get('getStatus', `/iso20022/status/${encodeURIComponent(endToEndId)}`),
        endToEndId,
      );
      return { endToEndId, status: toStatus(tx), ...(tx.reasonCode ? { reasonCode: tx.reasonCode } : {}) };
    },

    async listReturns(endToEndId) {
      const xml = await get('listReturns', `/iso20022/entries/${encodeURIComponent(endToEndId)}`);
      let entries: Camt054Entry[];
      try {
        entries = parseCamt054(xml).entries;
      } catch {
        throw new ProviderTransientError(
          'bank',
          'BANK_UNAVAILABLE',
          'listReturns: unreadable booking report from bank',
        );
      }
      return entries
        .filter((e) => e.endToEndId === endToEndId && e.status === 'returned')
        .map((e) => ({
          amount: e.amount,
          ...(e.returnCode ? { reasonCode: e.returnCode } : {}),
          ...(e.entryRef ? { entryRef: e.entryRef } : {}),
        }));
    },
  } satisfies BankPort;
}

/**
 * ISO ExternalPaymentTransactionStatus1Code → product status. pain.002 has no "returned" code; the sandbox (and
 * this adapter) use RJCT with `AddtlInf` RETURNED for a settled payment that came back.
 */
export function toStatus(tx: Pick<Pain002Tx, 'status' | 'additionalInfo'>): BankTransferStatus {
  switch (tx.status) {
    case 'ACSC':
    case 'ACCC':
      return 'settled';
    case 'ACSP':
    case 'PDNG':
    case 'ACWP':
      return 'pending';
    case 'RJCT':
      return tx.additionalInfo?.toUpperCase().startsWith('RETURNED') ? 'returned' : 'rejected';
    default:
      return 'accepted';
  }
}
