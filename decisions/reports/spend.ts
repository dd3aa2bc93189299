import { APPROVAL_POLICIES } from '../../workflows/approvals/policies';
import type { LedgerPort } from '../../activities/adapters/ledger/port';
import { BUDGETS, BUDGETS_VERSION } from './budgets';
import type { Scan, ReportEngine } from './engine';
import type { FactFiles } from './fact-files';
import { monthEdges, type Period } from './period';

/**
 * The compensation spend report: what compensations cost over a period in a declared time zone, by reason, agent,
 * team, instrument, order, policy version, tier and approval path, per currency (never summed across currencies);
 * budget use against limits; and the tie-out of the facts to the ledger's `comp:expense:*` postings. Deterministic:
 * the same facts give the same bytes (no clock in the body, every list sorted on values).
 */

/** The money columns of every row (minor units). */
export interface SpendMeasures {
  count: number;
  refundMinor: number;
  storeCreditMinor: number;
  voucherMinor: number;
  totalMinor: number;
  undoneMinor: number;
  netMinor: number;
}

export interface SpendTotal extends SpendMeasures {
  currency: string;
  autoApprovedCount: number;
  financeApprovedCount: number;
  failedCount: number;
}

export interface SpendGroup extends SpendMeasures {
  currency: string;
  key: string;
}

export const SPEND_DIMENSIONS = [
  'reason',
  'agent',
  'team',
  'instrument',
  'order',
  'policyVersion',
  'tier',
  'approval',
] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

/** Groups shown per dimension and currency; the rest is summed into one `(other)` row, so groups still add up. */
export const GROUP_LIMIT = 50;
export const OTHER = '(other)';

export interface BudgetUse {
  budgetId: string;
  scope: string;
  month: string;
  currency: string;
  limitMinor: number;
  consumedMinor: number;
  remainingMinor: number;
  /** floor(consumed × 10 000 / limit). */
  utilizationBp: number;
  overLimit: boolean;
}

export interface SpendReport {
  report: 'compensation-spend';
  period: { from: string; to: string; timezone: string; fromUtc: string; toUtc: string };
  budgetsVersion: string;
  totals: SpendTotal[];
  /**
   * Per dimension, groups per currency. Every dimension's groups add up to the currency's total in every money
   * column; counts add up too except for `instrument` (one request may give several instruments).
   */
  groups: Record<SpendDimension, SpendGroup[]>;
  budgets: BudgetUse[];
  /** The policy's per-agent daily auto-approval budget: agent-days over it must be none. */
  agentDailyBudget: { agentDays: number; overBudget: number; maxUtilizationBp: number };
}

const KEY: Record<Exclude<SpendDimension, 'instrument'>, string> = {
  reason: 'reasonCode',
  agent: 'agentId',
  team: "coalesce(team, '(no team)')",
  order: 'orderId',
  policyVersion: 'policyVersion',
  tier: 'tier',
  approval: "CASE WHEN autoApproved THEN 'auto' ELSE 'finance' END",
};

const SUMS = `count(*)::BIGINT AS count, sum(refundMinor)::BIGINT AS refundMinor,
  sum(storeCreditMinor)::BIGINT AS storeCreditMinor, sum(voucherMinor)::BIGINT AS voucherMinor,
  sum(totalMinor)::BIGINT AS totalMinor, sum(undoneMinor)::BIGINT AS undoneMinor, sum(netMinor)::BIGINT AS netMinor`;
const RESUM = `sum(count)::BIGINT AS count, sum(refundMinor)::BIGINT AS refundMinor,
  sum(storeCreditMinor)::BIGINT AS storeCreditMinor, sum(voucherMinor)::BIGINT AS voucherMinor,
  sum(totalMinor)::BIGINT AS totalMinor, sum(undoneMinor)::BIGINT AS undoneMinor, sum(netMinor)::BIGINT AS netMinor`;

