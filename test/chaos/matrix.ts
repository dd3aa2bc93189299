import { until } from './admin';
import { pool } from './payouts';
import { railCallCount, type Row } from './row';
import type { ChaosStack } from './stack';

/** One row's figures, as the table and the final JSON line show them. */
export interface RowResult {
  fault: string;
  n: number;
  duplicates: number;
  lost: number;
  ledgerBreaks: number;
  wallMs: number;
  findings: string[];
  outcomes?: Record<string, number>;
  error?: string;
}

/** Runs the rows one after another on one stack (payouts within a row run in parallel). */
export async function runMatrix(
  stack: ChaosStack,
  rows: Row[],
  n: number,
  log: (line: string) => void = () => undefined,
): Promise<RowResult[]> {
  const runTag = `x${Date.now().toString(36)}`;
  const results: RowResult[] = [];
  for (const [i, row] of rows.entries()) {
    const started = Date.now();
    log(`[chaos] ${row.name} (n=${n}) …`);
    try {
      const v = await row.run({ stack, n, tag: `${runTag}r${i}`, returned: new Set() });
      results.push({ fault: row.name, n, ...v, wallMs: Date.now() - started });
    } catch (err) {
      // A row that cannot finish counts as a loss: its payouts were not proven.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      const error = err instanceof Error ? `${err.message}${cause}` : String(err);
      results.push({
        fault: row.name,
        n,
        duplicates: 0,
        lost: n,
        ledgerBreaks: 0,
        wallMs: Date.now() - started,
        findings: [],
        error,
      });
    }
    await closeRow(stack, `${runTag}r${i}`);
    const r = results[results.length - 1] as RowResult;
    log(
      `[chaos] ${row.name}: dup ${r.duplicates}, lost ${r.lost}, ledger ${r.ledgerBreaks}, ${r.wallMs} ms${r.error ? ` (${r.error})` : ''}`,
    );
    for (const f of r.findings.slice(0, 5)) log(`         ${f}`);
  }
  return results;
}

/**
 * The barrier between rows: terminates whatever the row left running (parked cases, or a row that failed) and waits
 * until the rails have been quiet for two seconds, so no call a row started lands in the next row's counts.
 */
async function closeRow(stack: ChaosStack, tag: string): Promise<void> {
  const open: string[] = [];
  for await (const w of stack.client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
    if (w.workflowId.includes(`${tag}-`)) open.push(w.workflowId);
  await pool(open, 16, (id) =>
    stack.client.workflow
      .getHandle(id)
      .terminate('chaos row over')
      .catch(() => undefined),
  );
  let last = -1;
  let quietSince = Date.now();
  await until(
    async () => {
      const calls = await railCallCount(stack);
      if (calls !== last) [last, quietSince] = [calls, Date.now()];
      return Date.now() - quietSince >= 2_000;
    },
    60_000,
    500,
  );
}

/** The table: fault, N, duplicates, lost, ledger breaks, wall time. */
export function formatTable(results: RowResult[]): string {
  const head = ['fault', 'N', 'duplicates', 'lost', 'ledger breaks', 'wall s'];
  const rows = results.map((r) =>
    [r.fault, r.n, r.duplicates, r.lost, r.ledgerBreaks, (r.wallMs / 1000).toFixed(1)].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The final JSON line: every row's figures (findings trimmed). */
export const jsonLine = (results: RowResult[]) =>
  JSON.stringify({
    chaos: results.map(({ findings, ...r }) => ({ ...r, findings: findings.slice(0, 10) })),
    ok: results.every((r) => r.duplicates === 0 && r.lost === 0 && r.ledgerBreaks === 0),
  });
