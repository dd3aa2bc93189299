import { until } from './admin';
import { pool } from './payouts';
import { lastRailCallAt, type Row } from './row';
import type { ChaosStack } from './stack';

/** One row's figures, as the table and the final JSON line show them. */
export interface RowResult {
  fault: string;
  n: number;
  duplicates: number;
  lost: number;
  ledgerBreaks: number;
  /** The row's own expectations that did not hold (see `Verdicts.unmet`). */
  unmet?: number;
  wallMs: number;
  findings: string[];
  outcomes?: Record<string, number>;
  error?: string;
}

/** Runs the rows one after another on one stack (payouts within a row run in parallel); `log` gets a line per row. */
export async function runMatrix(
  stack: ChaosStack,
  rows: Row[],
  n: number,
  log: (line: string) => void = () => undefined,
): Promise<RowResult[]> {
  const runTag = `x${Date.now().toString(36)}`;
  const results: RowResult[] = [];
  const profile = !!process.env['PAYOPS_CHAOS_PROFILE'];
  for (const [i, row] of rows.entries()) {
    const started = Date.now();
    const phases: Array<[string, number]> = [];
    let lap = started;
    const mark = (phase: string) => {
      const now = Date.now();
      phases.push([phase, now - lap]);
      lap = now;
    };
    let r: RowResult;
    try {
      const v = await row.run({ stack, n, tag: `${runTag}r${i}`, returned: new Set(), mark });
      r = { fault: row.name, n, ...v, wallMs: 0 };
    } catch (err) {
      // A row that cannot finish counts as a loss: its payouts were not proven.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      const error = err instanceof Error ? `${err.message}${cause}` : String(err);
      r = { fault: row.name, n, duplicates: 0, lost: n, ledgerBreaks: 0, wallMs: 0, findings: [], error };
    }
    mark('run');
    // Rails still busy after the barrier would spill into the next row's counts: the row fails, naming it.
    if (!(await closeRow(stack, `${runTag}r${i}`)))
      r.error = `${r.error ? `${r.error}; ` : ''}the rails never went quiet for ${QUIET_MS} ms after the row`;
    mark('close');
    // The row's time includes its barrier: that is what the next row waits for.
    r.wallMs = Date.now() - started;
    results.push(r);
    const detail = profile ? ` [${phases.map(([p, ms]) => `${p} ${(ms / 1000).toFixed(1)}`).join(', ')}]` : '';
    log(`${rowLine(r)}${detail}`);
    for (const f of r.findings.slice(0, 5)) log(`         ${f}`);
  }
  return results;
}

/** Payouts a row left parked as "outcome unknown" (waiting for ops to look at the rail). */
const unknownOutcomes = (r: RowResult) =>
  Object.entries(r.outcomes ?? {})
    .filter(([k]) => k.includes('awaiting_confirmation'))
    .reduce((sum, [, v]) => sum + v, 0);

/** A row holds when nothing was duplicated, lost or broken in the ledger, and what it is about held. */
export const rowHeld = (r: RowResult) =>
  r.duplicates === 0 && r.lost === 0 && r.ledgerBreaks === 0 && !r.unmet && !r.error;

/** One line per finished row: what it found and how long it took (the barrier after it included). */
export const rowLine = (r: RowResult) =>
  `[chaos] ${r.fault}: N ${r.n}, duplicates ${r.duplicates}, lost ${r.lost}, unknown ${unknownOutcomes(r)}, ` +
  `ledger breaks ${r.ledgerBreaks}${r.unmet ? `, unmet ${r.unmet}` : ''}, ${(r.wallMs / 1000).toFixed(1)} s${r.error ? ` (${r.error})` : ''}`;

/**
 * The barrier between rows: terminates whatever the row left running (parked cases, or a row that failed) and waits
 * until the rails have been quiet for two seconds, so no call a row started lands in the next row's counts.
 */
async function closeRow(stack: ChaosStack, tag: string): Promise<boolean> {
  const open: string[] = [];
  for await (const w of stack.client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
    if (w.workflowId.includes(`${tag}-`)) open.push(w.workflowId);
  await pool(open, 16, (id) =>
    stack.client.workflow
      .getHandle(id)
      .terminate('chaos row over')
      .catch(() => undefined),
  );
  // Quiet since the last call arrived (the sandboxes stamp each call), not since the barrier began: a row whose checks
  // already outlasted the quiet period moves on at once.
  return until(async () => Date.now() - (await lastRailCallAt(stack)) >= QUIET_MS, 60_000, 250);
}

/** How long the rails must have seen no call before the next row may count them. */
const QUIET_MS = 2_000;

/** The table: fault, N, duplicates, lost, ledger breaks, unmet expectations, wall time. */
export function formatTable(results: RowResult[]): string {
  const head = ['fault', 'N', 'duplicates', 'lost', 'ledger breaks', 'unmet', 'wall s'];
  const rows = results.map((r) =>
    [r.fault, r.n, r.duplicates, r.lost, r.ledgerBreaks, r.unmet ?? 0, (r.wallMs / 1000).toFixed(1)].map(String),
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
    ok: results.every(rowHeld),
  });
