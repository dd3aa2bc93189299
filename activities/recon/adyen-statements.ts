import { createHash } from 'node:crypto';
import { z } from 'zod';
import { adyenClient, type AdyenConnection } from '../adapters/adyen/http-client';
import { adyenLibrary, type Adyen } from '../adapters/adyen/library';
import { currencySchema } from '../../workflows/shared/money';
import { failure, FailureType } from '../../workflows/shared/failures';
import { payoutOfReference } from '../../workflows/shared/payout-reference';
import type { StatementLine } from './statement-line';
import { zonedDate, zonedDayWindow } from './business-day';

/**
 * Adyen's side of daily reconciliation: the platform balance account's transactions (Transactions API,
 * `GET /btl/v4/transactions`, through the official library's `TransactionsApi.getAllTransactions`) read as statement
 * lines, one page per call. A booked outgoing transfer is a `debit` line carrying the transfer ID (matched to the
 * ledger's `railRef`) and the transfer's reference (which names the payout, so a transfer the ledger never expected
 * is still traced to its payout: a late success after a failover). A return books the money back: a `credit`.
 */

/** One page of an Adyen balance account's transactions, as statement lines. */
export interface AdyenTransactionPage {
  lines: StatementLine[];
  /** Pass back as `cursor` for the next page; absent on the last. */
  nextCursor?: string;
}

/** What reconciliation reads from Adyen. Read-only (a live deployment gives it a read-only API credential). */
export interface AdyenStatementPort {
  listTransactions(i: {
    account: { accountId: string; timezone: string };
    /** ISO instants: created in [createdSince, createdUntil). */
    createdSince: string;
    createdUntil: string;
    cursor?: string;
    /** 1…100 (Adyen's page size limit). */
    limit: number;
  }): Promise<AdyenTransactionPage>;
}

const instant = z.union([z.string().min(1), z.date().transform((d) => d.toISOString())]);
const wireTransaction = z.object({
  id: z.string().regex(/^[A-Za-z0-9]{1,64}$/, { error: 'must be an Adyen transaction ID' }),
  amount: z.object({
    currency: currencySchema,
    value: z.number().int({ error: 'must be an integer in minor units' }),
  }),
  bookingDate: instant,
  valueDate: instant.optional(),
  status: z.enum(['booked', 'pending'], { error: "must be 'booked' or 'pending'" }),
  transfer: z.object({ id: z.string().optional(), reference: z.string().optional() }).nullable().optional(),
});

/** sha256(accountId|adyen|transaction id): the same transaction is the same line on every read and re-run. */
export function adyenLineId(accountId: string, transactionId: string): string {
  return createHash('sha256').update(`${accountId}|adyen|${transactionId}`).digest('hex');
}

/** `raw` is what Adyen sent (checked here, not trusted). */
export function adyenStatementLine(raw: unknown, ctx: { accountId: string; timezone: string }): StatementLine {
  const parsed = wireTransaction.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw failure(
      FailureType.ProviderPermanent,
      `Adyen sent an unreadable transaction: ${issue?.path.join('.') || 'value'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const tx = parsed.data;
  const bookingDate = zonedDate(Date.parse(tx.bookingDate), ctx.timezone);
  const transferId = tx.transfer?.id;
  const reference = tx.transfer?.reference || undefined;
  const payoutWorkflowId = payoutOfReference(reference);
  const amountMinor = Math.abs(tx.amount.value);
  return {
    lineId: adyenLineId(ctx.accountId, tx.id),
    source: 'adyen_tx',
    accountId: ctx.accountId,
    businessDate: bookingDate,
    direction: tx.amount.value < 0 ? 'debit' : 'credit',
    amount: { amountMinor, currency: tx.amount.currency },
    entry: {
      bookingDate,
      ...(tx.valueDate ? { valueDate: zonedDate(Date.parse(tx.valueDate), ctx.timezone) } : {}),
      status: tx.status === 'pending' ? 'PDNG' : 'BOOK',
      // A return is its own transaction (money back in), never an undoing of the booking.
      reversal: false,
      bankTxCode: 'adyen:transfer',
      entryAmountMinor: amountMinor,
      txCount: 1,
    },
    refs: {
      adyen: {
        transactionId: tx.id,
        ...(transferId ? { transferId } : {}),
        ...(reference ? { reference } : {}),
        ...(payoutWorkflowId ? { payoutWorkflowId } : {}),
        bookingDate: tx.bookingDate,
        ...(tx.valueDate ? { valueDate: tx.valueDate } : {}),
      },
    },
    ...(tx.status === 'pending' ? { flags: ['pending' as const] } : {}),
  };
}

/** The reader on Adyen's official library (its wire format; our fetch client only carries it to `apiBase`). */
export function createAdyenStatements(opts: AdyenConnection): AdyenStatementPort {
  // Built, and the library loaded, on the first read: the worker builds this reader before its first poll.
  let transactionsApi: InstanceType<Adyen['TransfersAPI']>['TransactionsApi'] | undefined;
  const api = () => (transactionsApi ??= new (adyenLibrary().TransfersAPI)(adyenClient(opts)).TransactionsApi);
  return {
    async listTransactions(i) {
      // Adyen's `createdUntil` is inclusive: stop a millisecond before the next day starts.
      const until = new Date(Date.parse(i.createdUntil) - 1);
      const page = await api().getAllTransactions(
        new Date(i.createdSince),
        until,
        undefined,
        undefined,
        undefined,
        opts.balanceAccountId,
        i.cursor,
        'asc',
        i.limit,
      );
      const lines = (page.data ?? []).map((tx) => adyenStatementLine(tx, i.account));
      const href = page._links?.next?.href;
      const nextCursor = href ? (new URL(href, 'http://adyen').searchParams.get('cursor') ?? undefined) : undefined;
      return { lines, ...(nextCursor ? { nextCursor } : {}) };
    },
  };
}

/**
 * One business day of the Adyen balance account, page by page (like `balanceTransactionDay` for Stripe): each page
 * with the cursor that follows it, so a retried ingest resumes where the last attempt stopped.
 */
export async function* adyenTransactionDay(
  reader: AdyenStatementPort,
  i: { account: { accountId: string; timezone: string }; date: string; pageSize?: number; cursor?: string },
): AsyncGenerator<{ lines: StatementLine[]; cursor?: string }> {
  const { fromMs, toMs } = zonedDayWindow(i.date, i.account.timezone);
  let cursor = i.cursor;
  for (;;) {
    const page = await reader.listTransactions({
      account: i.account,
      createdSince: new Date(fromMs).toISOString(),
      createdUntil: new Date(toMs).toISOString(),
      limit: i.pageSize ?? 100,
      ...(cursor ? { cursor } : {}),
    });
    cursor = page.nextCursor;
    yield { lines: page.lines, ...(cursor ? { cursor } : {}) };
    if (!cursor) return;
  }
}
