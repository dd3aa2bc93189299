import { formatDecimal } from '../../activities/adapters/bank/iso20022';
import type { Currency } from '../../workflows/shared/money';
import { el, node } from '../../activities/adapters/bank/xml';

/**
 * The bank's end-of-day statement, ISO 20022 camt.053.001.08 (BkToCstmrStmt), written as a stream of text chunks:
 * the head (group header, statement header, balances, transaction summary), then one chunk per `Ntry`, then the tail.
 * Nothing here holds the whole document, so a 100,000-entry file costs one entry's worth of memory at a time (the
 * summary, which precedes the entries in schema order, is computed by a first pass over the same entries).
 * Elements are written in the XSD's order; the tests validate the output against the published XSD.
 */

export const CAMT053_NS = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

export type BankTxCode =
  { domain: string; family: string; subFamily: string } | { proprietary: string; issuer: string };

/** One transaction inside an entry (`NtryDtls/TxDtls`). */
export interface StatementTx {
  endToEndId: string;
  amountMinor: number;
  /** The pain.001 the transfer came in (`Refs/MsgId`) and its payment information (`Refs/PmtInfId`). */
  msgId?: string;
  pmtInfId?: string;
  acctSvcrRef?: string;
  /** A return's reason (`RtrInf/Rsn/Cd`) and the original transfer's settlement date (`RltdDts/IntrBkSttlmDt`). */
  returnCode?: string;
  originalSettlementDate?: string;
}

/** One booking line of the statement (`Ntry`): a single booking, or a batch booking of one pain.001 `PmtInf`. */
export interface StatementEntry {
  ntryRef: string;
  acctSvcrRef: string;
  amountMinor: number;
  direction: 'credit' | 'debit';
  /** `RvslInd`: the bank undid one of its own bookings (a credit reversing a debit, or the opposite). */
  reversal: boolean;
  status: 'BOOK' | 'PDNG';
  bookingDate: string;
  valueDate: string;
  bankTxCode: BankTxCode;
  batch?: { pmtInfId: string; msgId?: string; nbOfTxs: number; ttlAmtMinor: number };
  /** Empty: an entry without `TxDtls` (a batch booked as one line, or a fee). */
  txs: StatementTx[];
  info?: string;
}

export interface StatementSummary {
  entries: number;
  /** Σ |amount| of booked entries, credits and debits separately; net = credits − debits (signed). */
  credits: { count: number; sumMinor: number };
  debits: { count: number; sumMinor: number };
  netMinor: number;
}

export interface StatementHead {
  messageId: string;
  createdAt: string;
  statementId: string;
  electronicSeqNb: number;
  /** The business day the statement covers (`FrToDt`, whole days in UTC). */
  from: string;
  to: string;
  copyDuplicate?: 'DUPL' | 'COPY' | 'CODU';
  accountIban: string;
  currency: Currency;
  /** Signed balances in minor units (negative = overdrawn, written as `DBIT`). */
  openingMinor: number;
  closingMinor: number;
  summary: StatementSummary;
}

/** Only booked entries move the balance and count in `TxsSummry`; pending ones are shown, not counted. */
export function summarize(entries: Iterable<StatementEntry>): StatementSummary {
  const s: StatementSummary = {
    entries: 0,
    credits: { count: 0, sumMinor: 0 },
    debits: { count: 0, sumMinor: 0 },
    netMinor: 0,
  };
  for (const e of entries) {
    if (e.status !== 'BOOK') continue;
    s.entries++;
    const side = e.direction === 'credit' ? s.credits : s.debits;
    side.count++;
    side.sumMinor += e.amountMinor;
  }
  s.netMinor = s.credits.sumMinor - s.debits.sumMinor;
  return s;
}

/** How a rendering lies (the bank's bad files, `faults`): the books stay true, only the file is wrong. */
export interface RenderFaults {
  /** This entry's first `TxDtls` amount is written one minor unit short (Σ TxDtls ≠ Ntry/Amt). */
  detailsMismatchEntry?: number;
  /** The last entry is left out while the balances and `TxsSummry` still count it (a truncated file). */
  dropLastEntry?: boolean;
}

