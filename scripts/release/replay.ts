import type { DataConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { NamedHistory } from './histories';

/** One failed replay: which workflow, and why (the SDK's determinism or replay error). */
export interface ReplayFailure {
  source: string;
  workflowId: string;
  reason: string;
}

/** Per workflow type: how many histories replayed cleanly and which failed. */
export interface TypeReport {
  replayed: number;
  failed: ReplayFailure[];
}

/** The gate's verdict: per type, and whether anything was non-deterministic. */
export interface ReplayReport {
  byType: Record<string, TypeReport>;
  total: number;
  failures: number;
}

/** Histories grouped by where they came from (`recorded`, `namespace:<ns>`), replayed as one batch each. */
export type HistorySource = { source: string; histories: NamedHistory[] };

/**
 * Replays every history against the bundle with one replay worker per source (`Worker.runReplayHistories`: the
 * bundle's workflow code, never a live worker). `dataConverter` decodes encrypted payloads, as the workers do.
 */
export async function replayAgainstBundle(
  bundlePath: string,
  sources: HistorySource[],
  dataConverter?: DataConverter,
): Promise<ReplayReport> {
  const report: ReplayReport = { byType: {}, total: 0, failures: 0 };
  for (const { source, histories } of sources) {
    if (histories.length === 0) continue;
    const typeOf = new Map(histories.map((h) => [h.workflowId, h.workflowType]));
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: bundlePath }, dataConverter, replayName: `gate-${source}` },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    for await (const result of results) {
      const type = typeOf.get(result.workflowId) ?? 'unknown';
      const entry = (report.byType[type] ??= { replayed: 0, failed: [] });
      report.total += 1;
      if (result.error) {
        report.failures += 1;
        entry.failed.push({ source, workflowId: result.workflowId, reason: errorText(result.error) });
      } else {
        entry.replayed += 1;
      }
    }
  }
  return report;
}

/** Several reports (one per bundle) as one. */
export function mergeReports(reports: ReplayReport[]): ReplayReport {
  const merged: ReplayReport = { byType: {}, total: 0, failures: 0 };
  for (const r of reports) {
    merged.total += r.total;
    merged.failures += r.failures;
    for (const [type, t] of Object.entries(r.byType)) {
      const entry = (merged.byType[type] ??= { replayed: 0, failed: [] });
      entry.replayed += t.replayed;
      entry.failed.push(...t.failed);
    }
  }
  return merged;
}

function errorText(err: Error): string {
  return `${err.name}: ${err.message}`.replace(/\s+/g, ' ').slice(0, 500);
}

/** The report as the gate prints it: a line per type, then each failure with its workflow ID and reason. */
export function formatReport(report: ReplayReport): string {
  const lines = Object.entries(report.byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([type, { replayed, failed }]) => [
      `${type}: ${replayed} replayed, ${failed.length} failed`,
      ...failed.map((f) => `  FAILED ${f.workflowId} (${f.source}): ${f.reason}`),
    ]);
  const verdict = report.failures
    ? `replay gate: FAILED — ${report.failures} of ${report.total} histories are not deterministic on this bundle`
    : `replay gate: passed — ${report.total} histories replayed`;
  return [...lines, verdict].join('\n');
}
