/**
 * `npm run bench:recon:e2e -- [--lines 100000] [--break-rate 0.005] [--ledger dynamo|generated] [--real-breaks]`: the
 * daily run end to end on a local stack (Temporal dev server and moto as processes, the worker in this process): a
 * large account-day whose camt.053 (written by the bank sandbox's statement writer) and ledger postings agree except
 * for a break mix at `--break-rate` (fees, missing settlements, amounts over the cap). Measures the `reconDay` run from
 * start to result: wall time and history events, against the targets (≤ 120 s, ≤ 1,000 events). Exit 1 when missed.
 *
 * The ledger: `dynamo` (default) writes every settle posting to DynamoDB on moto before the clock starts; `generated`
 * serves the same postings from memory through the ledger port (to separate moto's speed from the run's). The
 * statement is served from a file through the bank statement port (the sandbox's books cannot hold a synthetic day
 * that matches the ledger). Breaks: by default the run's signalWithStart calls are counted, not sent (the break
 * workflow is another part); `--real-breaks` sends them through the worker's client.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { makeAwsClients } from '../activities/adapters/aws';
import type { BankStatementPort } from '../activities/adapters/bank/statements';
import { createDynamoLedger } from '../activities/adapters/ledger/dynamo-ledger';
import type { LedgerPort, NewPosting } from '../activities/adapters/ledger/port';
import { isoIdsFor, payoutPosting } from '../activities/payouts';
import { createActivities } from '../activities';
import { createReconDayActivities } from '../activities/recon-days';
import type { ReconAccount } from '../activities/recon-days/accounts';
import type { BreakClient } from '../activities/recon-days/breaks';
import { CODES } from '../sandboxes/bank/books';
import type { StatementEntry } from '../sandboxes/bank/camt053';
import { u, writeCamt053 } from './recon-statement';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';
import { buildWorkflowBundle } from '../workers/build-bundle';
import { awsOptions } from '../workers/config';
import { dataConverterFor } from '../workers/data-converter';
import { buildDependencies } from '../workers/dependencies';
import { createLongLivedWorker } from '../workers/long-lived';
import { RECON_DAY_WORKFLOW, reconDayWorkflowId, type ReconDayView } from '../workflows/recon-days/contract';
import { idempotencyKey } from '../workflows/shared/task-queue';
import { pool } from './measure';
import { startBenchStack } from './stack';

const USAGE = `usage: npm run bench:recon:e2e -- [--lines <N>] [--break-rate <r>] [--ledger dynamo|generated] [--real-breaks]`;
const args = parseOrExit('bench:recon:e2e', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    {
      lines: { type: 'string' },
      'break-rate': { type: 'string' },
      ledger: { type: 'string' },
      'real-breaks': { type: 'boolean' },
      e2e: { type: 'boolean' },
    },
    z.object({
      lines: wholeNumber(1, 1_000_000).optional(),
      breakRate: z
        .string()
        .regex(/^\d*\.?\d+$/, 'must be a decimal number')
        .transform(Number)
        .pipe(z.number().min(0).max(0.5))
        .optional(),
      ledger: z.enum(['dynamo', 'generated']).default('dynamo'),
      realBreaks: z.boolean().default(false),
      e2e: z.boolean().optional(),
    }),
  ),
).values;
const LINES = args.lines ?? 100_000;
const BREAK_RATE = args.breakRate ?? 0.005;
const TARGET_S = 120;
const TARGET_EVENTS = 1_000;
const DATE = '2026-03-02';
const ACCOUNT: ReconAccount = {
  accountId: 'bench-bank',
  rail: 'bank',
  iban: 'GB33BUKB20201555555555',
  currency: 'EUR',
  timezone: 'UTC',
  statementDeadlineHours: 12,
  pollEveryMinutes: 30,
};
const log = (line: string) => console.log(`[bench:recon:e2e] ${line}`);

type Shape = 'single' | 'fee' | 'missing' | 'over';
const shapeOf = (i: number): Shape =>
  u(i, 1) < BREAK_RATE ? ((['fee', 'missing', 'over'] as const)[i % 3] as Shape) : 'single';
const amountOf = (i: number) => 100 + Math.floor(u(i, 7) * 100_000);
const workflowOf = (i: number) => `bench-recon-payout-${i}`;
const e2eOf = (i: number) => isoIdsFor(idempotencyKey(workflowOf(i), 'initiate')).endToEndId;

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
    if (shape === 'fee') {
      yield { ...base, amountMinor: 250, bankTxCode: CODES.fee, txs: [] };
      continue;
    }
    const e2e = shape === 'missing' ? `UNX-${i}` : e2eOf(i);
    const amountMinor = amountOf(i) + (shape === 'over' ? 1_000 : 0);
    yield { ...base, amountMinor, txs: [{ endToEndId: e2e, amountMinor }] };
  }
}

/** The ledger's settle postings of the day: one per payout the bank should show (a fee has none). */
function posting(i: number): NewPosting | undefined {
  if (shapeOf(i) === 'fee') return undefined;
  return payoutPosting('settle', {
    postingId: idempotencyKey(workflowOf(i), 'settle'),
    creatorId: 'bench-creator',
    amount: { amountMinor: amountOf(i), currency: 'EUR' },
    payoutId: workflowOf(i),
    effectiveDate: DATE,
    refs: { workflowId: workflowOf(i), rail: 'bank', attempt: 1 },
  });
}

