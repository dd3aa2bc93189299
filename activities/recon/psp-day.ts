import type { PspStatementPort } from '../adapters/psp/port';
import type { StatementLine } from './statement-line';
import { zonedDayWindow } from './business-day';

/**
 * One business day of the PSP platform balance, page by page: what an ingest activity iterates to write NDJSON
 * chunks without holding the day in memory. Each page comes with the cursor that follows it; an activity heartbeats
 * that cursor and, when retried, passes it back as `startingAfter` to resume where the last attempt stopped (Stripe
 * cursors are transaction IDs, stable across reads: a resumed read neither skips nor repeats a transaction).
 */
export async function* balanceTransactionDay(
  reader: PspStatementPort,
  i: {
    account: { accountId: string; timezone: string };
    /** YYYY-MM-DD in the account timezone. */
    date: string;
    pageSize?: number;
    startingAfter?: string;
  },
): AsyncGenerator<{ lines: StatementLine[]; cursor?: string }> {
  const { fromMs, toMs } = zonedDayWindow(i.date, i.account.timezone);
  let startingAfter = i.startingAfter;
  for (;;) {
    const page = await reader.listBalanceTransactions({
      account: i.account,
      createdFrom: new Date(fromMs).toISOString(),
      createdTo: new Date(toMs).toISOString(),
      limit: i.pageSize ?? 100,
      ...(startingAfter ? { startingAfter } : {}),
    });
    startingAfter = page.nextStartingAfter ?? startingAfter;
    yield { lines: page.lines, ...(startingAfter ? { cursor: startingAfter } : {}) };
    if (!page.hasMore) return;
  }
}
