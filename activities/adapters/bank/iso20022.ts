import { CURRENCY_EXPONENT, type Currency } from '../../../workflows/shared/money';

/**
 * Dependency-free ISO 20022 helpers shared by the bank adapter and the bank sandbox: a tiny XML builder that
 * escapes everything, and a tolerant tag-extraction parser (namespace prefixes ignored, first match wins).
 * Only the elements the product uses are modelled; this is not a schema validator.
 */

export const NS = {
  pain001: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
  pain002: 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10',
  camt054: 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08',
} as const;

// ---------- building ----------

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function unescapeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (m, e: string) => {
      if (e === 'lt') return '<';
      if (e === 'gt') return '>';
      if (e === 'amp') return '&';
      if (e === 'apos') return "'";
      if (e === 'quot') return '"';
      const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    });
}

/** A child is a nested element string (already built) or omitted (`undefined`/`false`). */
type Child = string | undefined | false;

/** `el('Amt', { Ccy: 'EUR' }, '12.50')` → `<Amt Ccy="EUR">12.50</Amt>`. Text content is escaped; use `raw` for children. */
export function el(
  name: string,
  attrsOrText?: Record<string, string> | string | number,
  text?: string | number,
): string {
  const attrs = typeof attrsOrText === 'object' ? attrsOrText : {};
  const content = typeof attrsOrText === 'object' ? text : attrsOrText;
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  return `<${name}${a}>${content === undefined ? '' : escapeXml(String(content))}</${name}>`;
}

/** An element whose children are already-built XML strings. */
export function node(name: string, ...children: Child[]): string {
  return `<${name}>${children.filter((c): c is string => typeof c === 'string').join('')}</${name}>`;
}

export function document(ns: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="${ns}">${body}</Document>`;
}

// ---------- parsing ----------

const NAME = (tag: string) => `(?:[A-Za-z_][\\w.-]*:)?${tag}`;

/**
 * Inner XML of every outermost `<Tag>` element (any namespace prefix), in document order. Same-name nesting
 * (`<Id><Othr><Id>…</Id></Othr></Id>`) is matched by depth, so the outer element gets its whole content.
 */
export function blocks(xml: string, tag: string): string[] {
  const re = new RegExp(`<(/?)${NAME(tag)}(?=[\\s/>])([^>]*)>`, 'g');
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (const m of xml.matchAll(re)) {
    const closing = m[1] === '/';
    if (!closing && (m[2] ?? '').trimEnd().endsWith('/')) {
      if (depth === 0) out.push('');
    } else if (!closing) {
      if (depth === 0) start = m.index + m[0].length;
      depth++;
    } else if (depth > 0) {
      depth--;
      if (depth === 0) out.push(xml.slice(start, m.index));
    }
  }
  return out;
}

/** Text of the element reached by a path like `GrpHdr/MsgId`, or undefined. */
export function text(xml: string, path: string): string | undefined {
  const parts = path.split('/');
  let scope: string | undefined = xml;
  for (const part of parts) {
    if (scope === undefined) return undefined;
    scope = blocks(scope, part)[0];
  }
  return scope === undefined ? undefined : unescapeXml(scope.trim());
}

/** Value of `attrName` on the first element reached by `path` (e.g. `Amt/InstdAmt`, `Ccy`). */
export function attr(xml: string, path: string, attrName: string): string | undefined {
  const parts = path.split('/');
  const last = parts.pop();
  if (!last) return undefined;
  let scope: string | undefined = xml;
  for (const part of parts) {
    if (scope === undefined) return undefined;
    scope = blocks(scope, part)[0];
  }
  if (scope === undefined) return undefined;
  const m = new RegExp(`<${NAME(last)}\\s[^>]*?\\b${attrName}\\s*=\\s*["']([^"']*)["']`).exec(scope);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** True when the text looks like a well-formed-enough XML document with the given root child. */
export function hasRoot(xml: string, rootChild: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[\w.-]+:)?Document[\s>]/.test(xml) && blocks(xml, rootChild).length === 1;
}

// ---------- amounts ----------

/** Minor units → ISO 20022 decimal text (`1250`, EUR → `12.50`). */
export function formatDecimal(amountMinor: number, currency: Currency): string {
  const exp = CURRENCY_EXPONENT[currency];
  if (exp === 0) return String(amountMinor);
  const s = String(Math.abs(amountMinor)).padStart(exp + 1, '0');
  return `${amountMinor < 0 ? '-' : ''}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** ISO 20022 decimal text → minor units, without floating point; undefined when malformed or too precise. */
export function parseDecimal(value: string, currency: Currency): number | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return undefined;
  const exp = CURRENCY_EXPONENT[currency];
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > exp) return undefined;
  const n = Number(`${m[1]}${frac.padEnd(exp, '0')}`);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isCurrency(s: string | undefined): s is Currency {
  return s !== undefined && Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENT, s);
}

