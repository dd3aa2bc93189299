import type { Currency } from '../../../workflows/shared/money';
import { isCurrency, parseDecimal } from './amounts';
import { all, first, readIsoDocument, textAt, type XmlElement } from './xml-read';

/** One transaction of a booked camt.054 entry: a settlement of our transfer, or its return. */
export interface Camt054Entry {
  endToEndId: string;
  status: 'booked' | 'returned';
  returnCode?: string;
  /**
   * What the bank booked for THIS transaction: for a return, the amount that came back, which may be less than the
   * transfer (a partial return; compare it with the payout's amount before reversing in full).
   */
  amount: { amountMinor: number; currency: Currency };
  /** The original transfer's amount when the bank states it (`AmtDtls/InstdAmt`), e.g. on a partial return. */
  originalAmount?: { amountMinor: number; currency: Currency };
  /** The entry's reference (`NtryRef`, else `AcctSvcrRef`): unique per booking, unlike the EndToEndId. */
  entryRef?: string;
  /** `Ntfctn/Id` of the notification the entry came in (a file may carry several). */
  notificationId?: string;
}

/** An amount element (`<Amt Ccy="EUR">12.50</Amt>`) in minor units, or undefined when unreadable. */
function amountOf(el: XmlElement | undefined): Camt054Entry['amount'] | undefined {
  const currency = el?.attrs['Ccy'];
  if (!el || !isCurrency(currency)) return undefined;
  const amountMinor = parseDecimal(el.text, currency);
  return amountMinor === undefined ? undefined : { amountMinor, currency };
}

function entriesOf(ntry: XmlElement, notificationId: string | undefined): Camt054Entry[] {
  const booked = (textAt(ntry, 'Sts/Cd') ?? textAt(ntry, 'Sts')) === 'BOOK';
  if (!booked) return [];
  const reversal = textAt(ntry, 'RvslInd') === 'true';
  const txs = all(ntry, 'NtryDtls/TxDtls');
  const entryRef = textAt(ntry, 'NtryRef') ?? textAt(ntry, 'AcctSvcrRef');
  return txs.flatMap((tx): Camt054Entry[] => {
    const endToEndId = textAt(tx, 'Refs/EndToEndId');
    // The transaction's own amount; the entry's total stands for it only when the entry holds nothing else.
    const amount =
      amountOf(first(tx, 'Amt')) ??
      amountOf(first(tx, 'AmtDtls/TxAmt/Amt')) ??
      (txs.length === 1 ? amountOf(first(ntry, 'Amt')) : undefined);
    if (!endToEndId || !amount) return [];
    const originalAmount = amountOf(first(tx, 'AmtDtls/InstdAmt/Amt'));
    const returnCode = textAt(tx, 'RtrInf/Rsn/Cd') ?? textAt(tx, 'RtrInf/Rsn/Prtry');
    const returned = reversal || returnCode !== undefined || first(tx, 'RtrInf') !== undefined;
    return [
      {
        endToEndId,
        status: returned ? 'returned' : 'booked',
        ...(returnCode !== undefined ? { returnCode } : {}),
        amount,
        ...(originalAmount ? { originalAmount } : {}),
        ...(entryRef !== undefined ? { entryRef } : {}),
        ...(notificationId !== undefined ? { notificationId } : {}),
      },
    ];
  });
}

/** A camt.054's transactions, as `parseCamt054` reads them. */
export interface Camt054Notification {
  notificationId?: string;
  entries: Camt054Entry[];
}

/**
 * The transactions of a camt.054 BkToCstmrDbtCdtNtfctn (any camt.054.001 version): every notification, every booked
 * entry, every transaction in it; transactions that cannot be read (no EndToEndId, no readable amount) are left out,
 * never guessed. Throws when the document is not a camt.054 notification at all.
 */
export function parseCamt054(xml: string): Camt054Notification {
  return readCamt054(xml).notification;
}

/**
 * `parseCamt054` plus the message's event ID, from the signed body itself: the notification's `Ntfctn/Id` when the
 * message holds exactly one, else the message's `GrpHdr/MsgId` (unique per message); undefined when it has neither.
 */
export function readCamt054(xml: string): { eventId: string | undefined; notification: Camt054Notification } {
  const doc = readIsoDocument(xml, 'camt.054.001.')?.message;
  if (doc?.name !== 'BkToCstmrDbtCdtNtfctn') throw new Error('not a camt.054 BkToCstmrDbtCdtNtfctn document');
  const notifications = all(doc, 'Ntfctn');
  const entries = notifications.flatMap((n) => all(n, 'Ntry').flatMap((e) => entriesOf(e, textAt(n, 'Id'))));
  const notificationId = textAt(notifications[0], 'Id');
  const single = notifications.length === 1 ? notificationId : undefined;
  return {
    eventId: single ?? textAt(doc, 'GrpHdr/MsgId'),
    notification: { ...(notificationId !== undefined ? { notificationId } : {}), entries },
  };
}
