import { major } from '../decisions/reports/csv';
import { slaCsv, spendCsv } from '../decisions/reports/render';
import type { SpendAnswer } from '../decisions/reports/routes';
import type { SlaReport } from '../decisions/reports/sla';
import { oneOf, required, table } from './cli/args';
import type { DecisionsClient } from './cli/decisions-client';

/**
 * `finance report spend|sla --from <date> --to <date> [--tz <zone>] [--csv|--json]`: the decision service's report
 * (GET /reports/spend|sla, with the caller's token: the service checks the role). `--csv` prints the CSV the console
 * downloads (rendered from the same answer, byte for byte); `--json` the answer; otherwise a summary table.
 */
export async function reportCommand(
  api: DecisionsClient,
  o: { kind: string | undefined; from?: string; to?: string; tz?: string; csv?: boolean; json: boolean },
  out: (text: string) => void,
): Promise<number> {
  const kind = oneOf(required(o.kind, 'kind'), 'kind', ['spend', 'sla'] as const);
  const query = { from: required(o.from, 'from'), to: required(o.to, 'to'), tz: o.tz ?? 'UTC' };
  if (kind === 'spend') {
    const r = await api.get<SpendAnswer>('/reports/spend', query);
    if (o.csv) return (void out(spendCsv(r).replace(/\r\n$/, '')), 0);
    if (o.json) return (void out(JSON.stringify(r, null, 2)), 0);
    const totals = table(
      ['CURRENCY', 'REQUESTS', 'AUTO', 'FINANCE', 'REFUND', 'STORE CREDIT', 'VOUCHER', 'UNDONE', 'NET'],
      r.totals.map((t) => [
        t.currency,
        String(t.count),
        String(t.autoApprovedCount),
        String(t.financeApprovedCount),
        major(t.refundMinor, t.currency),
        major(t.storeCreditMinor, t.currency),
        major(t.voucherMinor, t.currency),
        major(t.undoneMinor, t.currency),
        major(t.netMinor, t.currency),
      ]),
    );
    const reasons = table(
      ['REASON', 'CURRENCY', 'REQUESTS', 'NET'],
      r.groups.reason.map((g) => [g.key, g.currency, String(g.count), major(g.netMinor, g.currency)]),
    );
    const tie = r.tieOut
      ? r.tieOut.currencies
          .map(
            (t) =>
              `ledger tie-out ${t.currency}: ${t.equal ? 'ties out' : `DIFFERS (facts ${t.factsNetMinor}, ledger ${t.ledgerNetMinor})`}`,
          )
          .join('\n')
      : 'ledger tie-out: no ledger configured';
    out(
      `compensation spend ${r.period.from} to ${r.period.to} (${r.period.timezone})\n${totals}\n\n${reasons}\n\n${tie}`,
    );
    return 0;
  }
  const r = await api.get<SlaReport>('/reports/sla', query);
  if (o.csv) return (void out(slaCsv(r).replace(/\r\n$/, '')), 0);
  if (o.json) return (void out(JSON.stringify(r, null, 2)), 0);
  const h = (ms: number | null) => (ms === null ? '-' : `${(ms / 3_600_000).toFixed(1)}h`);
  out(
    `payout service levels ${r.period.from} to ${r.period.to} (${r.period.timezone}): ${r.totals.paidCount} paid of ${r.totals.count}, ${r.totals.breaches} breaches\n` +
      table(
        ['RAIL', 'COUNTRY', 'CLOSED', 'PAID', 'BREACHES', 'P50', 'P95', 'P99'],
        r.byRailCountry.map((s) => [
          s.rail,
          s.country,
          String(s.count),
          String(s.paidCount),
          String(s.breaches),
          h(s.p50Ms),
          h(s.p95Ms),
          h(s.p99Ms),
        ]),
      ),
  );
  return 0;
}
