import {
  formatDecimal,
  isCurrency,
  NS,
  parseDecimal,
  type Camt054Entry,
  type CreditTransferTx,
  type Pain001,
  type Pain002Tx,
} from '../../activities/adapters/bank/iso20022';
import { document, el, node } from '../../activities/adapters/bank/xml';
import { all, attrAt, readIsoDocument, textAt } from '../../activities/adapters/bank/xml-read';

export * from '../../activities/adapters/bank/iso20022';

/** The bank side of ISO 20022: read pain.001, write pain.002 and camt.054 (the adapter's messages reversed). */

/** Where a transaction sits in its file: the debited account and its `PmtInf` (above one transaction: a batch). */
export interface Placement {
  accountIban: string;
  pmtInfId: string;
  batchSize: number;
}

export type ParsedPain001 =
  | { ok: true; message: Pain001; placements: Placement[] }
  | { ok: false; messageId?: string; reason: string; code: 'FF01' | 'AM12' | 'AC01' | 'RC01' };

/**
 * Reads a pain.001.001.09 the schema already accepted (`schema.ts`); what it still cannot use is reported (FF01
 * invalid file format, AM12 amount, AC01 account), never guessed.
 */
export function parsePain001(xml: string): ParsedPain001 {
  const doc = readIsoDocument(xml, 'pain.001.001.')?.message;
  if (doc?.name !== 'CstmrCdtTrfInitn')
    return { ok: false, reason: 'not a pain.001 CstmrCdtTrfInitn document', code: 'FF01' };
  const messageId = textAt(doc, 'GrpHdr/MsgId');
  if (!messageId) return { ok: false, reason: 'GrpHdr/MsgId missing', code: 'FF01' };
  const transactions: CreditTransferTx[] = [];
  const placements: Placement[] = [];
  for (const pmtInf of all(doc, 'PmtInf')) {
    const txs = all(pmtInf, 'CdtTrfTxInf');
    // PmtInf/BtchBookg false asks for one booking per transaction; otherwise a multi-transaction PmtInf is one batch.
    const batchSize = textAt(pmtInf, 'BtchBookg') === 'false' ? 1 : txs.length;
    const placement = {
      accountIban: (textAt(pmtInf, 'DbtrAcct/Id/IBAN') ?? '').replace(/\s+/g, '').toUpperCase(),
      pmtInfId: textAt(pmtInf, 'PmtInfId') ?? messageId,
      batchSize,
    };
    for (const tx of txs) {
      const endToEndId = textAt(tx, 'PmtId/EndToEndId');
      const ccy = attrAt(tx, 'Amt/InstdAmt', 'Ccy');
      const amt = textAt(tx, 'Amt/InstdAmt');
      if (!endToEndId) return { ok: false, messageId, reason: 'PmtId/EndToEndId missing', code: 'FF01' };
      if (!isCurrency(ccy) || amt === undefined)
        return { ok: false, messageId, reason: 'Amt/InstdAmt or its Ccy missing or unknown', code: 'AM12' };
      const amountMinor = parseDecimal(amt, ccy);
      if (amountMinor === undefined || amountMinor <= 0)
        return { ok: false, messageId, reason: 'invalid amount', code: 'AM12' };
      const accountRef = textAt(tx, 'CdtrAcct/Id/IBAN') ?? textAt(tx, 'CdtrAcct/Id/Othr/Id');
      if (!accountRef) return { ok: false, messageId, reason: 'CdtrAcct/Id missing', code: 'AC01' };
      transactions.push({
        endToEndId,
        amountMinor,
        currency: ccy,
        creditorName: textAt(tx, 'Cdtr/Nm') ?? '',
        accountRef,
        remittance: textAt(tx, 'RmtInf/Ustrd'),
      });
      placements.push(placement);
    }
  }
  if (!transactions.length) return { ok: false, messageId, reason: 'no CdtTrfTxInf', code: 'FF01' };
  return {
    ok: true,
    message: {
      messageId,
      createdAt: textAt(doc, 'GrpHdr/CreDtTm') ?? '',
      debtor: {
        name: textAt(doc, 'PmtInf/Dbtr/Nm') ?? textAt(doc, 'GrpHdr/InitgPty/Nm') ?? '',
        iban: textAt(doc, 'PmtInf/DbtrAcct/Id/IBAN') ?? '',
        bic: textAt(doc, 'PmtInf/DbtrAgt/FinInstnId/BICFI') ?? '',
      },
      transactions,
    },
    placements,
  };
}

