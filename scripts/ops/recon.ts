import type { PreviewResult, ReconDayReport } from '../../decisions/recon-days';
import { oneOf, required, table, UsageError, type Io } from '../cli/args';
import { pathOf, type DecisionsClient } from '../cli/decisions-client';

export type { PreviewResult, ReconDayReport } from '../../decisions/recon-days';

/** `recon day|rerun|preview <account> <date>`: the daily reconciliation's ops surface (docs/runbook.md). */
export const RECON_ACTIONS = ['day', 'rerun', 'preview'] as const;
export type ReconAction = (typeof RECON_ACTIONS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Runs one `recon` action through the decision service; returns the exit code. */
export async function reconCommand(
  cmd: {
    args: Record<string, string>;
    values: { rules?: string | undefined; reason?: string | undefined };
    json: boolean;
  },
  api: DecisionsClient,
  io: Io,
): Promise<number> {
  const action = oneOf(cmd.args['action'] ?? '', 'action', RECON_ACTIONS);
  const account = cmd.args['account'] ?? '';
  const date = cmd.args['date'] ?? '';
  if (!DATE.test(date)) throw new UsageError('<date>', `must be a business date written YYYY-MM-DD, got ${date}`);
  const print = (value: unknown, text: string) => io.out(cmd.json ? JSON.stringify(value, null, 2) : text);
  const day = pathOf('recon', 'days', account, date);
  if (action === 'day') {
    const report = await api.get<ReconDayReport>(day);
    print(report, renderDay(report));
    return 0;
  }
  if (action === 'preview') {
    const rules = required(cmd.values.rules, 'rules');
    const preview = await api.get<PreviewResult>(`${day}/preview`, { rules });
    print(preview, renderPreview(preview));
    return 0;
  }
  const reason = required(cmd.values.reason, 'reason');
  const v = await api.command<{ workflowId: string; rerun: number }>(`${day}/rerun`, { reason });
  if (!v.accepted) {
    io.err(`ops: refused: ${v.code}: ${v.message}`);
    return 1;
  }
  print(
    v.value,
    `re-run ${v.value.rerun} of ${account} ${date} started: ${v.value.workflowId}\n(npx payops-ops recon day ${account} ${date} shows it when done; its summary digest must equal the first run's)`,
  );
  return 0;
}

/** A day as ops read it: the statement, the counts, the breaks by class, the tie-out and every run. */
export function renderDay(r: ReconDayReport): string {
  const lines = [`reconciliation of ${r.accountId} for ${r.businessDate}`];
  const s = r.summary as
    | (ReconDayReport['summary'] & {
        statement?: Record<string, unknown>;
        tieOut?: Record<string, number>;
        digests?: Record<string, string>;
      })
    | undefined;
  if (!s) lines.push('  not reconciled yet (no summary): see the runs below');
  else {
    const st = s.statement ?? {};
    lines.push(
      st['missing']
        ? '  statement: MISSING (statement_missing break)'
        : `  statement: ${String(st['lines'])} lines (${String(st['notBooked'])} not booked), ${String(st['delivery'])}, sha256 ${String(st['sha256']).slice(0, 16)}`,
    );
    const c = s.counts;
    lines.push(
      `  matched: ${c.matchedLines} lines / ${c.matchedItems} ledger items; still expected: ${c.expectedItems}; adjustments posted: ${c.adjustmentsPosted}; carried breaks closed: ${c.closedCarried}`,
      `  rule version: ${s.ruleVersion}`,
    );
    if (s.tieOut)
      lines.push(
        `  tie-out: opening ${s.tieOut['openingMinor']} + booked ${s.tieOut['bookedNetMinor']} = closing ${s.tieOut['closingMinor']}; drift ${s.tieOut['driftMinor']}`,
      );
    const byClass = Object.entries(c.breaksByClass ?? {});
    lines.push(
      byClass.length
        ? table(
            ['BREAK CLASS', 'COUNT'],
            byClass.map(([k, n]) => [k, String(n)]),
          )
        : '  breaks: none',
    );
  }
  if (r.runs.length)
    lines.push(
      '',
      table(
        ['RUN', 'STATUS', 'STARTED'],
        r.runs.map((x) => [x.workflowId, x.status, x.startTime]),
      ),
    );
  return lines.join('\n');
}

/** What a rule version would change, without writing anything. */
export function renderPreview(p: PreviewResult): string {
  const lines = [
    `preview of ${p.accountId} ${p.businessDate}: rules ${p.storedVersion} (stored) → ${p.previewVersion} (dry run, nothing written)`,
  ];
  if (p.same) lines.push('  no difference: the same matches and breaks');
  lines.push(
    `  matched lines ${p.before.matchedLines} → ${p.after.matchedLines}; breaks ${p.before.breaks} → ${p.after.breaks}; matches +${p.matches.added} −${p.matches.removed}`,
  );
  for (const b of p.breaks.added) lines.push(`  + ${b.class} ${b.amountMinor} ${b.breakId.slice(0, 16)}: ${b.reason}`);
  for (const b of p.breaks.removed)
    lines.push(`  − ${b.class} ${b.amountMinor} ${b.breakId.slice(0, 16)}: ${b.reason}`);
  return lines.join('\n');
}