async function groupsOf(scan: Scan, dimension: SpendDimension): Promise<SpendGroup[]> {
  const source =
    dimension === 'instrument'
      ? `(SELECT currency, key, 1 AS n, refundMinor, storeCreditMinor, voucherMinor, totalMinor, undoneMinor, netMinor
          FROM (${instrumentRows()}))`
      : `(SELECT currency, ${KEY[dimension]} AS key, 1 AS n, refundMinor, storeCreditMinor, voucherMinor, totalMinor,
          undoneMinor, netMinor FROM facts)`;
  return scan.rows<SpendGroup>(`
    WITH g AS (
      SELECT currency, key, sum(n)::BIGINT AS count, sum(refundMinor)::BIGINT AS refundMinor,
        sum(storeCreditMinor)::BIGINT AS storeCreditMinor, sum(voucherMinor)::BIGINT AS voucherMinor,
        sum(totalMinor)::BIGINT AS totalMinor, sum(undoneMinor)::BIGINT AS undoneMinor, sum(netMinor)::BIGINT AS netMinor
      FROM ${source} GROUP BY currency, key),
    r AS (SELECT *, row_number() OVER (PARTITION BY currency ORDER BY netMinor DESC, key) AS rn FROM g)
    SELECT currency, CASE WHEN rn <= ${GROUP_LIMIT} THEN key ELSE '${OTHER}' END AS key, ${RESUM}
    FROM r GROUP BY 1, 2 ORDER BY currency, min(rn)`);
}

/** Instruments as rows: one per instrument a fact gave, with what of it was undone. */
function instrumentRows(): string {
  return `
    SELECT currency, 'refund' AS key, refundMinor, 0::BIGINT AS storeCreditMinor, 0::BIGINT AS voucherMinor,
           refundMinor AS totalMinor, 0::BIGINT AS undoneMinor, refundMinor AS netMinor
      FROM facts WHERE refundMinor > 0
    UNION ALL
    SELECT currency, 'store_credit', 0, storeCreditMinor, 0, storeCreditMinor, undoneStoreCreditMinor,
           storeCreditMinor - undoneStoreCreditMinor
      FROM facts WHERE storeCreditMinor > 0
    UNION ALL
    SELECT currency, 'voucher', 0, 0, voucherMinor, voucherMinor, undoneVoucherMinor, voucherMinor - undoneVoucherMinor
      FROM facts WHERE voucherMinor > 0`;
}

async function budgetsOf(scan: Scan, period: Period): Promise<BudgetUse[]> {
  const out: BudgetUse[] = [];
  const months = monthEdges(period);
  for (const b of BUDGETS) {
    for (const m of months) {
      const where = [
        `currency = '${b.currency}'`,
        `"at" >= '${m.fromUtc}'`,
        `"at" < '${m.toUtc}'`,
        ...(b.scope.reasonCode ? [`reasonCode = '${b.scope.reasonCode}'`] : []),
      ].join(' AND ');
      const [row] = await scan.rows<{ consumed: number | null }>(
        `SELECT sum(netMinor)::BIGINT AS consumed FROM facts WHERE ${where}`,
      );
      const consumedMinor = row?.consumed ?? 0;
      out.push({
        budgetId: b.budgetId,
        scope: b.scope.reasonCode ? `reason=${b.scope.reasonCode}` : 'all',
        month: m.month,
        currency: b.currency,
        limitMinor: b.limitMinor,
        consumedMinor,
        remainingMinor: b.limitMinor - consumedMinor,
        utilizationBp: Math.floor((consumedMinor * 10_000) / b.limitMinor),
        overLimit: consumedMinor > b.limitMinor,
      });
    }
  }
  return out;
}

async function agentDailyBudgetOf(scan: Scan): Promise<SpendReport['agentDailyBudget']> {
  const limits = Object.entries(APPROVAL_POLICIES)
    .map(([v, p]) => `WHEN '${v}' THEN ${p.agentDailyBudgetMinor}`)
    .join(' ');
  const [row] = await scan.rows<{ agentDays: number; overBudget: number | null; maxBp: number | null }>(`
    WITH d AS (
      SELECT agentId, day, currency, sum(netMinor) AS spent, max(CASE policyVersion ${limits} END) AS lim
      FROM facts WHERE autoApproved GROUP BY ALL)
    SELECT count(*)::BIGINT AS agentDays, count_if(spent > lim)::BIGINT AS overBudget,
           max(floor(spent * 10000 / lim))::BIGINT AS maxBp FROM d`);
  return { agentDays: row?.agentDays ?? 0, overBudget: row?.overBudget ?? 0, maxUtilizationBp: row?.maxBp ?? 0 };
}

