import { randomBytes } from 'node:crypto';
import type { Currency } from '../../workflows/shared/money';
import {
  summarize,
  type BankTxCode,
  type RenderFaults,
  type StatementEntry,
  type StatementHead,
  type StatementTx,
} from './camt053';

/**
 * The bank's own books: every booking on our accounts (transfers executed, returns, fees, reversals) by business
 * day, and the end-of-day statements issued from them. A statement, once issued, is the day's closed record: its
 * sequence number, ids and balances are kept, and any later booking goes to the next business day, as after a real
 * bank's cut-off. Days are issued in order (empty days included), so `ElctrncSeqNb` is consecutive per account and
 * OPBD(D) = CLBD(D−1) unless a fault says otherwise.
 */

export const CODES = {
  transfer: { domain: 'PMNT', family: 'ICDT', subFamily: 'ESCT' },
  /** A returned outgoing transfer: a new credit (not the bank undoing its booking), so no `RvslInd`. */
  return: { domain: 'PMNT', family: 'ICDT', subFamily: 'RRTN' },
  fee: { domain: 'ACMT', family: 'MDOP', subFamily: 'CHRG' },
  unknown: { proprietary: 'NZZ999', issuer: 'SANDBOXBANK' },
} satisfies Record<string, BankTxCode>;

export interface Booking {
  /** The bank's reference of the booking (`AcctSvcrRef`, and `NtryRef` of a single booking). */
  ref: string;
  businessDate: string;
  kind: 'transfer' | 'return' | 'fee' | 'reversal' | 'other';
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: Currency;
  status: 'BOOK' | 'PDNG';
  bankTxCode: BankTxCode;
  endToEndId?: string;
  msgId?: string;
  pmtInfId?: string;
  /** Transactions in the pain.001 `PmtInf` this transfer came in: above 1 the bank books them as one batch entry. */
  batchSize?: number;
  returnCode?: string;
  originalSettlementDate?: string;
  /** The booking a reversal undoes. */
  reverses?: string;
}

export type BookingInput = Omit<Booking, 'ref' | 'businessDate' | 'status' | 'bankTxCode'> &
  Partial<Pick<Booking, 'status' | 'bankTxCode'>>;

interface Issued {
  date: string;
  seq: number;
  statementId: string;
  messageId: string;
  createdAt: string;
  openingMinor: number;
  closingMinor: number;
  render: RenderFaults;
  /** The next delivery of this statement is marked as a duplicate (`CpyDplctInd` DUPL) with a new `MsgId`. */
  redeliverAsDuplicate: boolean;
  copyDuplicate?: 'DUPL';
}

interface Account {
  iban: string;
  currency: Currency;
  openingMinor: number;
  batchTxDetails: boolean;
  /** The first business day the bank issues a statement for. */
  openedOn: string;
  bookings: Booking[];
  issued: Map<string, Issued>;
  lastIssued?: Issued;
  /** Faults waiting for the next statement issued. */
  next: { sequenceGap?: boolean; discontinuityMinor?: number; detailsMismatch?: boolean; truncated?: boolean };
}

export const STATEMENT_FAULTS = [
  'duplicate_delivery',
  'sequence_gap',
  'balance_discontinuity',
  'details_mismatch',
  'truncated',
  'double_booking',
  'late_return',
  'pending_entry',
  'unknown_bank_tx_code',
] as const;
export type StatementFault = (typeof STATEMENT_FAULTS)[number];

const rid = (prefix: string) => `${prefix}${randomBytes(9).toString('hex').toUpperCase()}`;

export const addDays = (date: string, n: number): string =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10) + n)).toISOString().slice(0, 10);
const isDate = (s: unknown): s is string =>
  typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && addDays(s, 0) === s;

export type StatementResult =
  | { ok: true; head: StatementHead; entries: () => Iterable<StatementEntry>; render: RenderFaults }
  | { ok: false; status: number; error: string };

export class BankBooks {
  private readonly accounts = new Map<string, Account>();
  /** The business date set by the admin (`POST /__admin/clock`); otherwise today in UTC. */
  private clock: string | undefined;

