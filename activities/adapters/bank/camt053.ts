import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { CURRENCY_EXPONENT, type Currency } from '../../../workflows/shared/money';
import { isCurrency } from './amounts';
import type { EntryStatus, StatementLine as ReconStatementLine } from '../../../workflows/recon/contract';

/**
 * Reads a camt.053 bank-to-customer statement (camt.053.001.02 … .13) as a stream, with saxes (namespace-aware,
 * strict well-formedness, incremental): statement lines come out one at a time as each `Ntry` closes, so memory is
 * one entry plus the statement's running totals, whatever the file's size. A DOCTYPE is refused (no entity can be
 * declared, so no entity expansion), as is any other message or version. Amounts become minor units exactly (no
 * floating point). Pending/informational entries (`Sts` PDNG, INFO, FUTR) are reported apart and move no balance.
 *
 * The file-level checks (R4 of the reconciliation design) are `checkStatement`, a pure function over the header and
 * the running totals: it answers break classes, never throws, so a bad file becomes a break and not a crash.
 */

/**
 * One booked transaction as the reconciliation sees it: one per `TxDtls`, or per `Ntry` when it has none. The
 * reconciliation's one line type (both rails), narrowed to what this reader always sets.
 */
export type StatementLine = ReconStatementLine & {
  source: 'camt053';
  entry: { index: number };
  txIndex: number;
};

export type { EntryStatus };

export interface Balance {
  code: string;
  /** Signed: DBIT balances are negative. */
  amountMinor: number;
  currency: Currency;
  date?: string;
}

export interface StatementHeader {
  /** The message's namespace version, e.g. `camt.053.001.08`. */
  version: string;
  messageId?: string;
  messageCreatedAt?: string;
  page?: { number?: number; last?: boolean };
  /** Index of the `Stmt` in the document (a file may hold several accounts). */
  statementIndex: number;
  statementId: string;
  electronicSeqNb?: number;
  legalSeqNb?: number;
  copyDuplicate?: string;
  from?: string;
  to?: string;
  businessDate: string;
  account: { iban?: string; other?: string; currency?: string };
  /** OPBD, else PRCD (the previous closing, as some banks send instead). */
  opening?: Balance;
  closing?: Balance;
  summary: {
    entries?: number;
    sumMinor?: number;
    netMinor?: number;
    credits?: { count?: number; sumMinor?: number };
    debits?: { count?: number; sumMinor?: number };
  };
}

/** What a finding can point at; lists are capped (`LIST_CAP`), counts are not. */
export interface StatementTotals {
  bookedEntries: number;
  notBookedEntries: number;
  refusedEntries: number;
  lines: number;
  refusedLines: number;
  /** Booked entries in the statement's currency: Σ credits and Σ debits (minor units) and their counts. */
  credits: { count: number; sumMinor: number };
  debits: { count: number; sumMinor: number };
  /** Booked entries in another currency than the statement's: they cannot take part in the balance check. */
  otherCurrencyEntries: number;
  refusals: Array<{ entryIndex: number; txIndex?: number; ntryRef?: string; reason: string }>;
  detailsMismatches: Array<{
    entryIndex: number;
    ntryRef?: string;
    entryAmountMinor: number;
    detailsSumMinor?: number;
    reason: string;
  }>;
  duplicateEndToEndIds: Array<{ endToEndId: string; lineIds: string[] }>;
  unknownCodes: Array<{ lineId: string; bankTxCode: string }>;
  unknownCodeLines: number;
}

export type Camt053Event =
  | { kind: 'header'; header: StatementHeader }
  | { kind: 'line'; line: StatementLine }
  /** An entry that is not booked (PDNG/INFO/FUTR): shown by the bank, excluded from balances and matching. */
  | { kind: 'notBooked'; line: StatementLine }
  | { kind: 'refused'; entryIndex: number; txIndex?: number; ntryRef?: string; reason: string }
  | { kind: 'statementEnd'; header: StatementHeader; totals: StatementTotals }
  | { kind: 'end'; sha256: string; bytes: number; statements: number };

/** Why a whole file was refused (not a statement this reader accepts, or not XML it will read). */
export class Camt053Refused extends Error {
  constructor(
    readonly code: 'not_camt053' | 'doctype' | 'malformed' | 'encoding' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'Camt053Refused';
  }
}

const GRPHDR = 'Document/BkToCstmrStmt/GrpHdr/';
const STMT = 'Document/BkToCstmrStmt/Stmt/';
const NTRY = `${STMT}Ntry/`;
const TXDTLS = `${NTRY}NtryDtls/TxDtls/`;

