import { CURRENCY_EXPONENT, type Currency } from '../../../workflows/shared/money';
import { attr, blocks, document, el, hasRoot, node, text } from './xml';

/**
 * The ISO 20022 messages the bank adapter sends and reads (pain.001 out; pain.002 and camt.054 back), on the
 * dependency-free XML helpers in `xml.ts`. Only the elements the product uses are modelled; this is not a schema
 * validator. The bank sandbox builds the bank's side of them (`sandboxes/bank/iso20022.ts`).
 */

export const NS = {
  pain001: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
  pain002: 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10',
  camt054: 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08',
} as const;

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
