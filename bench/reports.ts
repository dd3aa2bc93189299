/**
 * `npm run bench:reports -- [--facts 1000000] [--month 2026-11] [--keep]`: the spend report over a month of
 * compensation facts (issue 23, deliverable 2). Writes the facts as NDJSON day partitions (one compacted file per
 * day, like the bucket after a compaction; not timed), then measures in the same run:
 *   1. the floor: DuckDB scanning every file with the report's column types (count only);
 *   2. the report: the period's facts loaded, every grouping, budgets, the agent-day budget, CSV, JSON and charts;
 *   3. the payout service-level report over as many payout facts;
 * and prints seconds, facts/s, the ratio to the floor, peak RSS, the machine's cores and load, and the verdict against
 * the target (≤ 10 s). Exit 1 when the target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ReportEngine } from '../decisions/reports/engine';
import { dirFactFiles } from '../decisions/reports/fact-files';
import { periodOf, periodSchema } from '../decisions/reports/period';
import { slaChart, slaCsv, slaJson, spendCharts, spendCsv, spendJson } from '../decisions/reports/render';
import { slaReport } from '../decisions/reports/sla';
import { spendReport } from '../decisions/reports/spend';
import { sampleCompensationFacts, samplePayoutSlaFacts, writeFactFiles } from '../sandboxes/reports/sample-facts';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';

const USAGE = `usage: npm run bench:reports -- [--facts <N>] [--month YYYY-MM] [--keep]
  --facts <N>      compensation facts in the month (default 1000000)
  --month YYYY-MM  the month (default 2026-11)
  --keep           keep the generated files`;

const TARGET_S = 10;

const args = parseOrExit('bench:reports', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    { facts: { type: 'string' }, month: { type: 'string' }, keep: { type: 'boolean' } },
    z.object({
      facts: wholeNumber(1, 10_000_000).default(1_000_000),
      month: z
        .string()
        .regex(/^\d{4}-\d{2}$/, { error: 'month must be YYYY-MM' })
        .default('2026-11'),
      keep: z.boolean().default(false),
    }),
  ),
).values;

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'bench-reports-'));
  try {
    let t = performance.now();
    const written = await writeFactFiles(
      root,
      'compensation',
      sampleCompensationFacts({ month: args.month, count: args.facts }),
    );
    console.log(
      `wrote ${written.facts} facts in ${written.files} day files (${seconds(performance.now() - t)} s, not timed)`,
    );
    const [y, m] = args.month.split('-').map(Number) as [number, number];
    const to = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const period = periodOf(periodSchema.parse({ from: `${args.month}-01`, to, tz: 'UTC' }));
    const files = dirFactFiles(root);

    const floorEngine = new ReportEngine();
    t = performance.now();
    const scan = await floorEngine.scan(
      'compensation',
      await files.files('compensation', period.utcDays),
      period.fromUtc,
      period.toUtc,
    );
    const [count] = await scan.rows<{ n: number }>('SELECT count(*)::BIGINT AS n FROM facts');
    scan.close();
    const floorMs = performance.now() - t;
    floorEngine.close();

    const engine = new ReportEngine();
    t = performance.now();
    const report = await spendReport(engine, files, period);
    const csv = spendCsv(report);
    const json = spendJson(report);
    const charts = spendCharts(report);
    const reportMs = performance.now() - t;
    engine.close();

    // The service-level report over as many payout facts (same month, same files layout).
    await writeFactFiles(root, 'payout-sla', samplePayoutSlaFacts({ month: args.month, count: args.facts }));
    const slaEngine = new ReportEngine();
    t = performance.now();
    const sla = await slaReport(slaEngine, files, period);
    const slaBytes = slaCsv(sla).length + slaJson(sla).length + slaChart(sla).length;
    const slaMs = performance.now() - t;
    slaEngine.close();

    const counted = report.totals.reduce((n, x) => n + x.count, 0);
    const ok =
      reportMs <= TARGET_S * 1000 &&
      slaMs <= TARGET_S * 1000 &&
      counted === args.facts &&
      count?.n === args.facts &&
      sla.totals.count === args.facts;
    console.log(
      [
        `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
        `floor (scan every file, count):    ${seconds(floorMs)} s (${count?.n} facts)`,
        `spend report (all groupings, CSV, JSON, ${charts.length} charts): ${seconds(reportMs)} s, ${Math.round(args.facts / (reportMs / 1000))} facts/s, ${(reportMs / floorMs).toFixed(2)}× the floor`,
        `output: CSV ${csv.length} bytes, JSON ${json.length} bytes; facts counted ${counted}`,
        `service-level report (${sla.totals.count} payout facts; percentiles, waits, codes per week, CSV, JSON, chart): ${seconds(slaMs)} s (${slaBytes} bytes)`,
        `peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
        `target: ≤ ${TARGET_S} s → ${ok ? 'MET' : 'MISSED'}`,
      ].join('\n'),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (args.keep) console.log(`files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

void main();
