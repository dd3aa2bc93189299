import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compensationPostings } from '../../activities/approvals/spend';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { csvCell, major, toCsv } from '../../decisions/reports/csv';
import { ReportEngine } from '../../decisions/reports/engine';
import { dirFactFiles } from '../../decisions/reports/fact-files';
import { periodOf, periodSchema } from '../../decisions/reports/period';
import { slaCsv, slaJson, spendCharts, spendCsv, spendJson } from '../../decisions/reports/render';
import { slaReport } from '../../decisions/reports/sla';
import { GROUP_LIMIT, OTHER, SPEND_DIMENSIONS, spendReport, spendTieOut } from '../../decisions/reports/spend';
import { sampleCompensationFacts, samplePayoutSlaFacts, writeFactFiles } from '../../sandboxes/reports/sample-facts';
import { factKey, type CompensationFact } from '../../workflows/shared/report-facts';

const period = (from: string, to: string, tz = 'UTC') => periodOf(periodSchema.parse({ from, to, tz }));

describe('report CSV', () => {
  test('when a text cell starts with = + - @ a tab or a carriage return, then it is prefixed with a quote mark and cannot run as a formula', () => {
    expect(['=SUM(A1)', '+1', '-2+3', '@cmd', '\tx', '\rx'].map(csvCell)).toEqual([
      "'=SUM(A1)",
      "'+1",
      "'-2+3",
      "'@cmd",
      "'\tx",
      '"\'\rx"',
    ]);
    expect(csvCell('cs.alice')).toBe('cs.alice');
  });

  test('when cells hold commas, quotes or line breaks, then they are quoted (RFC 4180); numbers stay numbers, negative ones too', () => {
    expect(toCsv(['a', 'b', 'c'], [['x,y', 'say "hi"', -500]])).toBe('a,b,c\r\n"x,y","say ""hi""",-500\r\n');
    expect(major(-1250, 'EUR')).toBe('-12.50');
    expect(major(1250, 'JPY')).toBe('1250');
  });
});

describe('report periods', () => {
  test('when a period is declared in Europe/Berlin across the DST change, then it is cut at local midnights and spans the right UTC days', () => {
    const p = period('2026-10-25', '2026-10-26', 'Europe/Berlin');
    expect(p.fromUtc).toBe('2026-10-24T22:00:00.000Z');
    expect(p.toUtc).toBe('2026-10-25T23:00:00.000Z');
    expect(p.utcDays).toEqual(['2026-10-24', '2026-10-25']);
  });

  test('when from is not before to, the period is over 366 days or the zone is unknown, then the field is named', () => {
    const issues = (x: object) =>
      periodSchema.safeParse(x).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ from: '2026-12-02', to: '2026-12-01' })).toEqual(['to: from must be before to (to is exclusive)']);
    expect(issues({ from: '2025-01-01', to: '2026-12-01' })).toEqual(['to: a period spans at most 366 days']);
    expect(issues({ from: '2026-12-01', to: '2026-12-02', tz: 'Mars/Olympus' })?.[0]).toMatch(/^tz: /);
  });
});