  today(): string {
    return this.clock ?? new Date().toISOString().slice(0, 10);
  }

  setClock(date: unknown): { status: number; body: Record<string, unknown> } {
    if (date !== undefined && date !== null && !isDate(date))
      return { status: 400, body: { error: 'businessDate must be YYYY-MM-DD' } };
    this.clock = date ?? undefined;
    return { status: 200, body: { businessDate: this.today() } };
  }

  /** Admin: opens (or reconfigures) an account before its first booking. */
  configure(b: Record<string, unknown>): { status: number; body: unknown } {
    const iban = norm(b.accountIban);
    if (!iban) return { status: 400, body: { error: 'accountIban is required' } };
    const acct = this.account(iban, (typeof b.currency === 'string' ? b.currency : 'EUR') as Currency);
    if (typeof b.openingBalanceMinor === 'number' && Number.isSafeInteger(b.openingBalanceMinor))
      acct.openingMinor = b.openingBalanceMinor;
    if (typeof b.batchTxDetails === 'boolean') acct.batchTxDetails = b.batchTxDetails;
    if (isDate(b.openedOn) && !acct.lastIssued) acct.openedOn = b.openedOn;
    return { status: 200, body: this.describe(acct) };
  }

  /** Books on the current business day, or the first day after the last issued statement (after the cut-off). */
  book(accountIban: string, input: BookingInput): Booking {
    const acct = this.account(norm(accountIban) ?? accountIban, input.currency);
    const today = this.today();
    const after = acct.lastIssued ? addDays(acct.lastIssued.date, 1) : today;
    const booking: Booking = {
      status: 'BOOK',
      bankTxCode: input.kind === 'return' ? CODES.return : input.kind === 'fee' ? CODES.fee : CODES.transfer,
      ...input,
      ref: rid('BK'),
      businessDate: today > after ? today : after,
    };
    acct.bookings.push(booking);
    return booking;
  }

  /** The booking of a transfer's settlement (the latest one when the bank booked it twice). */
  findTransfer(endToEndId: string): { iban: string; booking: Booking } | undefined {
    for (const acct of this.accounts.values())
      for (let i = acct.bookings.length - 1; i >= 0; i--) {
        const b = acct.bookings[i] as Booking;
        if (b.kind === 'transfer' && b.endToEndId === endToEndId) return { iban: acct.iban, booking: b };
      }
    return undefined;
  }

  findByRef(ref: string): { iban: string; booking: Booking } | undefined {
    for (const acct of this.accounts.values()) {
      const booking = acct.bookings.find((b) => b.ref === ref);
      if (booking) return { iban: acct.iban, booking };
    }
    return undefined;
  }

  /** Admin: the bank reverses one of its own bookings (`RvslInd`, opposite direction, same references). */
  reverse(b: Record<string, unknown>): { status: number; body: unknown } {
    const found =
      typeof b.ref === 'string'
        ? this.findByRef(b.ref)
        : typeof b.endToEndId === 'string'
          ? this.findTransfer(b.endToEndId)
          : undefined;
    if (!found) return { status: 404, body: { error: 'no booking with that ref or endToEndId' } };
    const o = found.booking;
    const r = this.book(found.iban, {
      kind: 'reversal',
      direction: o.direction === 'debit' ? 'credit' : 'debit',
      amountMinor: o.amountMinor,
      currency: o.currency,
      bankTxCode: o.bankTxCode,
      reverses: o.ref,
      ...(o.endToEndId !== undefined ? { endToEndId: o.endToEndId } : {}),
      ...(o.msgId !== undefined ? { msgId: o.msgId } : {}),
    });
    return { status: 200, body: r };
  }