export const CAMT053_VERSIONS = /^urn:iso:std:iso:20022:tech:xsd:(camt\.053\.001\.(0[2-9]|1[0-3]))$/;

/**
 * Bank transaction codes (`Domn-Fmly`) the reconciliation knows what to do with; any other code, or a proprietary
 * one, makes the line `unclassified` (never dropped). Versioned with the rule set.
 */
export const KNOWN_BANK_TX_FAMILIES: ReadonlySet<string> = new Set([
  'PMNT-ICDT', // issued credit transfers (our payouts, their returns)
  'PMNT-RCDT', // received credit transfers (top-ups, PSP payouts into the account)
  'PMNT-MCOP', // miscellaneous credit operations
  'PMNT-MDOP', // miscellaneous debit operations
  'ACMT-MDOP', // account management: charges
  'ACMT-MCOP',
]);

/** How many items a finding list keeps (counts go on). */
export const LIST_CAP = 1_000;

export interface ReadOptions {
  /** The reconciliation account the statement belongs to (part of every lineId); default the statement's IBAN. */
  accountId?: string;
  /** Refuse files above this size (default 2 GiB). */
  maxBytes?: number;
}

interface AmountText {
  text: string;
  ccy?: string;
}

interface TxAcc {
  refs: StatementLine['refs'];
  amt?: AmountText;
  cdtDbt?: string;
  txAmt?: AmountText;
  instdAmt?: AmountText;
  rate?: string;
  returnReason?: string;
  originalSettlementDate?: string;
}

interface EntryAcc {
  ntryRef?: string;
  amt?: AmountText;
  cdtDbt?: string;
  reversal: boolean;
  sts?: string;
  bookingDate?: string;
  valueDate?: string;
  acctSvcrRef?: string;
  domain?: string;
  family?: string;
  subFamily?: string;
  proprietary?: string;
  batch?: { msgId?: string; pmtInfId?: string; nbOfTxs?: string; ttlAmt?: AmountText; cdtDbt?: string };
  txs: TxAcc[];
}

interface BalanceAcc {
  code?: string;
  amt?: AmountText;
  cdtDbt?: string;
  date?: string;
}

type AmountResult = { ok: true; minor: number; currency: Currency } | { ok: false; reason: string };

/** ISO decimal text → minor units: leading zeros fine, more decimals than the currency has refused, never a float. */
export function parseAmount(a: AmountText | undefined, fallbackCcy?: string): AmountResult {
  if (!a) return { ok: false, reason: 'amount missing' };
  const ccy = a.ccy ?? fallbackCcy;
  if (!isCurrency(ccy)) return { ok: false, reason: `unknown currency ${JSON.stringify(ccy ?? '')}` };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(a.text.trim());
  if (!m) return { ok: false, reason: `amount ${JSON.stringify(a.text.trim())} is not a decimal number` };
  const exp = CURRENCY_EXPONENT[ccy];
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > exp)
    return {
      ok: false,
      reason: `amount ${a.text.trim()} has more decimals than ${ccy} allows (${exp})`,
    };
  const minor = Number(`${m[1]}${frac.padEnd(exp, '0')}`);
  if (!Number.isSafeInteger(minor)) return { ok: false, reason: `amount ${a.text.trim()} is too large` };
  return { ok: true, minor, currency: ccy };
}

const int = (s: string | undefined): number | undefined => {
  if (s === undefined || !/^\s*\d+\s*$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
};
const dateOf = (s: string | undefined): string | undefined => s?.trim().slice(0, 10) || undefined;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** sha256(accountId|Stmt/Id|ElctrncSeqNb|entryIndex|txIndex): stable across re-deliveries of the statement. */
export const lineIdOf = (
  accountId: string,
  h: Pick<StatementHeader, 'statementId' | 'electronicSeqNb'>,
  entryIndex: number,
  txIndex: number,
) => sha256(`${accountId}|${h.statementId}|${h.electronicSeqNb ?? ''}|${entryIndex}|${txIndex}`);

const emptyTotals = (): StatementTotals => ({
  bookedEntries: 0,
  notBookedEntries: 0,
  refusedEntries: 0,
  lines: 0,
  refusedLines: 0,
  credits: { count: 0, sumMinor: 0 },
  debits: { count: 0, sumMinor: 0 },
  otherCurrencyEntries: 0,
  refusals: [],
  detailsMismatches: [],
  duplicateEndToEndIds: [],
  unknownCodes: [],
  unknownCodeLines: 0,
});

const capped = <T>(list: T[], item: T) => {
  if (list.length < LIST_CAP) list.push(item);
};

/** The declared encoding of the first bytes (the XML declaration is ASCII): UTF-8 or ISO-8859-1, else refused. */
function decoderFor(head: Buffer): TextDecoder {
  const decl = /^(?:\xEF\xBB\xBF)?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(
    head.subarray(0, 200).toString('latin1'),
  );
  const enc = (decl?.[1] ?? 'utf-8').toLowerCase();
  if (enc === 'utf-8' || enc === 'utf8') return new TextDecoder('utf-8', { fatal: true });
  if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'iso8859-1') return new TextDecoder('latin1');
  throw new Camt053Refused('encoding', `encoding ${enc} is not accepted (UTF-8 or ISO-8859-1)`);
}

