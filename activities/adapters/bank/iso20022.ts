import type { Currency } from '../../../workflows/shared/money';
import { formatDecimal } from './amounts';
import { looksLikeIban } from './identifiers';
import { document, el, node } from './xml';
import { all, readIsoDocument, textAt } from './xml-read';

export { formatDecimal, isCurrency, parseDecimal } from './amounts';
export { isBic, isValidIban, looksLikeIban } from './identifiers';
export { parseCamt054, type Camt054Entry } from './camt054';

/**
 * The ISO 20022 messages the bank adapter sends and reads: pain.001.001.09 out (valid against the published XSD,
 * checked in the tests), pain.002 back (read with a real XML parser, `xml-read.ts`); camt.054 is `camt054.ts`. Only
 * the elements the product uses are modelled. The bank sandbox builds the bank's side (`sandboxes/bank/iso20022.ts`).
 */

export const NS = {
  pain001: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
  pain002: 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10',
  camt054: 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08',
} as const;

// ---------- pain.001 (out) ----------

export interface CreditTransferTx {
  endToEndId: string;
  amountMinor: number;
  currency: Currency;
  creditorName: string;
  accountRef: string;
  remittance?: string;
}

/** Our own account: the payer of every credit transfer. The IBAN is account data: never logged. */
export interface Debtor {
  name: string;
  iban: string;
  /** BIC of the debtor's bank (the debtor agent). */
  bic: string;
}

export interface Pain001 {
  messageId: string;
  createdAt: string;
  debtor: Debtor;
  transactions: CreditTransferTx[];
}

/** Max140Text (names, unstructured remittance): longer values are cut, never refused. */
const max140 = (s: string) => [...s].slice(0, 140).join('');

/** pain.001.001.09, elements in schema order: PmtInf needs Dbtr, DbtrAcct and DbtrAgt before the transactions. */
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
        node('InitgPty', el('Nm', max140(msg.debtor.name))),
      ),
      node(
        'PmtInf',
        el('PmtInfId', msg.messageId),
        el('PmtMtd', 'TRF'),
        el('NbOfTxs', txs.length),
        node('ReqdExctnDt', el('Dt', msg.createdAt.slice(0, 10))),
        node('Dbtr', el('Nm', max140(msg.debtor.name))),
        node('DbtrAcct', node('Id', el('IBAN', msg.debtor.iban.replace(/\s+/g, '')))),
        node('DbtrAgt', node('FinInstnId', el('BICFI', msg.debtor.bic))),
        ...txs.map((tx) =>
          node(
            'CdtTrfTxInf',
            node('PmtId', el('EndToEndId', tx.endToEndId)),
            node('Amt', el('InstdAmt', { Ccy: tx.currency }, ctrlSum(tx))),
            node('Cdtr', tx.creditorName !== '' && el('Nm', max140(tx.creditorName))),
            node('CdtrAcct', account(tx.accountRef)),
            tx.remittance && node('RmtInf', el('Ustrd', max140(tx.remittance))),
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
  /** The bank's words on a refused file (`AddtlInf`), e.g. schema messages: for ops, never for payees. */
  groupAdditionalInfo: string[];
  transactions: Pain002Tx[];
}

/** A pain.002 CstmrPmtStsRpt (any pain.002.001 version), or undefined when the text is not one. */
export function parsePain002(xml: string): Pain002 | undefined {
  const report = readIsoDocument(xml, 'pain.002.001.')?.message;
  if (report?.name !== 'CstmrPmtStsRpt') return undefined;
  return {
    messageId: textAt(report, 'GrpHdr/MsgId') ?? '',
    originalMessageId: textAt(report, 'OrgnlGrpInfAndSts/OrgnlMsgId') ?? '',
    groupStatus: textAt(report, 'OrgnlGrpInfAndSts/GrpSts'),
    groupReasonCode: textAt(report, 'OrgnlGrpInfAndSts/StsRsnInf/Rsn/Cd'),
    groupAdditionalInfo: all(report, 'OrgnlGrpInfAndSts/StsRsnInf/AddtlInf').map((e) => e.text),
    transactions: all(report, 'OrgnlPmtInfAndSts/TxInfAndSts').map((tx) => ({
      endToEndId: textAt(tx, 'OrgnlEndToEndId') ?? '',
      status: textAt(tx, 'TxSts') ?? '',
      reasonCode: textAt(tx, 'StsRsnInf/Rsn/Cd') ?? textAt(tx, 'StsRsnInf/Rsn/Prtry'),
      additionalInfo: textAt(tx, 'StsRsnInf/AddtlInf'),
    })),
  };
}