  /** Admin: a fee the bank charges to the account. */
  fee(b: Record<string, unknown>): { status: number; body: unknown } {
    const iban = norm(b.accountIban);
    const amount = b.amountMinor;
    if (!iban || typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
      return { status: 400, body: { error: 'accountIban and a positive integer amountMinor are required' } };
    const currency = (
      typeof b.currency === 'string' ? b.currency : (this.accounts.get(iban)?.currency ?? 'EUR')
    ) as Currency;
    return { status: 200, body: this.book(iban, { kind: 'fee', direction: 'debit', amountMinor: amount, currency }) };
  }

  /**
   * Admin: makes the next statement of the account bad in one way (`duplicate_delivery` applies to the statement of
   * `date`, already issued). The book-level faults (`double_booking`, `pending_entry`, `unknown_bank_tx_code`) book
   * at once; `late_return` is driven by the server (it needs the transfers).
   */
  statementFault(b: Record<string, unknown>): { status: number; body: unknown } {
    const iban = norm(b.accountIban);
    const acct = iban ? this.accounts.get(iban) : undefined;
    if (!acct) return { status: 404, body: { error: 'unknown accountIban (no booking yet)' } };
    const amount = typeof b.amountMinor === 'number' && Number.isSafeInteger(b.amountMinor) ? b.amountMinor : 100;
    switch (b.fault as StatementFault) {
      case 'duplicate_delivery': {
        const issued = isDate(b.date) ? acct.issued.get(b.date) : acct.lastIssued;
        if (!issued) return { status: 409, body: { error: 'no statement issued for that date yet' } };
        issued.redeliverAsDuplicate = true;
        return { status: 200, body: { fault: b.fault, date: issued.date } };
      }
      case 'sequence_gap':
        acct.next.sequenceGap = true;
        break;
      case 'balance_discontinuity':
        acct.next.discontinuityMinor = amount;
        break;
      case 'details_mismatch':
        acct.next.detailsMismatch = true;
        break;
      case 'truncated':
        acct.next.truncated = true;
        break;
      case 'double_booking': {
        const latest = [...acct.bookings].reverse().find((x) => x.kind === 'transfer');
        const found =
          typeof b.endToEndId === 'string'
            ? this.findTransfer(b.endToEndId)
            : latest && { iban: acct.iban, booking: latest };
        if (!found) return { status: 409, body: { error: 'no transfer booked to book twice' } };
        // The same transfer executed again: a second debit with the same EndToEndId, booked on its own.
        const { ref: _r, businessDate: _d, status: _s, batchSize: _b, ...again } = found.booking;
        return { status: 200, body: this.book(found.iban, again) };
      }
      case 'pending_entry':
        return {
          status: 200,
          body: this.book(acct.iban, {
            kind: 'other',
            direction: 'debit',
            amountMinor: amount,
            currency: acct.currency,
            status: 'PDNG',
            bankTxCode: CODES.transfer,
            endToEndId: rid('PDNG'),
          }),
        };
      case 'unknown_bank_tx_code':
        return {
          status: 200,
          body: this.book(acct.iban, {
            kind: 'other',
            direction: 'debit',
            amountMinor: amount,
            currency: acct.currency,
            bankTxCode: CODES.unknown,
          }),
        };
      default:
        return { status: 400, body: { error: `fault must be one of ${STATEMENT_FAULTS.join(', ')}` } };
    }
    return { status: 200, body: { fault: b.fault, pending: acct.next } };
  }

  /** The statement of `date`: issued now (with every earlier day not yet issued) or re-delivered as issued. */
  statement(accountIban: string, date: string): StatementResult {
    const acct = this.accounts.get(norm(accountIban) ?? '');
    if (!acct) return { ok: false, status: 404, error: 'unknown account' };
    if (!isDate(date)) return { ok: false, status: 400, error: 'date must be YYYY-MM-DD' };
    if (date < acct.openedOn) return { ok: false, status: 404, error: `no statement before ${acct.openedOn}` };
    if (date > this.today()) return { ok: false, status: 409, error: `business day ${date} has not closed yet` };
    let issued = acct.issued.get(date);
    if (!issued) {
      for (let d = acct.lastIssued ? addDays(acct.lastIssued.date, 1) : acct.openedOn; d <= date; d = addDays(d, 1))
        issued = this.issue(acct, d);
    } else if (issued.redeliverAsDuplicate) {
      issued.redeliverAsDuplicate = false;
      issued.copyDuplicate = 'DUPL';
      issued.messageId = rid('C53');
    }
    const it = issued as Issued;
    const entries = () => this.entries(acct, it.date);
    return {
      ok: true,
      render: it.render,
      entries,
      head: {
        messageId: it.messageId,
        createdAt: it.createdAt,
        statementId: it.statementId,
        electronicSeqNb: it.seq,
        from: it.date,
        to: it.date,
        ...(it.copyDuplicate ? { copyDuplicate: it.copyDuplicate } : {}),
        accountIban: acct.iban,
        currency: acct.currency,
        openingMinor: it.openingMinor,
        closingMinor: it.closingMinor,
        summary: summarize(entries()),
      },
    };
  }

  /** The books of one account (the sandbox's own record, for tests and the admin API). */
  records(accountIban: string): { bookings: Booking[]; statements: Omit<Issued, 'render'>[] } | undefined {
    const acct = this.accounts.get(norm(accountIban) ?? '');
    if (!acct) return undefined;
    return { bookings: acct.bookings, statements: [...acct.issued.values()].map(({ render: _r, ...s }) => s) };
  }

  /**
   * A huge statement for `date` (`?lines=N`): N synthetic single-transaction entries generated on the fly, twice (once
   * for the summary, once for the file), never held; off the books and outside the sequence (`Stmt/Id` SYN-…).
   */
  hugeStatement(accountIban: string, date: string, lines: number): StatementResult {
    if (!isDate(date)) return { ok: false, status: 400, error: 'date must be YYYY-MM-DD' };
    const iban = norm(accountIban) ?? accountIban;
    const currency = this.accounts.get(iban)?.currency ?? 'EUR';
    const entries = function* (): Generator<StatementEntry> {
      for (let i = 0; i < lines; i++) {
        const credit = i % 10 === 9;
        const amountMinor = 100 + ((i * 7919) % 100_000);
        const ref = `SYN${date.replace(/-/g, '')}${String(i).padStart(8, '0')}`;
        yield {
          ntryRef: ref,
          acctSvcrRef: ref,
          amountMinor,
          direction: credit ? 'credit' : 'debit',
          reversal: false,
          status: 'BOOK',
          bookingDate: date,
          valueDate: date,
          bankTxCode: credit ? CODES.return : CODES.transfer,
          txs: [
            {
              endToEndId: `SYN-${date}-${i}`,
              amountMinor,
              msgId: `SYNMSG-${Math.floor(i / 100)}`,
              acctSvcrRef: ref,
              ...(credit ? { returnCode: 'AC04' } : {}),
            },
          ],
        };
      }
    };
    const summary = summarize(entries());
    const openingMinor = 100_000_000_000;
    return {
      ok: true,
      render: {},
      entries,
      head: {
        messageId: `SYNMSG-${date}-${lines}`,
        createdAt: `${addDays(date, 1)}T06:00:00Z`,
        statementId: `SYN-${date.replace(/-/g, '')}-${lines}`,
        electronicSeqNb: 1,
        from: date,
        to: date,
        accountIban: iban,
        currency,
        openingMinor,
        closingMinor: openingMinor + summary.netMinor,
        summary,
      },
    };
  }

  clear(): void {
    this.accounts.clear();
    this.clock = undefined;
  }

  private issue(acct: Account, date: string): Issued {
    const prev = acct.lastIssued;
    const next = acct.next;
    acct.next = {};
    const seq = (prev?.seq ?? 0) + (next.sequenceGap ? 2 : 1);
    const openingMinor = (prev?.closingMinor ?? acct.openingMinor) + (next.discontinuityMinor ?? 0);
    const entries = this.entries(acct, date);
    // The bad total goes where OCA #157 saw it: a batch's details (else any entry with details).
    const batchIndex = entries.findIndex((e) => e.batch && e.txs.length > 0);
    const withDetails = batchIndex >= 0 ? batchIndex : entries.findIndex((e) => e.txs.length > 0);
    const issued: Issued = {
      date,
      seq,
      statementId: `STMT-${date.replace(/-/g, '')}-${String(seq).padStart(5, '0')}`,
      messageId: rid('C53'),
      createdAt: `${addDays(date, 1)}T06:00:00Z`,
      openingMinor,
      closingMinor: openingMinor + summarize(entries).netMinor,
      render: {
        ...(next.detailsMismatch && withDetails >= 0 ? { detailsMismatchEntry: withDetails } : {}),
        ...(next.truncated ? { dropLastEntry: true } : {}),
      },
      redeliverAsDuplicate: false,
    };
    acct.issued.set(date, issued);
    acct.lastIssued = issued;
    return issued;
  }

  /** The day's entries: single bookings in booking order; the transfers of one multi-transaction `PmtInf` as one batch. */
  private entries(acct: Account, date: string): StatementEntry[] {
    const out: StatementEntry[] = [];
    const batches = new Map<string, StatementEntry>();
    for (const b of acct.bookings) {
      if (b.businessDate !== date) continue;
      const tx: StatementTx | undefined =
        b.endToEndId === undefined
          ? undefined
          : {
              endToEndId: b.endToEndId,
              amountMinor: b.amountMinor,
              acctSvcrRef: b.ref,
              ...(b.msgId !== undefined ? { msgId: b.msgId } : {}),
              ...(b.pmtInfId !== undefined ? { pmtInfId: b.pmtInfId } : {}),
              ...(b.returnCode !== undefined ? { returnCode: b.returnCode } : {}),
              ...(b.originalSettlementDate !== undefined ? { originalSettlementDate: b.originalSettlementDate } : {}),
            };
      if (b.kind === 'transfer' && b.pmtInfId !== undefined && (b.batchSize ?? 1) > 1 && b.status === 'BOOK') {
        const batch = batches.get(b.pmtInfId);
        if (batch?.batch) {
          batch.amountMinor += b.amountMinor;
          batch.batch.nbOfTxs++;
          batch.batch.ttlAmtMinor += b.amountMinor;
          if (acct.batchTxDetails && tx) batch.txs.push(tx);
          continue;
        }
        const e = this.single(b, acct.batchTxDetails && tx ? [tx] : []);
        e.batch = {
          pmtInfId: b.pmtInfId,
          ...(b.msgId !== undefined ? { msgId: b.msgId } : {}),
          nbOfTxs: 1,
          ttlAmtMinor: b.amountMinor,
        };
        batches.set(b.pmtInfId, e);
        out.push(e);
        continue;
      }
      out.push(this.single(b, tx ? [tx] : []));
    }
    return out;
  }

  private single(b: Booking, txs: StatementTx[]): StatementEntry {
    return {
      ntryRef: b.ref,
      acctSvcrRef: b.ref,
      amountMinor: b.amountMinor,
      direction: b.direction,
      reversal: b.kind === 'reversal',
      status: b.status,
      bookingDate: b.businessDate,
      valueDate: b.businessDate,
      bankTxCode: b.bankTxCode,
      txs,
      ...(b.kind === 'fee' ? { info: 'Account charges' } : {}),
    };
  }

  private account(iban: string, currency: Currency): Account {
    let acct = this.accounts.get(iban);
    if (!acct) {
      acct = {
        iban,
        currency,
        // A funded operating account: payouts debit it without going overdrawn in ordinary tests.
        openingMinor: 100_000_000,
        batchTxDetails: true,
        openedOn: this.today(),
        bookings: [],
        issued: new Map(),
        next: {},
      };
      this.accounts.set(iban, acct);
    }
    return acct;
  }

  private describe(acct: Account) {
    return {
      accountIban: acct.iban,
      currency: acct.currency,
      openingBalanceMinor: acct.openingMinor,
      batchTxDetails: acct.batchTxDetails,
      openedOn: acct.openedOn,
    };
  }
}

const norm = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.replace(/\s+/g, '').toUpperCase() : undefined;
