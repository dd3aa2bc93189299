import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { athenaCsvRows } from './athena-csv';
import type { FactKind } from '../../workflows/shared/report-facts';
import { FACT_COLUMNS } from './fact-columns';
import type { FactFiles, FactFilter } from './fact-files';

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
  /**
   * Reads the query's result object (the CSV Athena writes under the workgroup's output location) when given and
   * Athena names one: one streamed GET instead of GetQueryResults' 1,000-row pages (a month of a million facts is a
   * thousand sequential calls). Without it, or without an output location, the rows are paged.
   */
  s3?: Pick<S3Client, 'send'>;
}

/** The Glue table of each kind (infra/cdk/lib/reports.ts). */
export const FACT_TABLES: Record<FactKind, string> = {
  compensation: 'compensation_facts',
  'payout-sla': 'payout_sla_facts',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A case-folded internal customer ID (the request contract's form, lower case). */
const CUSTOMER_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const isComplex = (type: string) => type.endsWith('[]') || type.startsWith('STRUCT');

/**
 * The query for the facts of `kind` on `days`. Glue names columns in lower case; complex columns come back as JSON
 * text (`json_format(CAST(… AS JSON))`: Athena's own rendering of arrays and rows is not parseable), rows as objects
 * keyed by field name. Days are checked to be dates and a customer filter to be a case-folded internal ID: they are the
 * only values spliced into the text.
 */
export function factsQuery(kind: FactKind, days: readonly string[], where: FactFilter = {}): string {
  for (const d of days) if (!DAY.test(d)) throw new Error(`day must be a date written YYYY-MM-DD, got ${d}`);
  const customer = where.customerId;
  if (customer !== undefined && !CUSTOMER_ID.test(customer))
    throw new Error(`customerId must be a case-folded internal ID, got ${customer}`);
  const select = Object.entries(FACT_COLUMNS[kind])
    .map(([name, type]) => {
      const col = `"${name.toLowerCase()}"`;
      return isComplex(type) ? `json_format(CAST(${col} AS JSON)) AS ${col}` : col;
    })
    .join(', ');
  const inDays = `"day" IN (${days.map((d) => `'${d}'`).join(', ')})`;
  const only = kind === 'compensation' && customer !== undefined ? ` AND lower("customerid") = '${customer}'` : '';
  return `SELECT ${select} FROM "${FACT_TABLES[kind]}" WHERE ${inDays}${only}`;
}

/** One cell as the fact's NDJSON value: Athena returns every value as text, a null as no value. */
function decode(type: string, cell: string | undefined): unknown {
  if (cell === undefined) return null;
  if (type === 'BIGINT') return Number(cell);
  if (type === 'BOOLEAN') return cell === 'true';
  if (isComplex(type)) return JSON.parse(cell) as unknown;
  return cell;
}

type Cell = string | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `sql` in the workgroup and database and waits for it (bounded); its ID and where Athena wrote its result. */
export async function startAthenaQuery(
  opts: AthenaFactsOptions,
  sql: string,
): Promise<{ executionId: string; outputLocation?: string }> {
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
    if (state === 'SUCCEEDED') {
      const outputLocation = q?.ResultConfiguration?.OutputLocation;
      return { executionId, ...(outputLocation ? { outputLocation } : {}) };
    }
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new Error(`Athena query ${executionId} ${state}: ${q?.Status?.StateChangeReason ?? 'no reason given'}`);
    if (Date.now() + pause > deadline)
      throw new Error(`Athena query ${executionId} did not finish within ${opts.maxWaitMs ?? 60_000} ms (${state})`);
    await sleep(pause);
    pause = Math.min(pause * 2, 1000);
  }
}

/** Every row of a finished query through GetQueryResults (header dropped), in batches of a page. */
async function* pagedRows(opts: AthenaFactsOptions, executionId: string): AsyncGenerator<Cell[][]> {
  let token: string | undefined;
  let first = true;
  do {
    const page = await opts.client.send(
      new GetQueryResultsCommand({ QueryExecutionId: executionId, NextToken: token, MaxResults: 1000 }),
    );
    let data = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue));
    // A SELECT's first row is its column labels; a data row never equals them (factid is never the text "factid").
    const labels = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Label ?? c.Name);
    if (first && data[0] && labels.length && data[0].every((v, i) => v === labels[i])) data = data.slice(1);
    first = false;
    yield data;
    token = page.NextToken;
  } while (token);
}

