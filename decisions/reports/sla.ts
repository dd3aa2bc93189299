import type { ReportEngine } from './engine';
import type { FactFiles } from './fact-files';
import type { Period } from './period';

/**
 * The payout service-level report: time from start to paid (p50/p95/p99, nearest-rank so every figure is a real
 * payout's) per rail and country, SLA breaches, the time payouts waited on each actor, and the top failure and
 * return codes per week (weeks start Monday in the report's time zone). Counts add up: Σ per rail and country =
 * the total.
 */
export interface SlaRow {
  rail: string;
  country: string;
  count: number;
  paidCount: number;
  breaches: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface WaitRow {
  actor: string;
  /** Payouts that waited on this actor at least once. */
  payouts: number;
  totalMs: number;
  p95Ms: number;
}

export interface CodeRow {
  week: string;
  kind: 'failure' | 'return';
  code: string;
  count: number;
}

export interface SlaReport {
  report: 'payout-service-levels';
  period: { from: string; to: string; timezone: string; fromUtc: string; toUtc: string };
  totals: { count: number; paidCount: number; breaches: number };
  byRailCountry: SlaRow[];
  waits: WaitRow[];
  /** Per week and kind, the five most frequent codes (ties by code). */
  topCodes: CodeRow[];
}

export const TOP_CODES = 5;

export async function slaReport(engine: ReportEngine, files: FactFiles, period: Period): Promise<SlaReport> {
  const scan = await engine.scan(
    'payout-sla',
    await files.files('payout-sla', period.utcDays),
    period.fromUtc,
    period.toUtc,
  );
  const tz = period.timezone.replace(/'/g, "''");
  try {
    const [totals] = await scan.rows<SlaReport['totals']>(`
      SELECT count(*)::BIGINT AS count, coalesce(count_if(outcome = 'paid'), 0)::BIGINT AS paidCount,
        coalesce(count_if(breached), 0)::BIGINT AS breaches FROM facts`);
    const byRailCountry = await scan.rows<SlaRow>(`
      SELECT rail, country, count(*)::BIGINT AS count, count_if(outcome = 'paid')::BIGINT AS paidCount,
        count_if(breached)::BIGINT AS breaches,
        quantile_disc(startToPaidMs, 0.5) AS p50Ms, quantile_disc(startToPaidMs, 0.95) AS p95Ms,
        quantile_disc(startToPaidMs, 0.99) AS p99Ms
      FROM facts GROUP BY rail, country ORDER BY rail, country`);
    const waits = await scan.rows<WaitRow>(`
      WITH w AS (SELECT factId, unnest(waits) AS w FROM facts)
      SELECT w.actor AS actor, count(DISTINCT factId)::BIGINT AS payouts, sum(w.ms)::BIGINT AS totalMs,
        quantile_disc(w.ms, 0.95)::BIGINT AS p95Ms
      FROM w GROUP BY 1 ORDER BY 1`);
    const topCodes = await scan.rows<CodeRow>(`
      WITH c AS (
        SELECT strftime(date_trunc('week', timezone('${tz}', closedAt::TIMESTAMPTZ)), '%Y-%m-%d') AS week,
          'failure' AS kind, failureCode AS code FROM facts WHERE failureCode IS NOT NULL
        UNION ALL
        SELECT strftime(date_trunc('week', timezone('${tz}', closedAt::TIMESTAMPTZ)), '%Y-%m-%d'),
          'return', returnCode FROM facts WHERE returnCode IS NOT NULL),
      g AS (SELECT week, kind, code, count(*)::BIGINT AS count FROM c GROUP BY ALL),
      r AS (SELECT *, row_number() OVER (PARTITION BY week, kind ORDER BY count DESC, code) AS rn FROM g)
      SELECT week, kind, code, count FROM r WHERE rn <= ${TOP_CODES} ORDER BY week, kind, rn`);
    const { from, to, timezone, fromUtc, toUtc } = period;
    return {
      report: 'payout-service-levels',
      period: { from, to, timezone, fromUtc, toUtc },
      totals: totals ?? { count: 0, paidCount: 0, breaches: 0 },
      byRailCountry,
      waits,
      topCodes,
    };
  } finally {
    scan.close();
  }
}
