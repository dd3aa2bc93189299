import { toCsv, major, type Cell } from './csv';
import type { SlaReport } from './sla';
import { SPEND_DIMENSIONS, type SpendReport } from './spend';
import { barChart } from './svg';

/** The reports as downloads (CSV, JSON) and charts (SVG), byte-identical for the same report. */

export const spendJson = (r: SpendReport) => `${JSON.stringify(r, null, 2)}\n`;
export const slaJson = (r: SlaReport) => `${JSON.stringify(r, null, 2)}\n`;

const SPEND_HEADER = [
  'period_from',
  'period_to',
  'timezone',
  'section',
  'dimension',
  'key',
  'currency',
  'count',
  'refund_minor',
  'store_credit_minor',
  'voucher_minor',
  'total_minor',
  'undone_minor',
  'net_minor',
  'net',
  'limit_minor',
  'utilization_bp',
];

/** One CSV: the totals per currency, every dimension's groups, then budget use per month. */
export function spendCsv(r: SpendReport): string {
  const p = [r.period.from, r.period.to, r.period.timezone];
  const rows: Cell[][] = [];
  for (const t of r.totals)
    rows.push([
      ...p,
      'total',
      '',
      '',
      t.currency,
      t.count,
      t.refundMinor,
      t.storeCreditMinor,
      t.voucherMinor,
      t.totalMinor,
      t.undoneMinor,
      t.netMinor,
      major(t.netMinor, t.currency),
      null,
      null,
    ]);
  for (const d of SPEND_DIMENSIONS)
    for (const g of r.groups[d])
      rows.push([
        ...p,
        'group',
        d,
        g.key,
        g.currency,
        g.count,
        g.refundMinor,
        g.storeCreditMinor,
        g.voucherMinor,
        g.totalMinor,
        g.undoneMinor,
        g.netMinor,
        major(g.netMinor, g.currency),
        null,
        null,
      ]);
  for (const b of r.budgets)
    rows.push([
      ...p,
      'budget',
      b.month,
      b.budgetId,
      b.currency,
      null,
      null,
      null,
      null,
      null,
      null,
      b.consumedMinor,
      major(b.consumedMinor, b.currency),
      b.limitMinor,
      b.utilizationBp,
    ]);
  return toCsv(SPEND_HEADER, rows);
}

const SLA_HEADER = [
  'period_from',
  'period_to',
  'timezone',
  'section',
  'week',
  'rail',
  'country',
  'actor',
  'code_kind',
  'code',
  'count',
  'paid_count',
  'breaches',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'total_ms',
];

export function slaCsv(r: SlaReport): string {
  const p = [r.period.from, r.period.to, r.period.timezone];
  const rows: Cell[][] = [
    [
      ...p,
      'total',
      null,
      null,
      null,
      null,
      null,
      null,
      r.totals.count,
      r.totals.paidCount,
      r.totals.breaches,
      null,
      null,
      null,
      null,
    ],
  ];
  for (const s of r.byRailCountry)
    rows.push([
      ...p,
      'service_level',
      null,
      s.rail,
      s.country,
      null,
      null,
      null,
      s.count,
      s.paidCount,
      s.breaches,
      s.p50Ms,
      s.p95Ms,
      s.p99Ms,
      null,
    ]);
  for (const w of r.waits)
    rows.push([
      ...p,
      'wait',
      null,
      null,
      null,
      w.actor,
      null,
      null,
      w.payouts,
      null,
      null,
      null,
      w.p95Ms,
      null,
      w.totalMs,
    ]);
  for (const c of r.topCodes)
    rows.push([...p, 'code', c.week, null, null, null, c.kind, c.code, c.count, null, null, null, null, null, null]);
  return toCsv(SLA_HEADER, rows);
}

/** Net spend by reason, one chart per currency. */
export function spendCharts(r: SpendReport, dimension: (typeof SPEND_DIMENSIONS)[number] = 'reason'): string[] {
  return r.totals.map((t) =>
    barChart({
      id: `spend-${dimension}-${t.currency}`.toLowerCase(),
      title: `Net compensation spend by ${dimension}, ${t.currency}`,
      description: `${r.period.from} to ${r.period.to} (${r.period.timezone}); total ${major(t.netMinor, t.currency)} ${t.currency} over ${t.count} requests.`,
      bars: r.groups[dimension]
        .filter((g) => g.currency === t.currency)
        .map((g) => ({ label: g.key, value: g.netMinor, text: `${major(g.netMinor, t.currency)} ${t.currency}` })),
    }),
  );
}

const hours = (ms: number | null) => (ms === null ? '—' : `${(ms / 3_600_000).toFixed(1)} h`);

/** p95 start-to-paid per rail and country. */
export function slaChart(r: SlaReport): string {
  return barChart({
    id: 'sla-p95',
    title: 'Start to paid, p95, per rail and country',
    description: `${r.period.from} to ${r.period.to} (${r.period.timezone}); ${r.totals.paidCount} paid of ${r.totals.count}, ${r.totals.breaches} SLA breaches.`,
    bars: r.byRailCountry.map((s) => ({ label: `${s.rail} ${s.country}`, value: s.p95Ms ?? 0, text: hours(s.p95Ms) })),
  });
}
