import type { Context, Hono } from 'hono';
import { html, raw } from 'hono/html';
import { major } from '../reports/csv';
import { slaChart, slaCsv, slaJson, spendCharts, spendCsv } from '../reports/render';
import { SLA_READERS, SPEND_READERS, type SpendAnswer } from '../reports/routes';
import type { SlaReport } from '../reports/sla';
import { SPEND_DIMENSIONS, type SpendDimension } from '../reports/spend';
import { read } from './api';
import { holdsAny, page, requireAny, table, type ConsoleEnv, type Markup } from './layout';

/**
 * The reports pages: compensation spend (finance) and payout service levels (ops, compliance, finance), each with its
 * chart (SVG rendered here: the policy allows no script), its tables and CSV/JSON downloads. Every figure comes from
 * the decision service's own report endpoints, called with the person's token (reports/routes.ts), so the API's
 * role check is the one that counts; the downloads are rendered from that same answer, byte for byte what the API
 * and the CLI give.
 */

const DIMENSION_LABELS: Record<SpendDimension, string> = {
  reason: 'Reason',
  agent: 'Agent',
  team: 'Team',
  instrument: 'Instrument',
  order: 'Order',
  policyVersion: 'Policy version',
  tier: 'Tier',
  approval: 'Auto vs finance-approved',
};

/** The period asked for, or this UTC month. */
function asked(c: Context<ConsoleEnv>) {
  const q = Object.fromEntries(new URL(c.req.url).searchParams);
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const from = q['from'] || first.toISOString().slice(0, 10);
  const to = q['to'] || next.toISOString().slice(0, 10);
  const tz = q['tz'] || 'UTC';
  const by = (SPEND_DIMENSIONS as readonly string[]).includes(q['by'] ?? '') ? (q['by'] as SpendDimension) : 'reason';
  const query = new URLSearchParams({ from, to, tz }).toString();
  return { from, to, tz, by, query };
}

const periodForm = (action: string, a: ReturnType<typeof asked>, withDimension: boolean): Markup =>
  html`<form method="get" action="${action}" class="action">
    <label>From (first day) <input type="date" name="from" value="${a.from}" required /></label>
    <label>To (day after the last) <input type="date" name="to" value="${a.to}" required /></label>
    <label>Time zone (IANA) <input type="text" name="tz" value="${a.tz}" required /></label>
    ${
      withDimension
        ? html`<label
            >Group by
            <select name="by">
              ${SPEND_DIMENSIONS.map(
                (d) => html`<option value="${d}" ${d === a.by ? 'selected' : ''}>${DIMENSION_LABELS[d]}</option>`,
              )}
            </select></label
          >`
        : ''
    }
    <button type="submit">Show</button>
  </form>`;

const amount = (minor: number, currency: string) => `${major(minor, currency)} ${currency}`;

const downloadFile = (c: Context<ConsoleEnv>, name: string, body: string, type: string) =>
  c.body(body, 200, {
    'content-type': `${type}; charset=utf-8`,
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });

export function reportPages(app: Hono<ConsoleEnv>): void {
  app.get('/reports', (c) => {
    const staff = c.get('staff');
    requireAny(staff, SLA_READERS, 'Reports');
    const links = [
      ...(holdsAny(staff, SPEND_READERS) ? [{ href: '/console/reports/spend', label: 'Compensation spend' }] : []),
      { href: '/console/reports/sla', label: 'Payout service levels' },
    ];
    return c.html(
      page(
        { title: 'Reports', staff, csrf: c.get('session').csrf },
        html`<ul>
          ${links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}
        </ul>`,
      ),
    );
  });

  const spendOf = (c: Context<ConsoleEnv>, query: string) =>
    read<SpendAnswer>(c.get('api'), `/reports/spend?${query}&format=json`);

  app.get('/reports/spend.csv', async (c) => {
    requireAny(c.get('staff'), SPEND_READERS, 'The spend report');
    const a = asked(c);
    return downloadFile(c, `compensation-spend_${a.from}_${a.to}.csv`, spendCsv(await spendOf(c, a.query)), 'text/csv');
  });
  app.get('/reports/spend.json', async (c) => {
    requireAny(c.get('staff'), SPEND_READERS, 'The spend report');
    const a = asked(c);
    const body = `${JSON.stringify(await spendOf(c, a.query), null, 2)}\n`;
    return downloadFile(c, `compensation-spend_${a.from}_${a.to}.json`, body, 'application/json');
  });
  app.get('/reports/spend', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, SPEND_READERS, 'The spend report');
    const a = asked(c);
    const r = await spendOf(c, a.query);
    const totals = table(
      `Totals per currency, ${r.period.from} to ${r.period.to} (${r.period.timezone})`,
      [
        'Currency',
        'Requests',
        'Auto-approved',
        'Finance-approved',
        'Failed',
        'Refund',
        'Store credit',
        'Voucher',
        'Undone',
        'Net',
      ],
      r.totals.map((t) => [
        t.currency,
        String(t.count),
        String(t.autoApprovedCount),
        String(t.financeApprovedCount),
        String(t.failedCount),
        amount(t.refundMinor, t.currency),
        amount(t.storeCreditMinor, t.currency),
        amount(t.voucherMinor, t.currency),
        amount(t.undoneMinor, t.currency),
        amount(t.netMinor, t.currency),
      ]),
      'No compensation was booked in this period.',
    );
    const groups = table(
      `Net spend by ${DIMENSION_LABELS[a.by].toLowerCase()}`,
      [DIMENSION_LABELS[a.by], 'Currency', 'Requests', 'Total', 'Undone', 'Net'],
      r.groups[a.by].map((g) => [
        g.key,
        g.currency,
        String(g.count),
        amount(g.totalMinor, g.currency),
        amount(g.undoneMinor, g.currency),
        amount(g.netMinor, g.currency),
      ]),
      'No groups.',
    );
    const budgets = table(
      'Budget use',
      ['Budget', 'Scope', 'Month', 'Limit', 'Consumed', 'Remaining', 'Use'],
      r.budgets.map((b) => [
        b.budgetId,
        b.scope,
        b.month,
        amount(b.limitMinor, b.currency),
        amount(b.consumedMinor, b.currency),
        amount(b.remainingMinor, b.currency),
        `${(b.utilizationBp / 100).toFixed(2)} %${b.overLimit ? ' (over the limit)' : ''}`,
      ]),
      'No budgets.',
    );
    const tie = r.tieOut
      ? table(
          `Tie-out to the ledger (UTC days ${r.tieOut.fromDay} to ${r.tieOut.toDay})`,
          ['Currency', 'Facts (net)', 'Ledger comp:expense', 'Ties out'],
          r.tieOut.currencies.map((t) => [
            t.currency,
            amount(t.factsNetMinor, t.currency),
            amount(t.ledgerNetMinor, t.currency),
            t.equal ? 'yes' : 'NO',
          ]),
          'Nothing booked on these days.',
        )
      : html`<p>No ledger is configured for the tie-out.</p>`;
    return c.html(
      page(
        { title: 'Compensation spend', staff, csrf: c.get('session').csrf },
        html`${periodForm('/console/reports/spend', a, true)}
          <p>
            Downloads:
            <a href="/console/reports/spend.csv?${a.query}" download>CSV</a>
            · <a href="/console/reports/spend.json?${a.query}" download>JSON</a>
          </p>
          ${totals}
          ${spendCharts(r, a.by).map(
            (svg, i) =>
              html`<figure class="chart">
                <figcaption>
                  Net spend by ${DIMENSION_LABELS[a.by].toLowerCase()}, ${r.totals[i]?.currency ?? ''}
                </figcaption>
                ${raw(svg)}
              </figure>`,
          )}
          ${groups}
          <p>
            Agent-days over the policy's daily auto-approval budget: ${String(r.agentDailyBudget.overBudget)} of
            ${String(r.agentDailyBudget.agentDays)} (highest use
            ${(r.agentDailyBudget.maxUtilizationBp / 100).toFixed(2)} %).
          </p>
          ${budgets} ${tie}`,
      ),
    );
  });

  const slaOf = (c: Context<ConsoleEnv>, query: string) =>
    read<SlaReport>(c.get('api'), `/reports/sla?${query}&format=json`);
  const hours = (ms: number | null) => (ms === null ? '—' : `${(ms / 3_600_000).toFixed(1)} h`);

  app.get('/reports/sla.csv', async (c) => {
    requireAny(c.get('staff'), SLA_READERS, 'The service-level report');
    const a = asked(c);
    return downloadFile(c, `payout-service-levels_${a.from}_${a.to}.csv`, slaCsv(await slaOf(c, a.query)), 'text/csv');
  });
  app.get('/reports/sla.json', async (c) => {
    requireAny(c.get('staff'), SLA_READERS, 'The service-level report');
    const a = asked(c);
    return downloadFile(
      c,
      `payout-service-levels_${a.from}_${a.to}.json`,
      slaJson(await slaOf(c, a.query)),
      'application/json',
    );
  });
  app.get('/reports/sla', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, SLA_READERS, 'The service-level report');
    const a = asked(c);
    const r = await slaOf(c, a.query);
    return c.html(
      page(
        { title: 'Payout service levels', staff, csrf: c.get('session').csrf },
        html`${periodForm('/console/reports/sla', a, false)}
          <p>
            Downloads:
            <a href="/console/reports/sla.csv?${a.query}" download>CSV</a>
            · <a href="/console/reports/sla.json?${a.query}" download>JSON</a>
          </p>
          <p>
            ${String(r.totals.paidCount)} paid of ${String(r.totals.count)} closed; ${String(r.totals.breaches)} SLA
            breaches.
          </p>
          <figure class="chart">
            <figcaption>Start to paid, p95, per rail and country</figcaption>
            ${raw(slaChart(r))}
          </figure>
          ${table(
            'Start to paid per rail and country',
            ['Rail', 'Country', 'Closed', 'Paid', 'Breaches', 'p50', 'p95', 'p99'],
            r.byRailCountry.map((s) => [
              s.rail,
              s.country,
              String(s.count),
              String(s.paidCount),
              String(s.breaches),
              hours(s.p50Ms),
              hours(s.p95Ms),
              hours(s.p99Ms),
            ]),
            'No payout closed in this period.',
          )}
          ${table(
            'Waiting on each actor',
            ['Actor', 'Payouts', 'Total', 'p95'],
            r.waits.map((w) => [w.actor, String(w.payouts), hours(w.totalMs), hours(w.p95Ms)]),
            'No waits recorded.',
          )}
          ${table(
            'Top failure and return codes per week',
            ['Week of', 'Kind', 'Code', 'Payouts'],
            r.topCodes.map((x) => [x.week, x.kind, x.code, String(x.count)]),
            'No failure or return codes.',
          )}`,
      ),
    );
  });
}
