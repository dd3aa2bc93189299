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
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readCamt053 } from '../activities/adapters/bank/camt053';
import { checkStatement } from '../activities/adapters/bank/camt053-integrity';
import { CODES } from '../sandboxes/bank/books';
import type { StatementEntry } from '../sandboxes/bank/camt053';
import { u, writeCamt053 } from './recon-statement';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';
import { RECON_RULES, type ExpectedItem, type StatementLine } from '../workflows/recon/contract';
import { accountFor } from '../workflows/recon/invariants';
import { matchDay, type MatchInput } from '../workflows/recon/policy';

const USAGE = `usage: npm run bench:recon -- [--lines <N>] [--break-rate <r>] [--keep]
  --lines <N>        statement entries (default 100000)
  --break-rate <r>   share of entries that become breaks, 0…0.5 (default 0.005)
  --keep             keep the generated camt.053 file
  --e2e              the daily run end to end on a local stack instead (bench/recon-e2e.ts; its own flags follow)`;

// `--e2e`: the daily run end to end on a local stack (bench/recon-e2e.ts), in a process of its own with a larger heap.
if (process.argv.includes('--e2e')) {
  const rest = process.argv.slice(2).filter((a) => a !== '--e2e');
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=1536', '--import', 'tsx', join(__dirname, 'recon-e2e.ts'), ...rest],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const args = parseOrExit('bench:recon', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    {
      lines: { type: 'string' },
      'break-rate': { type: 'string' },
      keep: { type: 'boolean' },
      // Internal: one measured phase in a child process.
      phase: { type: 'string' },
      file: { type: 'string' },
    },
    z.object({
      lines: wholeNumber(1, 2_000_000).optional(),
      breakRate: z
        .string()
        .regex(/^\d*\.?\d+$/, 'must be a decimal number')
        .transform(Number)
        .pipe(z.number().min(0, 'must be at least 0').max(0.5, 'must be at most 0.5'))
        .optional(),
      keep: z.boolean().default(false),
      phase: z.enum(['floor', 'match']).optional(),
      file: z.string().optional(),
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

const writeStatement = (path: string) => writeCamt053(path, { date: DATE, lines: LINES, iban: IBAN, entries });

/** Peak RSS over a phase: sampled every 25 ms and whenever the phase calls `sample()`. */
function peakMeter() {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 25);
  return { sample, stop: () => (clearInterval(timer), sample(), peak) };
}

interface PhaseReport {
  phase: 'floor' | 'match';
  lines: number;
  items: number;
  seconds: number;
  cpuSeconds: number;
  parseSeconds: number;
  matchSeconds: number;
  /** RSS of the phase's process: at start (modules loaded), sampled peak, and the kernel's max. */
  baseRssMiB: number;
  peakRssMiB: number;
  maxRssMiB: number;
  liveHeapMiB?: number;
  matches?: number;
  breaks?: number;
  breaksByClass?: Record<string, number>;
  expected?: number;
  driftMinor?: number;
  violations?: number;
}

/**
 * One measured phase, in a process of its own (spawned by `main`), so that each phase's peak RSS is its own and not the
 * garbage an earlier phase left in the heap. `match` also builds the ledger items first (outside the clock: loading
 * them is the ledger's part), since the matcher holds them.
 */
async function phase(which: 'floor' | 'match', file: string): Promise<PhaseReport> {
  const expected = which === 'match' ? items() : [];
  global.gc?.();
  const baseRss = process.memoryUsage.rss();
  const meter = peakMeter();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const lines: StatementLine[] = [];
  let count = 0;
  let statement: MatchInput['statement'];
  for await (const ev of readCamt053(createReadStream(file, { highWaterMark: 1 << 18 }), { accountId: ACCOUNT })) {
    if (ev.kind === 'line') {
      if (which === 'match') lines.push(ev.line);
      if (++count % 10_000 === 0) meter.sample();
    }
    if (ev.kind === 'statementEnd' && which === 'match') {
      let explainedMinor = 0;
      for (const f of checkStatement(ev.header, ev.totals).findings)
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
  const parseS = (performance.now() - t) / 1000;
  if (which === 'floor') {
    const peak = meter.stop();
    return {
      phase: which,
      lines: count,
      items: 0,
      seconds: parseS,
      cpuSeconds: cpuSeconds(cpu0),
      parseSeconds: parseS,
      matchSeconds: 0,
      baseRssMiB: mib(baseRss),
      peakRssMiB: mib(peak),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }
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
  const seconds = (performance.now() - t) / 1000;
  const cpu = cpuSeconds(cpu0);
  const peak = meter.stop();
  const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  // What the run really holds (lines, items, the result) once garbage is collected.
  global.gc?.();
  const liveHeapMiB = global.gc ? mib(process.memoryUsage().heapUsed) : undefined;
  const violations = accountFor(input, result).violations.length;
  return {
    phase: which,
    lines: lines.length,
    items: expected.length,
    seconds,
    cpuSeconds: cpu,
    parseSeconds: parseS,
    matchSeconds: matchS,
    baseRssMiB: mib(baseRss),
    peakRssMiB: mib(peak),
    maxRssMiB,
    ...(liveHeapMiB !== undefined ? { liveHeapMiB } : {}),
    matches: result.matches.length,
    breaks: result.breaks.length,
    breaksByClass: result.counts.breaksByClass,
    expected: result.carry.expected.length,
    driftMinor: result.tieOut?.driftMinor ?? 0,
    violations,
  };
}

function runPhase(which: 'floor' | 'match', file: string): PhaseReport {
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] as string,
      '--phase',
      which,
      '--file',
      file,
      '--lines',
      String(LINES),
      '--break-rate',
      String(BREAK_RATE),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{'))
    throw new Error(`phase ${which} failed (exit ${child.status ?? child.signal}): ${child.stdout.slice(-500)}`);
  return JSON.parse(last) as PhaseReport;
}

async function main() {
  if (args.phase) {
    console.log(JSON.stringify(await phase(args.phase, args.file ?? '')));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-recon-'));
  const file = join(dir, `camt053-${LINES}.xml`);
  try {
    const load0 = loadavg();
    log(`machine: ${cpus().length} cores, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
    const t = performance.now();
    await writeStatement(file);
    log(
      `generated ${LINES} entries (${mib(statSync(file).size)} MiB), break rate ${BREAK_RATE}, ` +
        `in ${((performance.now() - t) / 1000).toFixed(2)} s; each phase runs in a fresh process`,
    );

    const floor = runPhase('floor', file);
    log(
      `floor (parse only): ${floor.lines} lines in ${floor.seconds.toFixed(2)} s = ` +
        `${Math.round(floor.lines / floor.seconds)} lines/s (${floor.cpuSeconds.toFixed(2)} CPU s), ` +
        `RSS ${floor.baseRssMiB} → peak ${floor.maxRssMiB} MiB`,
    );
    const m = runPhase('match', file);
    log(
      `parse + match: ${m.lines} lines × ${m.items} items in ${m.seconds.toFixed(2)} s (parse ` +
        `${m.parseSeconds.toFixed(2)} s, match ${m.matchSeconds.toFixed(2)} s) = ${Math.round(m.lines / m.seconds)} ` +
        `lines/s, ${m.cpuSeconds.toFixed(2)} CPU s, ${(m.seconds / floor.seconds).toFixed(2)}× the floor ` +
        `(${(m.cpuSeconds / floor.cpuSeconds).toFixed(2)}× in CPU); RSS ${m.baseRssMiB} → peak ${m.maxRssMiB} MiB` +
        (m.liveHeapMiB !== undefined ? `, live heap after GC ${m.liveHeapMiB} MiB` : ''),
    );
    log(
      `result: ${m.matches} matches, ${m.breaks} breaks ${JSON.stringify(m.breaksByClass)}, ${m.expected} expected, ` +
        `drift ${m.driftMinor}; R1/R2 violations ${m.violations}`,
    );
    const load1 = loadavg();
    const ok = m.seconds <= TARGET_S && m.maxRssMiB <= TARGET_MIB && m.violations === 0;
    log(
      `targets: ≤ ${TARGET_S} s ${m.seconds <= TARGET_S ? 'met' : 'MISSED'}, ≤ ${TARGET_MIB} MiB ` +
        `${m.maxRssMiB <= TARGET_MIB ? 'met' : 'MISSED'}; load now ${load1.map((l) => l.toFixed(2)).join(' ')} ` +
        `(wall time on a loaded machine includes waiting for a core: CPU seconds are the load-free figure)`,
    );
    console.log(JSON.stringify({ breakRate: BREAK_RATE, floor, match: m, loadavg: [load0, load1], ok }));
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
