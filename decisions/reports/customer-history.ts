import { caseFold } from '../../workflows/shared/identity';
import type { ReportEngine } from './engine';
import type { FactFiles } from './fact-files';
import { iso, type Period, periodOf } from './period';

/**
 * One customer's compensations over a look-back window (a request's page shows them to the person deciding it): each
 * executed or failed-and-partly-undone request with its date, reason, what it gave per instrument, what it cost (net
 * of what was undone) and whether the policy approved it or finance did (and who), with totals per currency. From the
 * compensation facts, through the same engine and source as the spend report; never from search attributes (every
 * Keyword slot is taken).
 */

export interface CustomerCompensation {
  at: string;
  requestId: string;
  orderId: string;
  reasonCode: string;
  outcome: string;
  currency: string;
  refundMinor: number;
  storeCreditMinor: number;
  voucherMinor: number;
  netMinor: number;
  /** `auto`, or `finance` with the approvers (`id (role)`). */
  approval: 'auto' | 'finance';
  approvers: Array<{ id: string; role: string }>;
}

export interface CustomerHistory {
  customerId: string;
  period: { fromUtc: string; toUtc: string; days: number };
  /** Newest first, at most HISTORY_ROWS; `count` in the totals counts every one. */
  compensations: CustomerCompensation[];
  totals: Array<{ currency: string; count: number; netMinor: number }>;
}

export const HISTORY_DAYS = 90;
export const HISTORY_ROWS = 50;
const DAY_MS = 86_400_000;

/** Internal customer IDs only (the request contract's form); the only value spliced into the query. */
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The UTC days ending with `now`'s day: [now's day − (days − 1), now's day + 1). */
export function historyPeriod(now: Date, days = HISTORY_DAYS): Period {
  const today = Date.parse(iso(now.getTime()).slice(0, 10));
  return periodOf({
    from: iso(today - (days - 1) * DAY_MS).slice(0, 10),
    to: iso(today + DAY_MS).slice(0, 10),
    tz: 'UTC',
  });
}

export async function customerHistory(
  engine: ReportEngine,
  files: FactFiles,
  customerId: string,
  period: Period,
): Promise<CustomerHistory> {
  if (!CUSTOMER_ID.test(customerId)) throw new Error(`customerId must be an internal ID, got ${customerId}`);
  const folded = caseFold(customerId);
  const scan = await engine.scan(
    'compensation',
    await files.files('compensation', period.utcDays, { customerId: folded }),
    period.fromUtc,
    period.toUtc,
  );
  try {
    const mine = `FROM facts WHERE lower(customerId) = '${folded}'`;
    const compensations = await scan.rows<CustomerCompensation>(`
      SELECT "at", requestId, orderId, reasonCode, outcome, currency, refundMinor, storeCreditMinor, voucherMinor, netMinor,
        CASE WHEN autoApproved THEN 'auto' ELSE 'finance' END AS approval,
        coalesce(approvers, []) AS approvers
      ${mine} ORDER BY "at" DESC, requestId LIMIT ${HISTORY_ROWS}`);
    const totals = await scan.rows<CustomerHistory['totals'][number]>(`
      SELECT currency, count(*)::BIGINT AS count, sum(netMinor)::BIGINT AS netMinor
      ${mine} GROUP BY currency ORDER BY currency`);
    return {
      customerId: folded,
      period: { fromUtc: period.fromUtc, toUtc: period.toUtc, days: period.utcDays.length },
      compensations,
      totals,
    };
  } finally {
    scan.close();
  }
}