const writeStatement = (path: string) =>
  writeCamt053(path, { date: DATE, lines: LINES, iban: ACCOUNT.iban as string, entries });

/** The day's postings from memory, in pages of 1,000, through the ledger port's `postingsOn` (the rest is moto's). */
function generatedLedger(real: LedgerPort): LedgerPort {
  return {
    ...real,
    async postingsOn(date, opts = {}) {
      if (date !== DATE || (opts.scope && opts.scope !== 'bank')) return { items: [] };
      const from = Number(opts.startKey ?? '0');
      const items: NewPosting[] = [];
      for (let i = from; i < Math.min(LINES, from + 1000); i++) {
        const p = posting(i);
        if (p) items.push(p);
      }
      return from + 1000 < LINES ? { items, next: String(from + 1000) } : { items };
    },
  };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recon-e2e-'));
  const file = join(dir, 'statement.xml');
  let t = Date.now();
  await writeStatement(file);
  log(`statement: ${LINES} entries written in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const stack = await startBenchStack({ pspLatencyMs: 0, name: 'recon-e2e', fairness: false });
  try {
    const config = { ...stack.config, TEMPORAL_TASK_QUEUE: 'bench-recon' };
    const aws = makeAwsClients(awsOptions(config));
    const dynamo = createDynamoLedger({ aws, table: config.LEDGER_TABLE });
    if (args.ledger === 'dynamo') {
      t = Date.now();
      const ids = Array.from({ length: LINES }, (_, i) => i);
      await pool(ids, 16, async (i) => {
        const p = posting(i);
        if (p) await dynamo.post(p);
      });
      log(`ledger: ${LINES} settle postings written to DynamoDB (moto) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const bankStatements: BankStatementPort = {
      fetchStatement: async () => ({ available: true, body: createReadStream(file, { highWaterMark: 1 << 16 }) }),
    };
    let signalled = 0;
    const counting: BreakClient = {
      workflow: {
        signalWithStart: async () => void signalled++,
        getHandle: () => ({ signal: async () => undefined }),
      },
    };
    const deps = buildDependencies(config, {
      reconAccounts: [ACCOUNT],
      bankStatements,
      ...(args.ledger === 'generated' ? { ledger: generatedLedger(dynamo) } : {}),
    });
    t = Date.now();
    const bundle = await buildWorkflowBundle(join(dir, 'workflow-bundle.js'), 'local');
    log(`workflow bundle built in ${((Date.now() - t) / 1000).toFixed(1)} s (not measured)`);
    const { worker, connection: workerConnection } = await createLongLivedWorker({
      config,
      deps,
      workflowBundlePath: bundle,
      extraActivities: {
        ...createActivities(deps),
        ...(args.realBreaks ? {} : createReconDayActivities(deps, { client: () => counting })),
      },
    });
    const running = worker.run();
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFor(config),
    });
    try {
      const cpu0 = process.cpuUsage();
      t = Date.now();
      const handle = await client.workflow.start(RECON_DAY_WORKFLOW, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: reconDayWorkflowId(ACCOUNT.accountId, DATE),
        args: [{ accountId: ACCOUNT.accountId, businessDate: DATE }],
      });
      const view = (await handle.result()) as ReconDayView;
      const seconds = (Date.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const events = ((await handle.fetchHistory()).events ?? []).length;
      const ok = seconds <= TARGET_S && events <= TARGET_EVENTS && view.phase === 'done';
      log(
        `reconDay ${LINES} lines / ${view.counts?.items} ledger items: ${seconds.toFixed(1)} s wall ` +
          `(${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s in this process), ${events} history events; ` +
          `matched ${view.counts?.matchedLines} lines, ${view.counts?.breaks} breaks ${JSON.stringify(view.counts?.breaksByClass)}, ` +
          `${args.realBreaks ? 'sent' : `counted ${signalled}`} break signals; ledger ${args.ledger}; ` +
          `load ${loadavg()[0]?.toFixed(1)}; targets ≤ ${TARGET_S} s and ≤ ${TARGET_EVENTS} events: ${ok ? 'met' : 'MISSED'}`,
      );
      console.log(JSON.stringify({ lines: LINES, seconds, events, counts: view.counts, ledger: args.ledger, ok }));
      return ok ? 0 : 1;
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    }
  } finally {
    await stack.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