/**
 * Streams the events of one camt.053 file: per statement a `header` (before its first entry), its `line`s,
 * `notBooked` entries and `refused` lines, then `statementEnd` with the running totals; finally `end` with the
 * sha256 of the bytes. Throws `Camt053Refused` for a file it will not read at all.
 */
export async function* readCamt053(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  opts: ReadOptions = {},
): AsyncGenerator<Camt053Event> {
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  const hash = createHash('sha256');
  let bytes = 0;
  let decoder: TextDecoder | undefined;
  const out: Camt053Event[] = [];

  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: string[] = [];
  // The full path of each open element ('Document/BkToCstmrStmt/Stmt/Ntry/Amt'): a field is found by one slice of
  // a constant prefix, not by joining the stack at every closing tag (the reader's hot path).
  const paths: string[] = [];
  let text = '';
  let ccyAttr: string | undefined;
  let version = '';
  let docNs = '';
  let statements = 0;

  // Group header (shared by every statement of the file).
  const grp: { msgId?: string; creDtTm?: string; pgNb?: string; lastPg?: string } = {};
  // The statement being read.
  let st: {
    index: number;
    id?: string;
    seq?: string;
    lglSeq?: string;
    cpy?: string;
    from?: string;
    to?: string;
    iban?: string;
    other?: string;
    ccy?: string;
    bals: Balance[];
    bal?: BalanceAcc;
    sum: Record<string, string>;
    headerSent?: StatementHeader;
    entryIndex: number;
    totals: StatementTotals;
    /**
     * Every booked EndToEndId of the statement, by a 96-bit digest of (direction, reversal, id) → where it was first
     * seen (entryIndex · 2^20 + txIndex): a fresh 16-character key and a number per line (~100 bytes with the map's
     * overhead), never a slice of the parser's text, which would keep each 64 KiB chunk of the file alive.
     */
    seenE2e: Map<string, number>;
    duplicates: Map<string, { endToEndId: string; lineIds: string[] }>;
  } = newStatement(-1);
  let entry: EntryAcc | undefined;
  let tx: TxAcc | undefined;
  // Values most lines repeat (currency, dates, status, bank code, a batch's MsgId/PmtInfId) share one string: a 100k-line
  // statement held for matching is ~1 KiB per line, and these were a fifth of it. Bounded, so a hostile file cannot
  // grow it.
  const shared = new Map<string, string>();
  const intern = <T extends string>(v: T): T => {
    const had = shared.get(v);
    if (had !== undefined) return had as T;
    if (shared.size < 4_096) shared.set(v, v);
    return v;
  };

  function newStatement(index: number) {
    return {
      index,
      bals: [],
      sum: {},
      entryIndex: 0,
      totals: emptyTotals(),
      seenE2e: new Map<string, number>(),
      duplicates: new Map(),
    } as typeof st;
  }

  const refuse = (code: Camt053Refused['code'], message: string): never => {
    throw new Camt053Refused(code, message);
  };

  parser.on('doctype', () => refuse('doctype', 'a DOCTYPE is not accepted in a camt.053 (no DTDs, no entities)'));
  parser.on('error', (e) => refuse('malformed', `not well-formed XML: ${e.message}`));
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    text = '';
    ccyAttr = tag.attributes['Ccy']?.value;
    const depth = stack.length;
    if (depth === 0) {
      const m = CAMT053_VERSIONS.exec(tag.uri);
      if (tag.local !== 'Document' || !m)
        refuse('not_camt053', `not a camt.053.001.02…13 Document (root ${tag.local} in ${tag.uri || 'no namespace'})`);
      version = (m as RegExpExecArray)[1] as string;
      docNs = tag.uri;
    } else if (tag.uri !== docNs) {
      // Foreign elements (SplmtryData envelopes) are kept on the stack but never read.
      stack.push('#');
      paths.push('#');
      return;
    }
    if (depth === 1 && tag.local !== 'BkToCstmrStmt')
      refuse('not_camt053', `expected BkToCstmrStmt, found ${tag.local}`);
    stack.push(tag.local);
    paths.push(depth === 0 ? tag.local : `${paths[depth - 1]}/${tag.local}`);
    if (depth === 2 && tag.local === 'Stmt') st = newStatement(statements++);
    if (depth === 3 && tag.local === 'Ntry') {
      sendHeader();
      entry = { reversal: false, txs: [] };
    }
    if (depth === 3 && tag.local === 'Bal') st.bal = {};
    if (entry && tag.local === 'TxDtls' && stack[4] === 'NtryDtls' && depth === 5) {
      tx = { refs: {} };
      entry.txs.push(tx);
    }
  });
  parser.on('closetag', () => {
    const name = stack.pop();
    const full = paths.pop() ?? '#';
    // saxes hands out slices of its input chunk; a kept slice (an EndToEndId on a line) would keep the whole 256 KiB
    // chunk alive, so a 100k-line statement held for matching would hold the file. A short value is copied out.
    const value = text.length >= 13 && text.length <= 256 ? (' ' + text).slice(1) : text;
    text = '';
    if (name === '#' || name === undefined || full.startsWith('#')) return;
    const depth = stack.length; // depth of the closed element
    if (depth === 2) {
      if (name === 'Stmt') endStatement();
      return;
    }
    if (full.startsWith(GRPHDR)) {
      const rel = full.slice(GRPHDR.length);
      if (rel === 'MsgId') grp.msgId = value.trim();
      else if (rel === 'CreDtTm') grp.creDtTm = value.trim();
      else if (rel === 'MsgPgntn/PgNb') grp.pgNb = value;
      else if (rel === 'MsgPgntn/LastPgInd') grp.lastPg = value.trim();
      return;
    }
    if (!full.startsWith(STMT)) return;
    if (depth === 3 && name === 'Ntry') return finishEntry();
    if (entry && full.startsWith(TXDTLS) && tx) return txField(full.slice(TXDTLS.length), value);
    if (entry && full.startsWith(NTRY)) return entryField(full.slice(NTRY.length), value);
    const rel = full.slice(STMT.length);
    switch (rel) {
      case 'Id':
        st.id = value.trim();
        return;
      case 'ElctrncSeqNb':
        st.seq = value;
        return;
      case 'LglSeqNb':
        st.lglSeq = value;
        return;
      case 'FrToDt/FrDtTm':
      case 'FrToDt/FrDt':
        st.from = dateOf(value);
        return;
      case 'FrToDt/ToDtTm':
      case 'FrToDt/ToDt':
        st.to = dateOf(value);
        return;
      case 'CpyDplctInd':
        st.cpy = value.trim();
        return;
      case 'Acct/Id/IBAN':
        st.iban = value.trim();
        return;
      case 'Acct/Id/Othr/Id':
        st.other = value.trim();
        return;
      case 'Acct/Ccy':
        st.ccy = value.trim();
        return;
      case 'Bal/Tp/CdOrPrtry/Cd':
      case 'Bal/Tp/CdOrPrtry/Prtry':
        if (st.bal) st.bal.code = value.trim();
        return;
      case 'Bal/Amt':
        if (st.bal) st.bal.amt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'Bal/CdtDbtInd':
        if (st.bal) st.bal.cdtDbt = value.trim();
        return;
      case 'Bal/Dt/Dt':
      case 'Bal/Dt/DtTm':
        if (st.bal) st.bal.date = dateOf(value);
        return;
      case 'Bal': {
        const b = st.bal;
        st.bal = undefined;
        const a = parseAmount(b?.amt, st.ccy);
        if (b?.code && a.ok)
          st.bals.push({
            code: b.code,
            amountMinor: b.cdtDbt === 'DBIT' ? -a.minor : a.minor,
            currency: a.currency,
            ...(b.date ? { date: b.date } : {}),
          });
        return;
      }
      default:
        if (rel.startsWith('TxsSummry/')) st.sum[rel.slice('TxsSummry/'.length)] = value;
    }
  });

  function entryField(rel: string, value: string): void {
    const e = entry as EntryAcc;
    switch (rel) {
      case 'NtryRef':
        e.ntryRef = value.trim();
        return;
      case 'Amt':
        e.amt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'CdtDbtInd':
        e.cdtDbt = value.trim();
        return;
      case 'RvslInd':
        e.reversal = value.trim() === 'true' || value.trim() === '1';
        return;
      case 'Sts':
        // camt.053.001.02…07 carry the code as text; .08 and later in Sts/Cd.
        if (value.trim()) e.sts = value.trim();
        return;
      case 'AcctSvcrRef':
        e.acctSvcrRef = value.trim();
        return;
    }
    switch (rel) {
      case 'Sts/Cd':
      case 'Sts/Prtry':
        e.sts = value.trim();
        return;
      case 'BookgDt/Dt':
      case 'BookgDt/DtTm':
        e.bookingDate = dateOf(value);
        return;
      case 'ValDt/Dt':
      case 'ValDt/DtTm':
        e.valueDate = dateOf(value);
        return;
      case 'BkTxCd/Domn/Cd':
        e.domain = value.trim();
        return;
      case 'BkTxCd/Domn/Fmly/Cd':
        e.family = value.trim();
        return;
      case 'BkTxCd/Domn/Fmly/SubFmlyCd':
        e.subFamily = value.trim();
        return;
      case 'BkTxCd/Prtry/Cd':
        e.proprietary = value.trim();
        return;
      case 'NtryDtls/Btch/MsgId':
        (e.batch ??= {}).msgId = value.trim();
        return;
      case 'NtryDtls/Btch/PmtInfId':
        (e.batch ??= {}).pmtInfId = value.trim();
        return;
      case 'NtryDtls/Btch/NbOfTxs':
        (e.batch ??= {}).nbOfTxs = value;
        return;
      case 'NtryDtls/Btch/TtlAmt':
        (e.batch ??= {}).ttlAmt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'NtryDtls/Btch/CdtDbtInd':
        (e.batch ??= {}).cdtDbt = value.trim();
        return;
      case 'NtryDtls/TxDtls':
        tx = undefined;
        return;
    }
  }

  function txField(rel: string, value: string): void {
    const t = tx as TxAcc;
    const v = value.trim();
    switch (rel) {
      case 'Refs/MsgId':
        t.refs.msgId = v;
        return;
      case 'Refs/AcctSvcrRef':
        t.refs.acctSvcrRef = v;
        return;
      case 'Refs/PmtInfId':
        t.refs.pmtInfId = v;
        return;
      case 'Refs/InstrId':
        t.refs.instrId = v;
        return;
      case 'Refs/EndToEndId':
        if (v !== 'NOTPROVIDED' && v !== '') t.refs.endToEndId = v;
        return;
      case 'Refs/UETR':
        t.refs.uetr = v.toLowerCase();
        return;
      case 'Refs/TxId':
        t.refs.txId = v;
        return;
      case 'Amt':
        t.amt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'CdtDbtInd':
        t.cdtDbt = v;
        return;
      case 'AmtDtls/TxAmt/Amt':
        t.txAmt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'AmtDtls/InstdAmt/Amt':
        t.instdAmt = { text: value, ...(ccyAttr ? { ccy: ccyAttr } : {}) };
        return;
      case 'AmtDtls/InstdAmt/CcyXchg/XchgRate':
      case 'AmtDtls/TxAmt/CcyXchg/XchgRate':
        t.rate ??= v;
        return;
      case 'RtrInf/Rsn/Cd':
      case 'RtrInf/Rsn/Prtry':
        t.returnReason = v;
        return;
      case 'RltdDts/IntrBkSttlmDt':
        t.originalSettlementDate = dateOf(v);
        return;
    }
  }

  function header(): StatementHeader {
    const opening = st.bals.find((b) => b.code === 'OPBD') ?? st.bals.find((b) => b.code === 'PRCD');
    const closing = st.bals.find((b) => b.code === 'CLBD');
    const s = st.sum;
    const dec = (key: string) => {
      const a = s[key] === undefined ? undefined : parseAmount({ text: s[key] as string }, statementCcy());
      return a?.ok ? a.minor : undefined;
    };
    const net = dec('TtlNtries/TtlNetNtry/Amt');
    const netSign = s['TtlNtries/TtlNetNtry/CdtDbtInd']?.trim() === 'DBIT' ? -1 : 1;
    const summary: StatementHeader['summary'] = {};
    const put = <K extends keyof StatementHeader['summary']>(k: K, v: StatementHeader['summary'][K] | undefined) => {
      if (v !== undefined) summary[k] = v;
    };
    put('entries', int(s['TtlNtries/NbOfNtries']));
    put('sumMinor', dec('TtlNtries/Sum'));
    put('netMinor', net === undefined ? undefined : net * netSign);
    const side = (p: string) => {
      const count = int(s[`${p}/NbOfNtries`]);
      const sumMinor = dec(`${p}/Sum`);
      return count === undefined && sumMinor === undefined
        ? undefined
        : { ...(count !== undefined ? { count } : {}), ...(sumMinor !== undefined ? { sumMinor } : {}) };
    };
    put('credits', side('TtlCdtNtries'));
    put('debits', side('TtlDbtNtries'));
    const seq = int(st.seq);
    const lglSeq = int(st.lglSeq);
    const pgNb = int(grp.pgNb);
    return {
      version,
      ...(grp.msgId !== undefined ? { messageId: grp.msgId } : {}),
      ...(grp.creDtTm !== undefined ? { messageCreatedAt: grp.creDtTm } : {}),
      ...(grp.pgNb !== undefined || grp.lastPg !== undefined
        ? {
            page: {
              ...(pgNb !== undefined ? { number: pgNb } : {}),
              ...(grp.lastPg !== undefined ? { last: grp.lastPg === 'true' || grp.lastPg === '1' } : {}),
            },
          }
        : {}),
      statementIndex: st.index,
      statementId: st.id ?? '',
      ...(seq !== undefined ? { electronicSeqNb: seq } : {}),
      ...(lglSeq !== undefined ? { legalSeqNb: lglSeq } : {}),
      ...(st.cpy !== undefined ? { copyDuplicate: st.cpy } : {}),
      ...(st.from !== undefined ? { from: st.from } : {}),
      ...(st.to !== undefined ? { to: st.to } : {}),
      businessDate: st.to ?? closing?.date ?? st.from ?? '',
      account: {
        ...(st.iban !== undefined ? { iban: st.iban } : {}),
        ...(st.other !== undefined ? { other: st.other } : {}),
        ...(statementCcy() !== undefined ? { currency: statementCcy() } : {}),
      },
      ...(opening ? { opening } : {}),
      ...(closing ? { closing } : {}),
      summary,
    };
  }

  function statementCcy(): string | undefined {
    return st.ccy ?? st.bals[0]?.currency;
  }

  function sendHeader(): StatementHeader {
    if (!st.headerSent) {
      st.headerSent = header();
      out.push({ kind: 'header', header: st.headerSent });
    }
    return st.headerSent;
  }

  function endStatement(): void {
    sendHeader();
    // Balances and the summary may come after entries in a malformed file: the final header is re-read here.
    const h = header();
    const totals = st.totals;
    totals.duplicateEndToEndIds = [];
    for (const d of st.duplicates.values()) capped(totals.duplicateEndToEndIds, d);
    out.push({ kind: 'statementEnd', header: h, totals });
  }

  function finishEntry(): void {
    const e = entry as EntryAcc;
    entry = undefined;
    tx = undefined;
    const h = st.headerSent as StatementHeader;
    const totals = st.totals;
    const entryIndex = st.entryIndex++;
    const accountId = opts.accountId ?? h.account.iban ?? h.account.other ?? '';
    const where = `entry ${entryIndex}${e.ntryRef ? ` (NtryRef ${e.ntryRef})` : ''}`;
    const refuseEntry = (reason: string) => {
      totals.refusedEntries++;
      capped(totals.refusals, {
        entryIndex,
        ...(e.ntryRef ? { ntryRef: e.ntryRef } : {}),
        reason: `${where}: ${reason}`,
      });
      out.push({
        kind: 'refused',
        entryIndex,
        ...(e.ntryRef ? { ntryRef: e.ntryRef } : {}),
        reason: `${where}: ${reason}`,
      });
    };
    const amount = parseAmount(e.amt, statementCcy());
    if (!amount.ok) return refuseEntry(amount.reason);
    if (e.cdtDbt !== 'CRDT' && e.cdtDbt !== 'DBIT') return refuseEntry('CdtDbtInd missing or not CRDT/DBIT');
    const status = (e.sts ?? '') as EntryStatus;
    if (!['BOOK', 'PDNG', 'INFO', 'FUTR'].includes(status))
      return refuseEntry(`status ${JSON.stringify(e.sts ?? '')} unknown`);
    const direction = e.cdtDbt === 'CRDT' ? 'credit' : 'debit';
    const booked = status === 'BOOK';
    const sameCcy = amount.currency === statementCcy();
    if (booked) {
      totals.bookedEntries++;
      if (!sameCcy) totals.otherCurrencyEntries++;
      else {
        const side = direction === 'credit' ? totals.credits : totals.debits;
        side.count++;
        side.sumMinor += amount.minor;
      }
    } else totals.notBookedEntries++;

    const bankTxCode = e.proprietary
      ? `Prtry:${e.proprietary}`
      : e.domain
        ? [e.domain, e.family, e.subFamily].filter(Boolean).join('-')
        : undefined;
    const known = !e.proprietary && e.domain !== undefined && KNOWN_BANK_TX_FAMILIES.has(`${e.domain}-${e.family}`);
    const batchAmt = e.batch?.ttlAmt ? parseAmount(e.batch.ttlAmt, amount.currency) : undefined;
    const nbOfTxs = int(e.batch?.nbOfTxs);
    const batch = e.batch && {
      ...(e.batch.pmtInfId !== undefined ? { pmtInfId: e.batch.pmtInfId } : {}),
      ...(e.batch.msgId !== undefined ? { msgId: e.batch.msgId } : {}),
      ...(nbOfTxs !== undefined ? { nbOfTxs } : {}),
      ...(batchAmt?.ok ? { ttlAmtMinor: batchAmt.minor } : {}),
    };

    // Σ TxDtls = Ntry/Amt, NbOfTxs = TxDtls, TtlAmt = Ntry/Amt: a disagreement is a break, never split by guesswork.
    if (booked) {
      const mismatch = (reason: string, detailsSumMinor?: number) =>
        capped(totals.detailsMismatches, {
          entryIndex,
          ...(e.ntryRef ? { ntryRef: e.ntryRef } : {}),
          entryAmountMinor: amount.minor,
          ...(detailsSumMinor !== undefined ? { detailsSumMinor } : {}),
          reason: `${where}: ${reason}`,
        });
      if (e.txs.length > 0) {
        let sum = 0;
        let complete = true;
        for (const t of e.txs) {
          const a = parseAmount(t.amt ?? t.txAmt, amount.currency);
          if (!a.ok || a.currency !== amount.currency) {
            complete = false;
            break;
          }
          sum += (t.cdtDbt ?? e.cdtDbt) === e.cdtDbt ? a.minor : -a.minor;
        }
        if (complete && sum !== amount.minor) mismatch(`Σ TxDtls ${sum} ≠ Ntry/Amt ${amount.minor} (minor units)`, sum);
        if (nbOfTxs !== undefined && nbOfTxs !== e.txs.length)
          mismatch(`Btch/NbOfTxs ${nbOfTxs} ≠ ${e.txs.length} TxDtls`);
      }
      if (batchAmt?.ok && batchAmt.minor !== amount.minor)
        mismatch(`Btch/TtlAmt ${batchAmt.minor} ≠ Ntry/Amt ${amount.minor} (minor units)`, batchAmt.minor);
    }

    const txs: TxAcc[] = e.txs.length > 0 ? e.txs : [{ refs: {} }];
    const txCount = e.txs.length > 0 ? e.txs.length : (nbOfTxs ?? 1);
    txs.forEach((t, txIndex) => {
      const lineId = lineIdOf(accountId, h, entryIndex, txIndex);
      const lineAmt =
        t.amt || t.txAmt
          ? parseAmount(t.amt ?? t.txAmt, amount.currency)
          : txs.length === 1
            ? amount
            : ({ ok: false, reason: 'TxDtls without Amt in an entry of several transactions' } as const);
      if (!lineAmt.ok) {
        totals.refusedLines++;
        const reason = `${where}, TxDtls ${txIndex}: ${lineAmt.reason}`;
        capped(totals.refusals, { entryIndex, txIndex, ...(e.ntryRef ? { ntryRef: e.ntryRef } : {}), reason });
        out.push({ kind: 'refused', entryIndex, txIndex, ...(e.ntryRef ? { ntryRef: e.ntryRef } : {}), reason });
        return;
      }
      const instd = t.instdAmt ? parseAmount(t.instdAmt) : undefined;
      const pmtInfId = t.refs.pmtInfId ?? e.batch?.pmtInfId;
      const msgId = t.refs.msgId ?? e.batch?.msgId;
      const line: StatementLine = {
        lineId,
        source: 'camt053',
        accountId,
        businessDate: h.businessDate,
        direction: t.cdtDbt === 'CRDT' ? 'credit' : t.cdtDbt === 'DBIT' ? 'debit' : direction,
        amount: { amountMinor: lineAmt.minor, currency: intern(lineAmt.currency) },
        entry: {
          index: entryIndex,
          ...(e.ntryRef !== undefined ? { ntryRef: e.ntryRef } : {}),
          ...(e.acctSvcrRef !== undefined ? { acctSvcrRef: e.acctSvcrRef } : {}),
          ...(e.bookingDate !== undefined ? { bookingDate: intern(e.bookingDate) } : {}),
          ...(e.valueDate !== undefined ? { valueDate: intern(e.valueDate) } : {}),
          status: intern(status),
          reversal: e.reversal,
          ...(bankTxCode !== undefined ? { bankTxCode: intern(bankTxCode) } : {}),
          entryAmountMinor: amount.minor,
          txCount,
          ...(batch ? { batch } : {}),
        },
        txIndex,
        refs: {
          ...t.refs,
          ...(pmtInfId !== undefined ? { pmtInfId: intern(pmtInfId) } : {}),
          ...(msgId !== undefined ? { msgId: intern(msgId) } : {}),
        },
        ...(instd?.ok
          ? { instructed: { amountMinor: instd.minor, currency: instd.currency, ...(t.rate ? { rate: t.rate } : {}) } }
          : {}),
        ...(t.returnReason !== undefined ? { returnReason: t.returnReason } : {}),
        ...(t.originalSettlementDate !== undefined ? { originalSettlementDate: t.originalSettlementDate } : {}),
        // An unknown code is the matcher's to classify (break `unclassified` when no reference explains the line).
        ...(!known ? { flags: ['unclassified' as const] } : {}),
      };
      if (!booked) {
        out.push({ kind: 'notBooked', line });
        return;
      }
      totals.lines++;
      if (!known) {
        totals.unknownCodeLines++;
        capped(totals.unknownCodes, { lineId, bankTxCode: bankTxCode ?? '(none)' });
      }
      if (line.refs.endToEndId !== undefined) {
        // The same EndToEndId booked twice in the same direction (a return or a reversal goes the other way).
        const key = createHash('sha256')
          .update(`${line.direction}|${e.reversal}|${line.refs.endToEndId}`)
          .digest()
          .toString('base64', 0, 12);
        const first = st.seenE2e.get(key);
        if (first === undefined) st.seenE2e.set(key, entryIndex * 2 ** 20 + txIndex);
        else {
          const dup = st.duplicates.get(key);
          if (dup) dup.lineIds.push(lineId);
          else
            st.duplicates.set(key, {
              endToEndId: line.refs.endToEndId,
              lineIds: [lineIdOf(accountId, h, Math.floor(first / 2 ** 20), first % 2 ** 20), lineId],
            });
        }
      }
      out.push({ kind: 'line', line });
    });
  }

  // The XML declaration (ASCII, at most a few hundred bytes) names the encoding: held back until it is complete.
  let head: Buffer | undefined = Buffer.alloc(0);
  const feed = (chunk: Buffer) => {
    let str: string;
    try {
      str = (decoder as TextDecoder).decode(chunk, { stream: true });
    } catch {
      return refuse('encoding', 'bytes that are not valid UTF-8');
    }
    parser.write(str);
  };
  for await (const raw of source) {
    const chunk =
      typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    bytes += chunk.length;
    if (bytes > maxBytes) refuse('too_large', `file larger than ${maxBytes} bytes`);
    hash.update(chunk);
    if (head) {
      head = Buffer.concat([head, chunk]);
      // The first '>' ends the declaration when there is one (it cannot hold a '>'), else the first tag.
      if (head.length < 512 && !head.includes(0x3e)) continue;
      decoder = decoderFor(head);
      const all = head;
      head = undefined;
      feed(all);
    } else feed(chunk);
    if (out.length) yield* out.splice(0);
  }
  if (head) {
    decoder = decoderFor(head);
    feed(head);
  }
  if (decoder) {
    let rest = '';
    try {
      rest = decoder.decode();
    } catch {
      refuse('encoding', 'the file ends inside a UTF-8 character');
    }
    parser.write(rest);
  }
  parser.close();
  if (stack.length === 0 && !version) refuse('malformed', 'empty file');
  if (out.length) yield* out.splice(0);
  yield { kind: 'end', sha256: hash.digest('hex'), bytes, statements };
}
