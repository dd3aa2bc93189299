import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { LedgerPort } from '../../activities/adapters/ledger/port';
import { ROLES } from '../../workflows/approvals/contract';
import { caseFold } from '../../workflows/shared/identity';
import type { Staff } from '../staff-auth';
import type { ReportEngine } from './engine';
import type { FactFiles } from './fact-files';
import { periodOf, periodSchema } from './period';
import { slaCsv, slaJson, spendCsv } from './render';
import { customerHistory, HISTORY_DAYS, historyPeriod } from './customer-history';
import { slaReport, type SlaReport } from './sla';
import { spendReport, spendTieOut, type SpendReport, type TieOut } from './spend';

/**
 * The reports the decision service serves (the console's pages and the `finance report` CLI read them):
 * `GET /reports/spend?from&to&tz[&format=csv]` (finance roles) and `GET /reports/sla?from&to&tz[&format=csv]` (ops,
 * compliance, finance roles); `GET /reports/customers/:customerId/compensations?days` (a request page's roles). The engine is DuckDB in process, over the bucket's fact files mirrored to local disk
 * (local-source.ts, the long-lived server) or over the rows Athena selects (athena-source.ts, the Lambda, whose
 * DuckDB comes from a layer).
 */
export interface ReportsSource {
  engine: ReportEngine;
  files: FactFiles;
  /** The ledger the spend report ties out to (absent: no tie-out in the answer). */
  ledger?: Pick<LedgerPort, 'postingsOn'>;
}

export const SPEND_READERS = ROLES.filter((r) => r.startsWith('finance_'));
export const SLA_READERS = ['ops', 'compliance', ...SPEND_READERS] as const;
/** A customer's compensation history: whoever may read a compensation request's page (its roles, app.ts). */
export const HISTORY_READERS = ROLES;

const historyQuery = z
  .object({
    customerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
      error: 'customerId must be 1-64 letters, digits, - or _ (an internal ID)',
    }),
    days: z.coerce
      .number({ error: 'days must be a number' })
      .int({ error: 'days must be a whole number' })
      .min(1, { error: 'days must be at least 1' })
      .max(366, { error: 'days must be at most 366' })
      .default(HISTORY_DAYS),
  })
  .strict();

/** The spend report as the API answers it: the report and its ledger tie-out. */
export type SpendAnswer = SpendReport & { tieOut?: TieOut };

const holdsAny = (staff: Staff, roles: readonly string[]) =>
  roles.some((role) => staff.roles.some((r) => caseFold(r) === caseFold(role)));

type Asked =
  | { period: ReturnType<typeof periodOf>; format: 'json' | 'csv' }
  | { issues: Array<{ path: string; message: string }> };

function periodFrom(c: Context): Asked {
  const q = Object.fromEntries(new URL(c.req.url).searchParams);
  const format = q['format'] ?? 'json';
  const parsed = periodSchema.safeParse({ from: q['from'], to: q['to'], ...(q['tz'] ? { tz: q['tz'] } : {}) });
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  if (format !== 'json' && format !== 'csv') issues.push({ path: 'format', message: 'format must be json or csv' });
  if (!parsed.success || issues.length) return { issues };
  return { period: periodOf(parsed.data), format: format as 'json' | 'csv' };
}

const download = (c: Context, name: string, body: string, type: string) =>
  c.body(body, 200, {
    'content-type': `${type}; charset=utf-8`,
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });

/** Why reports are unavailable when no source is configured (outside local mode). */
export const NO_REPORTS_SOURCE =
  'reports are not configured for this deployment: set REPORTS_ATHENA_WORKGROUP and REPORTS_GLUE_DATABASE (the CDK stack sets both on the decisions function)';

/**
 * `source` gives the engine and files (undefined: unavailable here, answered 503 after the role check). Outside local
 * mode the decision service has no grant on the bucket or the ledger, by design (infra/cdk stack test).
 */
export function reportRoutes(
  app: Hono<{ Variables: { staff: Staff } }>,
  source: () => ReportsSource | undefined,
): void {
  /** The role check, the period and the source every report needs, or the answer that refuses it (403, 400, 503). */
  const prepare = (c: Context<{ Variables: { staff: Staff } }>, readers: readonly string[], what: string) => {
    const staff = c.get('staff');
    if (!holdsAny(staff, readers))
      return c.json({ error: `${staff.subject} holds none of the roles ${what} needs (${readers.join(', ')})` }, 403);
    const asked = periodFrom(c);
    if ('issues' in asked)
      return c.json(
        {
          error: `invalid request: ${asked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          issues: asked.issues,
        },
        400,
      );
    const src = source();
    if (!src) return c.json({ error: NO_REPORTS_SOURCE }, 503);
    return { ...asked, src };
  };

  app.get('/reports/spend', async (c) => {
    const asked = prepare(c, SPEND_READERS, 'the spend report');
    if (asked instanceof Response) return asked;
    const { engine, files, ledger } = asked.src;
    const report = await spendReport(engine, files, asked.period);
    const name = `compensation-spend_${asked.period.from}_${asked.period.to}`;
    if (asked.format === 'csv') return download(c, `${name}.csv`, spendCsv(report), 'text/csv');
    const answer: SpendAnswer = ledger
      ? { ...report, tieOut: await spendTieOut(engine, files, ledger, asked.period) }
      : report;
    return download(c, `${name}.json`, `${JSON.stringify(answer, null, 2)}\n`, 'application/json');
  });
  // `GET /reports/customers/:customerId/compensations?days` (default 90): the request page's customer history.
  app.get('/reports/customers/:customerId/compensations', async (c) => {
    const staff = c.get('staff');
    if (!holdsAny(staff, HISTORY_READERS))
      return c.json(
        {
          error: `${staff.subject} holds none of the roles a customer's compensation history needs (${HISTORY_READERS.join(', ')})`,
        },
        403,
      );
    const parsed = historyQuery.safeParse({
      customerId: c.req.param('customerId'),
      ...Object.fromEntries(new URL(c.req.url).searchParams),
    });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return c.json(
        { error: `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues },
        400,
      );
    }
    const src = source();
    if (!src) return c.json({ error: NO_REPORTS_SOURCE }, 503);
    const period = historyPeriod(new Date(), parsed.data.days);
    return c.json(await customerHistory(src.engine, src.files, parsed.data.customerId, period), 200, {
      'cache-control': 'no-store',
    });
  });
  app.get('/reports/sla', async (c) => {
    const asked = prepare(c, SLA_READERS, 'the service-level report');
    if (asked instanceof Response) return asked;
    const { engine, files } = asked.src;
    const report: SlaReport = await slaReport(engine, files, asked.period);
    const name = `payout-service-levels_${asked.period.from}_${asked.period.to}`;
    return asked.format === 'csv'
      ? download(c, `${name}.csv`, slaCsv(report), 'text/csv')
      : download(c, `${name}.json`, slaJson(report), 'application/json');
  });
}