/** Computes the spend report of `period` from the compensation facts. */
export async function spendReport(engine: ReportEngine, files: FactFiles, period: Period): Promise<SpendReport> {
  const scan = await engine.scan(
    'compensation',
    await files.files('compensation', period.utcDays),
    period.fromUtc,
    period.toUtc,
  );
  try {
    const totals = await scan.rows<SpendTotal>(`
      SELECT currency, ${SUMS}, count_if(autoApproved)::BIGINT AS autoApprovedCount,
        count_if(NOT autoApproved)::BIGINT AS financeApprovedCount, count_if(outcome = 'failed')::BIGINT AS failedCount
      FROM facts GROUP BY currency ORDER BY currency`);
    const groups = {} as Record<SpendDimension, SpendGroup[]>;
    for (const d of SPEND_DIMENSIONS) groups[d] = await groupsOf(scan, d);
    const { from, to, timezone, fromUtc, toUtc } = period;
    return {
      report: 'compensation-spend',
      period: { from, to, timezone, fromUtc, toUtc },
      budgetsVersion: BUDGETS_VERSION,
      totals: totals.map((t) => ({
        currency: t.currency,
        count: t.count,
        refundMinor: t.refundMinor,
        storeCreditMinor: t.storeCreditMinor,
        voucherMinor: t.voucherMinor,
        totalMinor: t.totalMinor,
        undoneMinor: t.undoneMinor,
        netMinor: t.netMinor,
        autoApprovedCount: t.autoApprovedCount,
        financeApprovedCount: t.financeApprovedCount,
        failedCount: t.failedCount,
      })),
      groups,
      budgets: await budgetsOf(scan, period),
      agentDailyBudget: await agentDailyBudgetOf(scan),
    };
  } finally {
    scan.close();
  }
}

/** Facts against the ledger over whole UTC days (the ledger dates postings by UTC day). */
export interface TieOut {
  fromDay: string;
  toDay: string;
  currencies: Array<{ currency: string; factsNetMinor: number; ledgerNetMinor: number; equal: boolean }>;
}

/**
 * Ties the facts to the ledger over the UTC days the period touches: Σ net of the facts booked on those days against
 * Σ of the `comp:expense:*` legs of the postings effective on them (read through the ledger's day index).
 */
export async function spendTieOut(
  engine: ReportEngine,
  files: FactFiles,
  ledger: Pick<LedgerPort, 'postingsOn'>,
  period: Period,
): Promise<TieOut> {
  const days = period.utcDays;
  const fromDay = days[0] as string;
  const toDay = days[days.length - 1] as string;
  const end = new Date(Date.parse(`${toDay}T00:00:00Z`) + 86_400_000).toISOString();
  const scan = await engine.scan(
    'compensation',
    await files.files('compensation', days),
    `${fromDay}T00:00:00.000Z`,
    end,
  );
  const facts = new Map<string, number>();
  try {
    for (const r of await scan.rows<{ currency: string; net: number }>(
      'SELECT currency, sum(netMinor)::BIGINT AS net FROM facts GROUP BY currency',
    ))
      facts.set(r.currency, r.net);
  } finally {
    scan.close();
  }
  const ledgerNet = new Map<string, number>();
  for (const day of days) {
    let startKey: string | undefined;
    do {
      const page = await ledger.postingsOn(day, { scope: 'ledger', ...(startKey ? { startKey } : {}) });
      for (const p of page.items)
        for (const leg of p.legs)
          if (leg.account.startsWith('comp:expense:'))
            ledgerNet.set(p.currency, (ledgerNet.get(p.currency) ?? 0) + leg.amountMinor);
      startKey = page.next;
    } while (startKey);
  }
  const currencies = [...new Set([...facts.keys(), ...ledgerNet.keys()])].sort().map((currency) => {
    const factsNetMinor = facts.get(currency) ?? 0;
    const ledgerNetMinor = ledgerNet.get(currency) ?? 0;
    return { currency, factsNetMinor, ledgerNetMinor, equal: factsNetMinor === ledgerNetMinor };
  });
  return { fromDay, toDay, currencies };
}
