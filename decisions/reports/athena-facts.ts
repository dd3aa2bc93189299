import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import type { FactKind } from '../../workflows/shared/report-facts';
import { FACT_COLUMNS } from './fact-columns';
import type { FactFiles } from './fact-files';

/**
 * The facts of a period read through Athena (the `payops-<stage>-reports` workgroup over the Glue tables of
 * infra/cdk/lib/reports.ts), written back as NDJSON files the embedded engine scans: the report code (spend.ts,
 * sla.ts) stays one text, and a report from Athena's rows is byte-identical to one from the bucket's files. Athena
 * only selects the rows of the period's UTC day partitions (the `day` predicate prunes by partition projection); the
 * engine cuts the period's half-open local interval, as it does over mirrored files.
 */

export interface AthenaFactsOptions {
  client: AthenaClient;
  workgroup: string;
  database: string;
  /** The longest a query may take before the read fails (default 60 s; the Lambda's own timeout bounds it too). */
  maxWaitMs?: number;
  /** The first pause between status polls; it doubles up to 1 s (default 100 ms). */
  pollMs?: number;
}

/** The Glue table of each kind (infra/cdk/lib/reports.ts). */
export const FACT_TABLES: Record<FactKind, string> = {
  compensation: 'compensation_facts',
  'payout-sla': 'payout_sla_facts',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isComplex = (type: string) => type.endsWith('[]') || type.startsWith('STRUCT');

/**
 * The query for the facts of `kind` on `days`. Glue names columns in lower case; complex columns come back as JSON
 * text (`json_format(CAST(… AS JSON))`: Athena's own rendering of arrays and rows is not parseable), rows as objects
 * keyed by field name. Days are checked to be dates: they are the only values spliced into the text.
 */
export function factsQuery(kind: FactKind, days: readonly string[]): string {
  for (const d of days) if (!DAY.test(d)) throw new Error(`day must be a date written YYYY-MM-DD, got ${d}`);
  const select = Object.entries(FACT_COLUMNS[kind])
    .map(([name, type]) => {
      const col = `"${name.toLowerCase()}"`;
      return isComplex(type) ? `json_format(CAST(${col} AS JSON)) AS ${col}` : col;
    })
    .join(', ');
  return `SELECT ${select} FROM "${FACT_TABLES[kind]}" WHERE "day" IN (${days.map((d) => `'${d}'`).join(', ')})`;
}

/** One cell as the fact's NDJSON value: Athena returns every value as text, a null as no value. */
function decode(type: string, cell: string | undefined): unknown {
  if (cell === undefined) return null;
  if (type === 'BIGINT') return Number(cell);
  if (type === 'BOOLEAN') return cell === 'true';
  if (isComplex(type)) return JSON.parse(cell) as unknown;
  return cell;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `sql` in the workgroup and database, waits for it (bounded) and returns every row's cells (header dropped). */
export async function runAthenaQuery(
  opts: AthenaFactsOptions,
  sql: string,
): Promise<{ executionId: string; rows: Array<Array<string | undefined>> }> {
  const { client, workgroup, database } = opts;
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: workgroup,
      QueryExecutionContext: { Database: database },
    }),
  );
  const executionId = started.QueryExecutionId;
  if (!executionId) throw new Error('Athena started no query execution (no QueryExecutionId)');
  const deadline = Date.now() + (opts.maxWaitMs ?? 60_000);
  let pause = opts.pollMs ?? 100;
  for (;;) {
    const { QueryExecution: q } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: executionId }));
    const state = q?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new Error(`Athena query ${executionId} ${state}: ${q?.Status?.StateChangeReason ?? 'no reason given'}`);
    if (Date.now() + pause > deadline)
      throw new Error(`Athena query ${executionId} did not finish within ${opts.maxWaitMs ?? 60_000} ms (${state})`);
    await sleep(pause);
    pause = Math.min(pause * 2, 1000);
  }
  const rows: Array<Array<string | undefined>> = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: executionId, NextToken: token, MaxResults: 1000 }),
    );
    let data = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue));
    // A SELECT's first row is its column labels; a data row never equals them (factid is never the text "factid").
    const labels = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Label ?? c.Name);
    if (first && data[0] && labels.length && data[0].every((v, i) => v === labels[i])) data = data.slice(1);
    first = false;
    rows.push(...data);
    token = page.NextToken;
  } while (token);
  return { executionId, rows };
}

/** The facts of `kind` on `days` as the NDJSON writer gave them (camel-cased fields, typed values). */
export async function athenaFacts(
  opts: AthenaFactsOptions,
  kind: FactKind,
  days: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  if (days.length === 0) return [];
  const columns = Object.entries(FACT_COLUMNS[kind]);
  const { rows } = await runAthenaQuery(opts, factsQuery(kind, days));
  return rows.map((cells) => Object.fromEntries(columns.map(([name, type], i) => [name, decode(type, cells[i])])));
}

/**
 * `FactFiles` over Athena: each call queries the days' partitions and writes the rows into one NDJSON file of its own
 * under `dir` (a file per call: concurrent reports never read each other's half-written file). A report loads its
 * file as soon as it gets it (engine.ts#scan), so only the last `keep` files are kept: /tmp of a Lambda is small.
 */
export function athenaFactFiles(opts: AthenaFactsOptions, dir: string, keep = 16): FactFiles {
  const written: string[] = [];
  return {
    async files(kind, days) {
      const facts = await athenaFacts(opts, kind, days);
      if (facts.length === 0) return [];
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${kind}-${randomUUID()}.ndjson`);
      writeFileSync(path, facts.map((f) => JSON.stringify(f)).join('\n') + '\n');
      written.push(path);
      while (written.length > keep) rmSync(written.shift()!, { force: true });
      return [path];
    },
  };
}