/** IBAN shape + mod-97 check; anything not shaped like an IBAN is treated as a local account number. */
export function looksLikeIban(ref: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(ref.replace(/\s+/g, ''));
}

export function isValidIban(ref: string): boolean {
  const iban = ref.replace(/\s+/g, '').toUpperCase();
  if (!looksLikeIban(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

// ---------- pain.001 (out) ----------

export interface CreditTransferTx {
  endToEndId: string;
  amountMinor: number;
  currency: Currency;
  creditorName: string;
  accountRef: string;
  remittance?: string;
}

export interface Pain001 {
  messageId: string;
  createdAt: string;
  debtorName: string;
  transactions: CreditTransferTx[];
}

export function buildPain001(msg: Pain001): string {
  const txs = msg.transactions;
  const ctrlSum = (tx: CreditTransferTx) => formatDecimal(tx.amountMinor, tx.currency);
  const account = (ref: string) =>
    looksLikeIban(ref) ? node('Id', el('IBAN', ref.replace(/\s+/g, ''))) : node('Id', node('Othr', el('Id', ref)));
  return document(
    NS.pain001,
    node(
      'CstmrCdtTrfInitn',
      node(
        'GrpHdr',
        el('MsgId', msg.messageId),
        el('CreDtTm', msg.createdAt),
        el('NbOfTxs', txs.length),
        node('InitgPty', el('Nm', msg.debtorName)),
      ),
      node(
        'PmtInf',
        el('PmtInfId', msg.messageId),
        el('PmtMtd', 'TRF'),
        el('NbOfTxs', txs.length),
        node('ReqdExctnDt', el('Dt', msg.createdAt.slice(0, 10))),
        node('Dbtr', el('Nm', msg.debtorName)),
        ...txs.map((tx) =>
          node(
            'CdtTrfTxInf',
            node('PmtId', el('EndToEndId', tx.endToEndId)),
            node('Amt', el('InstdAmt', { Ccy: tx.currency }, ctrlSum(tx))),
            node('Cdtr', el('Nm', tx.creditorName)),
            node('CdtrAcct', account(tx.accountRef)),
            tx.remittance !== undefined && node('RmtInf', el('Ustrd', tx.remittance)),
          ),
        ),
      ),
    ),
  );
}

// ---------- pain.002 (back) ----------

/** ISO transaction status codes the product understands. */
export type IsoTxStatus = 'RCVD' | 'ACTC' | 'ACCP' | 'ACSP' | 'ACSC' | 'ACCC' | 'PDNG' | 'RJCT';

export interface Pain002Tx {
  endToEndId: string;
  status: string;
  reasonCode?: string;
  additionalInfo?: string;
}

export interface Pain002 {
  messageId: string;
  originalMessageId: string;
  groupStatus?: string;
  groupReasonCode?: string;
  transactions: Pain002Tx[];
}

export function parsePain002(xml: string): Pain002 | undefined {
  if (!hasRoot(xml, 'CstmrPmtStsRpt')) return undefined;
  const report = blocks(xml, 'CstmrPmtStsRpt')[0] ?? '';
  return {
    messageId: text(report, 'GrpHdr/MsgId') ?? '',
    originalMessageId: text(report, 'OrgnlGrpInfAndSts/OrgnlMsgId') ?? '',
    groupStatus: text(report, 'OrgnlGrpInfAndSts/GrpSts'),
    groupReasonCode: text(report, 'OrgnlGrpInfAndSts/StsRsnInf/Rsn/Cd'),
    transactions: blocks(report, 'TxInfAndSts').map((tx) => ({
      endToEndId: text(tx, 'OrgnlEndToEndId') ?? '',
      status: text(tx, 'TxSts') ?? '',
      reasonCode: text(tx, 'StsRsnInf/Rsn/Cd') ?? text(tx, 'StsRsnInf/Rsn/Prtry'),
      additionalInfo: text(tx, 'StsRsnInf/AddtlInf'),
    })),
  };
}

// ---------- camt.054 (notifications) ----------

export interface Camt054Entry {
  endToEndId: string;
  status: 'booked' | 'returned';
  returnCode?: string;
  amount: { amountMinor: number; currency: Currency };
}

/**
 * Entries of a camt.054 BkToCstmrDbtCdtNtfctn; booked entries only, and entries that cannot be read are left out,
 * never guessed. Throws when the document is not a camt.054 notification at all.
 */
export function parseCamt054(xml: string): { notificationId?: string; entries: Camt054Entry[] } {
  if (!hasRoot(xml, 'BkToCstmrDbtCdtNtfctn')) throw new Error('not a camt.054 BkToCstmrDbtCdtNtfctn document');
  const entries: Camt054Entry[] = [];
  for (const ntry of blocks(xml, 'Ntry')) {
    const ccy = attr(ntry, 'Amt', 'Ccy');
    const amtText = text(ntry, 'Amt');
    if (!isCurrency(ccy) || amtText === undefined) continue;
    const amountMinor = parseDecimal(amtText, ccy);
    if (amountMinor === undefined) continue;
    const booked = (text(ntry, 'Sts/Cd') ?? text(ntry, 'Sts')) === 'BOOK';
    if (!booked) continue;
    const reversal = text(ntry, 'RvslInd') === 'true';
    for (const tx of blocks(ntry, 'TxDtls')) {
      const endToEndId = text(tx, 'Refs/EndToEndId');
      if (!endToEndId) continue;
      const returnCode = text(tx, 'RtrInf/Rsn/Cd') ?? text(tx, 'RtrInf/Rsn/Prtry');
      const returned = reversal || returnCode !== undefined;
      entries.push({
        endToEndId,
        status: returned ? 'returned' : 'booked',
        ...(returnCode !== undefined ? { returnCode } : {}),
        amount: { amountMinor, currency: ccy },
      });
    }
  }
  return { notificationId: text(xml, 'Ntfctn/Id'), entries };
}

/**
 * A camt.054 BkToCstmrDbtCdtNtfctn with one booked entry per item: a settlement debits our account; a return credits
 * it back as a reversal (`RvslInd`) with `RtrInf/Rsn/Cd`. The inverse of `parseCamt054` (the bank sandbox and tests
 * build notifications with it).
 */
export function buildCamt054(n: {
  messageId: string;
  entries: Array<Camt054Entry & { originalMessageId?: string }>;
}): string {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const today = now.slice(0, 10);
  const entry = (e: Camt054Entry & { originalMessageId?: string }, i: number) => {
    const amount = formatDecimal(e.amount.amountMinor, e.amount.currency);
    const isReturn = e.status === 'returned';
    const cdtDbt = isReturn ? 'CRDT' : 'DBIT';
    return node(
      'Ntry',
      el('NtryRef', `${n.messageId}-${i + 1}`),
      el('Amt', { Ccy: e.amount.currency }, amount),
      el('CdtDbtInd', cdtDbt),
      isReturn && el('RvslInd', 'true'),
      node('Sts', el('Cd', 'BOOK')),
      node('BookgDt', el('Dt', today)),
      node('ValDt', el('Dt', today)),
      node(
        'BkTxCd',
        node(
          'Domn',
          el('Cd', 'PMNT'),
          node('Fmly', el('Cd', isReturn ? 'RCDT' : 'ICDT'), el('SubFmlyCd', isReturn ? 'RRTN' : 'ESCT')),
        ),
      ),
      node(
        'NtryDtls',
        node(
          'TxDtls',
          node(
            'Refs',
            e.originalMessageId !== undefined && el('MsgId', e.originalMessageId),
            el('EndToEndId', e.endToEndId),
          ),
          node('AmtDtls', node('TxAmt', el('Amt', { Ccy: e.amount.currency }, amount))),
          el('CdtDbtInd', cdtDbt),
          isReturn && node('RtrInf', node('Rsn', el('Cd', e.returnCode ?? 'NARR'))),
        ),
      ),
    );
  };
  return document(
    NS.camt054,
    node(
      'BkToCstmrDbtCdtNtfctn',
      node('GrpHdr', el('MsgId', n.messageId), el('CreDtTm', now)),
      node(
        'Ntfctn',
        el('Id', n.messageId),
        el('CreDtTm', now),
        node('Acct', node('Id', node('Othr', el('Id', 'PAYOPS-OPERATING')))),
        ...n.entries.map(entry),
      ),
    ),
  );
}