export function* camt053Chunks(
  head: StatementHead,
  entries: Iterable<StatementEntry>,
  faults: RenderFaults = {},
): Generator<string> {
  const ccy = head.currency;
  const amt = (minor: number) => el('Amt', { Ccy: ccy }, formatDecimal(Math.abs(minor), ccy));
  const bal = (code: string, minor: number, date: string) =>
    node(
      'Bal',
      node('Tp', node('CdOrPrtry', el('Cd', code))),
      amt(minor),
      el('CdtDbtInd', minor < 0 ? 'DBIT' : 'CRDT'),
      node('Dt', el('Dt', date)),
    );
  const sum = (minor: number) => formatDecimal(minor, ccy);
  const s = head.summary;
  yield `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="${CAMT053_NS}"><BkToCstmrStmt>`;
  yield node(
    'GrpHdr',
    el('MsgId', head.messageId),
    el('CreDtTm', head.createdAt),
    node('MsgPgntn', el('PgNb', 1), el('LastPgInd', 'true')),
  );
  yield (
    '<Stmt>' +
    el('Id', head.statementId) +
    el('ElctrncSeqNb', head.electronicSeqNb) +
    el('CreDtTm', head.createdAt) +
    node('FrToDt', el('FrDtTm', `${head.from}T00:00:00Z`), el('ToDtTm', `${head.to}T23:59:59Z`)) +
    (head.copyDuplicate ? el('CpyDplctInd', head.copyDuplicate) : '') +
    node('Acct', node('Id', el('IBAN', head.accountIban)), el('Ccy', ccy)) +
    bal('OPBD', head.openingMinor, head.from) +
    bal('CLBD', head.closingMinor, head.to) +
    node(
      'TxsSummry',
      node(
        'TtlNtries',
        el('NbOfNtries', s.entries),
        el('Sum', sum(s.credits.sumMinor + s.debits.sumMinor)),
        node('TtlNetNtry', el('Amt', sum(Math.abs(s.netMinor))), el('CdtDbtInd', s.netMinor < 0 ? 'DBIT' : 'CRDT')),
      ),
      node('TtlCdtNtries', el('NbOfNtries', s.credits.count), el('Sum', sum(s.credits.sumMinor))),
      node('TtlDbtNtries', el('NbOfNtries', s.debits.count), el('Sum', sum(s.debits.sumMinor))),
    )
  );
  let i = 0;
  let held: string | undefined;
  for (const e of entries) {
    // One entry is held back so that a truncated file can leave the last one out.
    if (held !== undefined) yield held;
    held = entryXml(e, ccy, faults.detailsMismatchEntry === i);
    i++;
  }
  if (held !== undefined && !faults.dropLastEntry) yield held;
  yield '</Stmt></BkToCstmrStmt></Document>';
}

function entryXml(e: StatementEntry, ccy: Currency, shortDetails: boolean): string {
  const amt = (minor: number) => el('Amt', { Ccy: ccy }, formatDecimal(minor, ccy));
  const cdtDbt = e.direction === 'credit' ? 'CRDT' : 'DBIT';
  const code = e.bankTxCode;
  const btc =
    'proprietary' in code
      ? node('BkTxCd', node('Prtry', el('Cd', code.proprietary), el('Issr', code.issuer)))
      : node(
          'BkTxCd',
          node('Domn', el('Cd', code.domain), node('Fmly', el('Cd', code.family), el('SubFmlyCd', code.subFamily))),
        );
  const details =
    e.batch || e.txs.length > 0
      ? node(
          'NtryDtls',
          e.batch &&
            node(
              'Btch',
              e.batch.msgId !== undefined && el('MsgId', e.batch.msgId),
              el('PmtInfId', e.batch.pmtInfId),
              el('NbOfTxs', e.batch.nbOfTxs),
              el('TtlAmt', { Ccy: ccy }, formatDecimal(e.batch.ttlAmtMinor, ccy)),
              el('CdtDbtInd', cdtDbt),
            ),
          ...e.txs.map((t, k) =>
            node(
              'TxDtls',
              node(
                'Refs',
                t.msgId !== undefined && el('MsgId', t.msgId),
                t.acctSvcrRef !== undefined && el('AcctSvcrRef', t.acctSvcrRef),
                t.pmtInfId !== undefined && el('PmtInfId', t.pmtInfId),
                el('EndToEndId', t.endToEndId),
              ),
              amt(shortDetails && k === 0 ? t.amountMinor - 1 : t.amountMinor),
              el('CdtDbtInd', cdtDbt),
              t.originalSettlementDate !== undefined && node('RltdDts', el('IntrBkSttlmDt', t.originalSettlementDate)),
              t.returnCode !== undefined && node('RtrInf', node('Rsn', el('Cd', t.returnCode))),
            ),
          ),
        )
      : undefined;
  return node(
    'Ntry',
    el('NtryRef', e.ntryRef),
    amt(e.amountMinor),
    el('CdtDbtInd', cdtDbt),
    e.reversal && el('RvslInd', 'true'),
    node('Sts', el('Cd', e.status)),
    node('BookgDt', el('Dt', e.bookingDate)),
    node('ValDt', el('Dt', e.valueDate)),
    el('AcctSvcrRef', e.acctSvcrRef),
    btc,
    details,
    e.info !== undefined && el('AddtlNtryInf', e.info),
  );
}