describe('the compensation spend report (DuckDB over NDJSON day partitions)', () => {
  let root: string;
  const engine = new ReportEngine({ threads: 1 });
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'spend-'));
    await writeFactFiles(root, 'compensation', sampleCompensationFacts({ month: '2026-11', count: 20_000 }));
  });
  afterAll(() => {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('when the report is computed, then every dimension groups add up to the totals per currency in every money column (and in count, but for instruments)', async () => {
    const r = await spendReport(engine, dirFactFiles(root), period('2026-11-01', '2026-12-01'));
    expect(r.totals.map((t) => t.currency)).toEqual(['EUR', 'USD']);
    expect(r.totals.reduce((n, t) => n + t.count, 0)).toBe(20_000);
    const cols = ['refundMinor', 'storeCreditMinor', 'voucherMinor', 'totalMinor', 'undoneMinor', 'netMinor'] as const;
    for (const t of r.totals) {
      expect(t.refundMinor + t.storeCreditMinor + t.voucherMinor).toBe(t.totalMinor);
      expect(t.totalMinor - t.undoneMinor).toBe(t.netMinor);
      expect(t.autoApprovedCount + t.financeApprovedCount).toBe(t.count);
      for (const d of SPEND_DIMENSIONS) {
        const groups = r.groups[d].filter((g) => g.currency === t.currency);
        expect(groups.length).toBeLessThanOrEqual(GROUP_LIMIT + 1);
        for (const c of cols) expect({ d, c, sum: groups.reduce((s, g) => s + g[c], 0) }).toEqual({ d, c, sum: t[c] });
        if (d !== 'instrument') expect(groups.reduce((s, g) => s + g.count, 0)).toBe(t.count);
      }
    }
    expect(r.groups.order.at(-1)?.key).toBe(OTHER);
    expect(r.groups.instrument.map((g) => `${g.currency}:${g.key}`).sort()).toEqual(
      ['EUR:refund', 'EUR:store_credit', 'EUR:voucher', 'USD:refund', 'USD:store_credit', 'USD:voucher'].sort(),
    );
    expect(r.agentDailyBudget.agentDays).toBeGreaterThan(0);
    expect(r.budgets.map((b) => b.budgetId)).toContain('goodwill-eur-monthly');
  });

  test('when the same report is computed twice (a fresh engine the second time), then its CSV, JSON and charts are byte-identical', async () => {
    const p = period('2026-11-01', '2026-12-01', 'America/New_York');
    const a = await spendReport(engine, dirFactFiles(root), p);
    const other = new ReportEngine();
    const b = await spendReport(other, dirFactFiles(root), p).finally(() => other.close());
    expect(spendCsv(b)).toBe(spendCsv(a));
    expect(spendJson(b)).toBe(spendJson(a));
    expect(spendCharts(b)).toEqual(spendCharts(a));
    expect(spendCharts(a)[0]).toMatch(/^<svg [^>]*role="img"/);
  });

  test('when facts sit on either side of local midnight, then the half-open period in the declared zone takes the right ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edges-'));
    try {
      const [base] = [...sampleCompensationFacts({ month: '2026-12', count: 1 })] as [CompensationFact];
      const at = (factId: string, iso: string) => ({ ...base, factId, at: iso, day: iso.slice(0, 10) });
      // Berlin is UTC+1 in December: local 2026-12-02 00:00 is 2026-12-01T23:00Z.
      for (const f of [
        at('before', '2026-12-01T22:59:59.999Z'),
        at('first', '2026-12-01T23:00:00.000Z'),
        at('last', '2026-12-02T22:59:59.999Z'),
        at('after', '2026-12-02T23:00:00.000Z'),
      ]) {
        const path = join(dir, factKey('compensation', f.day, f.factId));
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, `${JSON.stringify(f)}\n`);
      }
      const r = await spendReport(engine, dirFactFiles(dir), period('2026-12-02', '2026-12-03', 'Europe/Berlin'));
      expect(r.totals.map((t) => t.count)).toEqual([2]);
      const empty = await spendReport(engine, dirFactFiles(dir), period('2026-10-01', '2026-10-02'));
      expect(empty.totals).toEqual([]);
      expect(spendCsv(empty).split('\r\n')[0]).toMatch(/^period_from,/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("when every fact's postings are in the ledger, then the facts tie out to the ledger's comp:expense postings; a missing posting shows as a difference", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tie-'));
    const ledger = createFakeLedger();
    try {
      const booking = (id: string, outcome: 'executed' | 'failed', undone: number) => ({
        workflowId: id,
        requestId: id,
        orderId: 'ord-1',
        customerId: 'cus-1',
        outcome,
        at: '2026-12-03T10:00:00.000Z',
        effectiveDate: '2026-12-03',
        reasonCode: 'goodwill',
        agentId: '-agent',
        agentRole: 'cs_agent',
        approvers: [],
        tier: 'auto',
        autoApproved: true,
        policyVersion: '2025-09.1',
        currency: 'EUR' as const,
        issued: { refundMinor: 300, storeCreditMinor: 200, voucherMinor: 100 },
        undone: { storeCreditMinor: undone, voucherMinor: 0 },
      });
      const { compensationFact } = await import('../../activities/approvals/spend');
      for (const b of [booking('c1', 'executed', 0), booking('c2', 'failed', 200)]) {
        const postings = compensationPostings(b);
        for (const p of postings) await ledger.post(p);
        const f = compensationFact(b, postings);
        const path = join(dir, factKey('compensation', f.day, f.factId));
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, `${JSON.stringify(f)}\n`);
      }
      const p = period('2026-12-03', '2026-12-04');
      const tie = await spendTieOut(engine, dirFactFiles(dir), ledger, p);
      expect(tie.currencies).toEqual([{ currency: 'EUR', factsNetMinor: 1000, ledgerNetMinor: 1000, equal: true }]);
      // An agent ID that starts with '-' is a text cell: escaped in the CSV.
      expect(spendCsv(await spendReport(engine, dirFactFiles(dir), p))).toContain(",agent,'-agent,EUR,");
      await ledger.post({
        postingId: 'comp:c3:executed',
        currency: 'EUR',
        description: 'a posting without a fact',
        effectiveDate: '2026-12-03',
        refs: { workflowId: 'c3' },
        legs: [
          { account: 'comp:expense:goodwill', amountMinor: 50 },
          { account: 'vouchers:liability', amountMinor: -50 },
        ],
      });
      expect((await spendTieOut(engine, dirFactFiles(dir), ledger, p)).currencies[0]).toMatchObject({
        ledgerNetMinor: 1050,
        equal: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the payout service-level report', () => {
  let root: string;
  const engine = new ReportEngine({ threads: 1 });
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sla-'));
    await writeFactFiles(root, 'payout-sla', samplePayoutSlaFacts({ month: '2026-11', count: 5_000 }));
  });
  afterAll(() => {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('when the report is computed, then rail-country rows add up to the totals, percentiles are ordered, and each week lists at most five codes per kind', async () => {
    const r = await slaReport(engine, dirFactFiles(root), period('2026-11-01', '2026-12-01', 'Europe/Berlin'));
    expect(r.byRailCountry.reduce((n, s) => n + s.count, 0)).toBe(r.totals.count);
    expect(r.byRailCountry.reduce((n, s) => n + s.breaches, 0)).toBe(r.totals.breaches);
    expect(r.byRailCountry.reduce((n, s) => n + s.paidCount, 0)).toBe(r.totals.paidCount);
    for (const s of r.byRailCountry) {
      expect(s.p50Ms!).toBeLessThanOrEqual(s.p95Ms!);
      expect(s.p95Ms!).toBeLessThanOrEqual(s.p99Ms!);
    }
    expect(r.waits.map((w) => w.actor)).toEqual(['bank', 'compliance', 'creator', 'ops', 'psp']);
    const perWeek = new Map<string, number>();
    for (const c of r.topCodes) perWeek.set(`${c.week}/${c.kind}`, (perWeek.get(`${c.week}/${c.kind}`) ?? 0) + 1);
    expect(Math.max(...perWeek.values())).toBeLessThanOrEqual(5);
    expect(r.topCodes.every((c) => /^\d{4}-\d{2}-\d{2}$/.test(c.week))).toBe(true);
    const again = await slaReport(engine, dirFactFiles(root), period('2026-11-01', '2026-12-01', 'Europe/Berlin'));
    expect(slaCsv(again)).toBe(slaCsv(r));
    expect(slaJson(again)).toBe(slaJson(r));
  });

  test('when no payout closed in the period, then the totals are zeros, not nulls', async () => {
    const r = await slaReport(engine, dirFactFiles(root), period('2026-10-01', '2026-10-02'));
    expect(r.totals).toEqual({ count: 0, paidCount: 0, breaches: 0 });
    expect(r.byRailCountry).toEqual([]);
  });
});