/** Group status from the transactions: all accepted → ACCP, all rejected → RJCT, a mix → PART. */
export function groupStatus(txs: Pain002Tx[]): string {
  if (txs.every((t) => t.status === 'RJCT')) return 'RJCT';
  if (txs.some((t) => t.status === 'RJCT')) return 'PART';
  return txs.every((t) => t.status === txs[0]?.status) ? (txs[0]?.status ?? 'ACCP') : 'ACCP';
}

export function buildPain002(p: {
  messageId: string;
  originalMessageId: string;
  groupStatus?: string;
  groupReason?: string;
  /** Why the whole file was refused (e.g. the schema's messages), one `AddtlInf` (max 105 characters) each. */
  groupInfo?: string[];
  transactions: Pain002Tx[];
}): string {
  const grpSts = p.groupStatus ?? groupStatus(p.transactions);
  const reason = (code: string | undefined, info: Array<string | undefined>) => {
    const lines = info.filter((i): i is string => i !== undefined).map((i) => [...i].slice(0, 105).join(''));
    return (
      (code !== undefined || lines.length > 0) &&
      node('StsRsnInf', code !== undefined && node('Rsn', el('Cd', code)), ...lines.map((l) => el('AddtlInf', l)))
    );
  };
  return document(
    NS.pain002,
    node(
      'CstmrPmtStsRpt',
      node('GrpHdr', el('MsgId', p.messageId), el('CreDtTm', isoNow())),
      node(
        'OrgnlGrpInfAndSts',
        el('OrgnlMsgId', p.originalMessageId),
        el('OrgnlMsgNmId', 'pain.001.001.09'),
        el('GrpSts', grpSts),
        reason(p.groupReason, p.groupInfo ?? []),
      ),
      p.transactions.length > 0 &&
        node(
          'OrgnlPmtInfAndSts',
          el('OrgnlPmtInfId', p.originalMessageId),
          ...p.transactions.map((t) =>
            node(
              'TxInfAndSts',
              el('OrgnlEndToEndId', t.endToEndId),
              el('TxSts', t.status),
              reason(t.reasonCode, [t.additionalInfo]),
            ),
          ),
        ),
    ),
  );
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One booked transaction to announce; `originalAmount` (the transfer's) when a return brings back less. */
export type CamtEntryInput = Omit<Camt054Entry, 'entryRef' | 'notificationId'> & {
  /** The booking's own reference (`NtryRef`); default `<messageId>-<n>`. */
  entryRef?: string;
  originalMessageId?: string;
  originalAmount?: Camt054Entry['amount'];
};

/**
 * A camt.054 BkToCstmrDbtCdtNtfctn with one booked entry per item: a settlement debits our account; a return credits
 * it back as a reversal (`RvslInd`) with `RtrInf/Rsn/Cd`. The inverse of the adapter's `parseCamt054` (the sandbox and
 * tests build notifications with it).
 */
export function buildCamt054(n: { messageId: string; entries: CamtEntryInput[] }): string {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const today = now.slice(0, 10);
  const entry = (e: CamtEntryInput, i: number) => {
    const amount = formatDecimal(e.amount.amountMinor, e.amount.currency);
    const isReturn = e.status === 'returned';
    const cdtDbt = isReturn ? 'CRDT' : 'DBIT';
    return node(
      'Ntry',
      el('NtryRef', e.entryRef ?? `${n.messageId}-${i + 1}`),
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
          el('Amt', { Ccy: e.amount.currency }, amount),
          el('CdtDbtInd', cdtDbt),
          node(
            'AmtDtls',
            e.originalAmount &&
              node(
                'InstdAmt',
                el(
                  'Amt',
                  { Ccy: e.originalAmount.currency },
                  formatDecimal(e.originalAmount.amountMinor, e.originalAmount.currency),
                ),
              ),
            node('TxAmt', el('Amt', { Ccy: e.amount.currency }, amount)),
          ),
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
