import type { ReportsPort } from './adapters/reports/port';

export interface RunReportRow {
  payoutId: string;
  outcome: string;
  errorCode?: string;
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Activities of the batch payout run: its CSV summary in S3, written in parts so no payload grows with the run. */
export function createPayoutRunActivities(deps: { reports: ReportsPort }) {
  return {
    async writeRunReportPart(input: { runKey: string; part: number; rows: RunReportRow[] }): Promise<{ key: string }> {
      const body = input.rows.map((r) => [r.payoutId, r.outcome, r.errorCode ?? ''].map(csvCell).join(',')).join('\n');
      return deps.reports.put(
        `runs/${input.runKey}/parts/${String(input.part).padStart(5, '0')}.csv`,
        body,
        'text/csv',
      );
    },
    async finalizeRunReport(input: {
      runKey: string;
      parts: number;
      counts: Record<string, number>;
    }): Promise<{ key: string }> {
      const lines = ['payout_id,outcome,error_code'];
      for (let part = 0; part < input.parts; part++) {
        const body = await deps.reports.get(`runs/${input.runKey}/parts/${String(part).padStart(5, '0')}.csv`);
        if (body) lines.push(body);
      }
      const summary = Object.entries(input.counts).map(([k, v]) => `# ${k}=${v}`);
      return deps.reports.put(`runs/${input.runKey}/summary.csv`, [...lines, ...summary].join('\n') + '\n', 'text/csv');
    },
  };
}