/** `s3://bucket/key` as its parts (Athena's OutputLocation). */
function s3Location(url: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`Athena output location is not an s3:// object URL: ${url}`);
  return { Bucket: m[1]!, Key: m[2]! };
}

/** Every row of a finished query read from its result object (header dropped), in batches. */
async function* objectRows(s3: Pick<S3Client, 'send'>, location: string): AsyncGenerator<Cell[][]> {
  const { Body } = await s3.send(new GetObjectCommand(s3Location(location)));
  if (!Body) throw new Error(`Athena result object ${location} has no body`);
  let first = true;
  for await (const batch of athenaCsvRows(Body as AsyncIterable<Uint8Array>)) {
    yield first ? batch.slice(1) : batch;
    first = false;
  }
}

/** A finished query's rows: from its result object when it has one and S3 is given, else paged. */
function resultRows(opts: AthenaFactsOptions, q: { executionId: string; outputLocation?: string }) {
  return opts.s3 && q.outputLocation ? objectRows(opts.s3, q.outputLocation) : pagedRows(opts, q.executionId);
}

/** Runs `sql` in the workgroup and database, waits for it (bounded) and returns every row's cells (header dropped). */
export async function runAthenaQuery(
  opts: AthenaFactsOptions,
  sql: string,
): Promise<{ executionId: string; rows: Cell[][] }> {
  const q = await startAthenaQuery(opts, sql);
  const rows: Cell[][] = [];
  for await (const batch of resultRows(opts, q)) rows.push(...batch);
  return { executionId: q.executionId, rows };
}

/** The facts of `kind` on `days` as the NDJSON writer gave them (camel-cased fields, typed values). */
export async function athenaFacts(
  opts: AthenaFactsOptions,
  kind: FactKind,
  days: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  if (days.length === 0) return [];
  const { rows } = await runAthenaQuery(opts, factsQuery(kind, days));
  return rows.map(factOf(kind));
}

/** A row's cells as the fact (its columns in FACT_COLUMNS order, as factsQuery selects them). */
const factOf = (kind: FactKind) => {
  const columns = Object.entries(FACT_COLUMNS[kind]);
  return (cells: Cell[]) => Object.fromEntries(columns.map(([name, type], i) => [name, decode(type, cells[i])]));
};

/** Writes the query's rows as NDJSON to `path` as they arrive (a month's rows are never all in memory); the count. */
async function writeFacts(
  opts: AthenaFactsOptions,
  kind: FactKind,
  days: readonly string[],
  where: FactFilter | undefined,
  path: string,
): Promise<number> {
  const q = await startAthenaQuery(opts, factsQuery(kind, days, where));
  const fact = factOf(kind);
  const out = createWriteStream(path);
  let count = 0;
  try {
    for await (const batch of resultRows(opts, q)) {
      if (batch.length === 0) continue;
      count += batch.length;
      if (!out.write(batch.map((cells) => JSON.stringify(fact(cells))).join('\n') + '\n')) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return count;
}

/**
 * `FactFiles` over Athena: each call queries the days' partitions and writes the rows into one NDJSON file of its own
 * under `dir` (a file per call: concurrent reports never read each other's half-written file). A report loads its
 * file as soon as it gets it (engine.ts#scan), so only the last `keep` files are kept: /tmp of a Lambda is small.
 */
export function athenaFactFiles(opts: AthenaFactsOptions, dir: string, keep = 16): FactFiles {
  const written: string[] = [];
  return {
    async files(kind, days, where) {
      if (days.length === 0) return [];
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${kind}-${randomUUID()}.ndjson`);
      if ((await writeFacts(opts, kind, days, where, path)) === 0) {
        rmSync(path, { force: true });
        return [];
      }
      written.push(path);
      while (written.length > keep) rmSync(written.shift()!, { force: true });
      return [path];
    },
  };
}
