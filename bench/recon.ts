/**
 * `npm run bench:recon -- [--lines 100000] [--break-rate 0.005] [--keep]`: the reconciliation's in-process core at scale
 * (issue 22, deliverable 7). Writes an N-entry camt.053 with the bank sandbox's statement writer and the ledger items it
 * should match (with a break mix at `--break-rate`: missing, unexpected, amount over, duplicate booking, fee, batch
 * disagreement), then measures in the same run:
 *   1. the floor: the streaming reader over the file, lines discarded (parse only);
 *   2. parse + match: the reader collecting the lines, then the pure matcher (`matchDay`) against the items;
 * and prints seconds, lines/s, CPU seconds, peak RSS, the ratio to the floor, the machine's load, and the verdict
 * against the targets (≤ 20 s, ≤ 512 MiB RSS). Exit 1 when a target is missed or R1 does not hold.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readCamt053 } from '../activities/adapters/bank/camt053';
import { checkStatement } from '../activities/adapters/bank/camt053-integrity';
import { CODES } from '../sandboxes/bank/books';
import { camt053Chunks, summarize, type StatementEntry, type StatementHead } from '../sandboxes/bank/camt053';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';
import { RECON_RULES, type ExpectedItem, type StatementLine } from '../workflows/recon/contract';
import { accountFor, matchDay, type MatchInput } from '../workflows/recon/policy';

const USAGE = `usage: npm run bench:recon -- [--lines <N>] [--break-rate <r>] [--keep]
  --lines <N>        statement entries (default 100000)
  --break-rate <r>   share of entries that become breaks, 0…0.5 (default 0.005)
  --keep             keep the generated camt.053 file`;

const args = parseOrExit('bench:recon', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    { lines: { type: 'string' }, 'break-rate': { type: 'string' }, keep: { type: 'boolean' } },
    z.object({
      lines: wholeNumber(1, 2_000_000).optional(),
      breakRate: z
        .string()
        .regex(/^\d*\.?\d+$/, 'must be a decimal number')
        .transform(Number)
        .pipe(z.number().min(0, 'must be at least 0').max(0.5, 'must be at most 0.5'))
        .optional(),
      keep: z.boolean().default(false),
    }),
  ),
).values;
const LINES = args.lines ?? 100_000;
const BREAK_RATE = args.breakRate ?? 0.005;
const TARGET_S = 20;
const TARGET_MIB = 512;
const ACCOUNT = 'bench';
const IBAN = 'GB33BUKB20201555555555';
const DATE = '2026-03-02';

const log = (line: string) => console.log(`[bench:recon] ${line}`);
const mib = (b: number) => Math.round(b / 2 ** 20);

/** A stable pseudo-random value in [0, 1) per entry index, so the statement can be iterated twice alike. */
function u(i: number, salt: number): number {
  let h = (i * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}
const amountOf = (i: number, k = 0) => 100 + Math.floor(u(i, 7 + k) * 100_000);
type Shape = 'single' | 'batch' | 'missing' | 'over' | 'dup' | 'fee' | 'split';
function shapeOf(i: number): Shape {
  if (u(i, 1) < BREAK_RATE) return (['missing', 'over', 'dup', 'fee', 'split'] as const)[i % 5] as Shape;
  return i % 100 === 7 ? 'batch' : 'single';
}
const e2eOf = (i: number) => `BENCH-${DATE}-${i}`;

function* entries(): Generator<StatementEntry> {
  for (let i = 0; i < LINES; i++) {
    const shape = shapeOf(i);
    const ref = `B${String(i).padStart(9, '0')}`;
    const base = {
      ntryRef: ref,
      acctSvcrRef: ref,
      direction: 'debit' as const,
      reversal: false,
      status: 'BOOK' as const,
      bookingDate: DATE,
      valueDate: DATE,
      bankTxCode: CODES.transfer,
    };
    if (shape === 'batch' || shape === 'split') {
      const total = amountOf(i, 0) + amountOf(i, 1) + amountOf(i, 2) + (shape === 'split' ? 1 : 0);
      yield { ...base, amountMinor: total, batch: { pmtInfId: `PMT-${i}`, nbOfTxs: 3, ttlAmtMinor: total }, txs: [] };
      continue;
    }
    if (shape === 'fee') {
      yield { ...base, amountMinor: 250, bankTxCode: CODES.fee, txs: [] };
      continue;
    }
    // missing: the bank booked something else (an unexpected line) and never the item; dup: the previous entry again.
    const e2e = shape === 'missing' ? `UNX-${i}` : shape === 'dup' ? e2eOf(i - 1) : e2eOf(i);
    const amountMinor = shape === 'dup' ? amountOf(i - 1) : amountOf(i) + (shape === 'over' ? 1_000 : 0);
    yield { ...base, amountMinor, txs: [{ endToEndId: e2e, amountMinor, msgId: `MSG-${Math.floor(i / 100)}` }] };
  }
}

function items(): ExpectedItem[] {
  const out: ExpectedItem[] = [];
  const item = (i: number, k: number, amountMinor: number, refs: Partial<ExpectedItem['refs']>, ageDays = 0) =>
    out.push({
      itemId: `payout-${i}:settle-${k + 1}`,
      accountId: ACCOUNT,
      effectiveDate: DATE,
      direction: 'debit',
      amount: { amountMinor, currency: 'EUR' },
      refs: { workflowId: `payout-${i}`, rail: 'bank', attempt: 1, ...refs },
      kind: 'payout_settle',
      ageDays,
    });
  for (let i = 0; i < LINES; i++) {
    const shape = shapeOf(i);
    if (shape === 'fee' || shape === 'dup') continue;
    if (shape === 'batch' || shape === 'split') {
      for (let k = 0; k < 3; k++) item(i, k, amountOf(i, k), { pmtInfId: `PMT-${i}` });
      continue;
    }
    item(i, 0, amountOf(i), { endToEndId: e2eOf(i) }, shape === 'missing' ? 3 : 0);
  }
  return out;
}

async function writeStatement(path: string): Promise<void> {
  const summary = summarize(entries());
  const openingMinor = 100_000_000_000;
  const head: StatementHead = {
    messageId: `BENCH-${DATE}-${LINES}`,
    createdAt: '2026-03-03T06:00:00Z',
    statementId: `BENCH-${DATE.replace(/-/g, '')}-${LINES}`,
    electronicSeqNb: 1,
    from: DATE,
    to: DATE,
    accountIban: IBAN,
    currency: 'EUR',
    openingMinor,
    closingMinor: openingMinor + summary.netMinor,
    summary,
  };
  const out = createWriteStream(path);
  let buf = '';
  for (const chunk of camt053Chunks(head, entries())) {
    buf += chunk;
    if (buf.length < 1 << 16) continue;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  }
  out.end(buf);
  await once(out, 'finish');
}

/** Peak RSS over a phase: sampled every 25 ms and whenever the phase calls `sample()`. */
function peakMeter() {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 25);
  return { sample, stop: () => (clearInterval(timer), sample(), peak) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recon-'));
  const file = join(dir, `camt053-${LINES}.xml`);
  try {
    log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let t = performance.now();
    await writeStatement(file);
    const expected = items();
    log(
      `generated ${LINES} entries (${mib(statSync(file).size)} MiB) and ${expected.length} ledger items, ` +
        `break rate ${BREAK_RATE}, in ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );

    // 1. The floor: the streaming reader alone, lines discarded.
    global.gc?.();
    let meter = peakMeter();
    let cpu0 = process.cpuUsage();
    t = performance.now();
    let floorLines = 0;
    for await (const ev of readCamt053(createReadStream(file, { highWaterMark: 1 << 18 }), { accountId: ACCOUNT }))
      if (ev.kind === 'line') floorLines++;
    const floorS = (performance.now() - t) / 1000;
    const floorCpu = cpuSeconds(cpu0);
    const floorPeak = meter.stop();
    log(
      `floor (parse only): ${floorLines} lines in ${floorS.toFixed(2)} s = ${Math.round(floorLines / floorS)} lines/s ` +
        `(${floorCpu.toFixed(2)} CPU s), peak RSS ${mib(floorPeak)} MiB`,
    );

    // 2. Parse + match, in one process, as the matchChunk activity would.
    global.gc?.();
    meter = peakMeter();
    cpu0 = process.cpuUsage();
    t = performance.now();
    const lines: StatementLine[] = [];
    let statement: MatchInput['statement'];
    let explainedMinor = 0;
    for await (const ev of readCamt053(createReadStream(file, { highWaterMark: 1 << 18 }), { accountId: ACCOUNT })) {
      if (ev.kind === 'line' && lines.push(ev.line) % 10_000 === 0) meter.sample();
      if (ev.kind === 'statementEnd') {
        const check = checkStatement(ev.header, ev.totals);
        for (const f of check.findings)
          if (f.class === 'statement_integrity' && f.amountMinor !== undefined) explainedMinor += f.amountMinor;
        if (ev.header.opening && ev.header.closing)
          statement = {
            currency: ev.header.opening.currency,
            openingMinor: ev.header.opening.amountMinor,
            closingMinor: ev.header.closing.amountMinor,
            explainedMinor,
          };
      }
    }
    const parsedS = (performance.now() - t) / 1000;
    meter.sample();
    const input: MatchInput = {
      accountId: ACCOUNT,
      businessDate: DATE,
      runAtMs: Date.UTC(2026, 2, 3, 7),
      rules: RECON_RULES['2026-12.1'],
      lines,
      items: expected,
      ...(statement ? { statement } : {}),
    };
    const tm = performance.now();
    const result = matchDay(input);
    const matchS = (performance.now() - tm) / 1000;
    const totalS = (performance.now() - t) / 1000;
    const totalCpu = cpuSeconds(cpu0);
    const peak = meter.stop();
    const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);

    const r1 = accountFor(input, result).violations;
    log(
      `parse + match: ${lines.length} lines × ${expected.length} items in ${totalS.toFixed(2)} s ` +
        `(parse ${parsedS.toFixed(2)} s, match ${matchS.toFixed(2)} s) = ${Math.round(lines.length / totalS)} lines/s, ` +
        `${totalCpu.toFixed(2)} CPU s, ${(totalS / floorS).toFixed(2)}× the floor; peak RSS ${mib(peak)} MiB ` +
        `(process max ${maxRssMiB} MiB)`,
    );
    log(
      `result: ${result.matches.length} matches ${JSON.stringify(result.counts.matchesByRule)}, ` +
        `${result.breaks.length} breaks ${JSON.stringify(result.counts.breaksByClass)}, ` +
        `${result.carry.expected.length} expected, drift ${result.tieOut?.driftMinor ?? 'n/a'}; R1/R2 violations ${r1.length}`,
    );
    const ok = totalS <= TARGET_S && maxRssMiB <= TARGET_MIB && r1.length === 0;
    log(
      `targets: ≤ ${TARGET_S} s ${totalS <= TARGET_S ? 'met' : 'MISSED'}, ≤ ${TARGET_MIB} MiB ` +
        `${maxRssMiB <= TARGET_MIB ? 'met' : 'MISSED'}; load now ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    console.log(
      JSON.stringify({
        lines: lines.length,
        items: expected.length,
        breakRate: BREAK_RATE,
        floorSeconds: +floorS.toFixed(3),
        floorCpuSeconds: +floorCpu.toFixed(3),
        parseSeconds: +parsedS.toFixed(3),
        matchSeconds: +matchS.toFixed(3),
        totalSeconds: +totalS.toFixed(3),
        totalCpuSeconds: +totalCpu.toFixed(3),
        ratioToFloor: +(totalS / floorS).toFixed(2),
        linesPerSecond: Math.round(lines.length / totalS),
        peakRssMiB: mib(peak),
        maxRssMiB,
        matches: result.matches.length,
        breaks: result.breaks.length,
        breaksByClass: result.counts.breaksByClass,
        violations: r1.length,
        loadavg: loadavg().map((l) => +l.toFixed(2)),
        ok,
      }),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

void main();
