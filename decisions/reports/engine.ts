import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FactKind } from '../../workflows/shared/report-facts';
import { FACT_COLUMNS as COLUMNS } from './fact-columns';

/**
 * The embedded analytical engine (DuckDB, in process) over the NDJSON fact files. A scan loads the facts of one
 * period into a temporary table `facts` of its own connection (the period's filter is applied while reading), and
 * every grouping of a report is a query over it. Column types are declared, never inferred, so a file that lacks a
 * field reads it as null instead of changing the table's shape.
 *
 * A fact counts once: the copies of one fact ID (a day's compacted file and a single-fact object not yet removed,
 * compaction.ts; or Athena returning both) are one row. Copies are identical (a fact is written under its ID from
 * workflow state), so which copy is kept does not change a report.
 *
 * DuckDB is loaded on first use, not at import: the decisions Lambda carries it in a layer (`@duckdb/node-api` is
 * external to its bundle, infra/cdk/lib/reports-layer.ts), and a missing layer must cost the report endpoints only,
 * never the service's start.
 */

/** The column a kind's period is cut on. */
const TIME_COLUMN: Record<FactKind, string> = { compensation: 'at', 'payout-sla': 'closedAt' };

/** Facts of one period, loaded; run queries over `facts`, then close. */
export interface Scan {
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Plain JS values: BIGINT sums as numbers (minor units and milliseconds stay far below 2^53). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Date))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export class ReportEngine {
  private instance: Promise<DuckDBInstance> | undefined;

  /**
   * `threads`: DuckDB's worker threads (default: every core). `tempDirectory`: where it may spill (default `.tmp`
   * in the working directory, which is read-only on Lambda: the Lambda's engine spills under /tmp).
   */
  constructor(private readonly opts: { threads?: number; tempDirectory?: string } = {}) {}

  private db(): Promise<DuckDBInstance> {
    if (this.instance) return this.instance;
    // `require`, not `import()`: a bundled dynamic import stays ESM, and ESM resolution ignores NODE_PATH, through
    // which Lambda's Node runtime finds a layer's /opt/nodejs/node_modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
    this.instance = DuckDBInstance.create(':memory:', {
      ...(this.opts.threads ? { threads: String(this.opts.threads) } : {}),
      ...(this.opts.tempDirectory ? { temp_directory: this.opts.tempDirectory } : {}),
    });
    return this.instance;
  }

  /** Loads the facts of `kind` from `files` whose time is in [fromUtc, toUtc) (ISO strings compare as times). */
  async scan(kind: FactKind, files: readonly string[], fromUtc: string, toUtc: string): Promise<Scan> {
    const conn: DuckDBConnection = await (await this.db()).connect();
    const cols = COLUMNS[kind];
    const time = ident(TIME_COLUMN[kind]);
    const decl = Object.entries(cols)
      .map(([k, t]) => `${ident(k)} ${t}`)
      .join(', ');
    try {
      if (files.length === 0) await conn.run(`CREATE TEMP TABLE facts (${decl})`);
      else {
        const columns = `{${Object.entries(cols)
          .map(([k, t]) => `${quote(k)}: ${quote(t)}`)
          .join(', ')}}`;
        await conn.run(
          `CREATE TEMP TABLE facts AS SELECT * FROM read_ndjson([${files.map(quote).join(', ')}],
             columns = ${columns}, hive_partitioning = false, format = 'newline_delimited')
           WHERE ${time} >= ${quote(fromUtc)} AND ${time} < ${quote(toUtc)}
           QUALIFY row_number() OVER (PARTITION BY "factId") = 1`,
        );
      }
    } catch (err) {
      conn.closeSync();
      throw err;
    }
    return {
      async rows<T>(sql: string) {
        const reader = await conn.runAndReadAll(sql);
        return reader.getRowObjectsJS().map((r) => plain(r) as T);
      },
      close: () => conn.closeSync(),
    };
  }

  close(): void {
    void this.instance?.then(
      (i) => i.closeSync(),
      () => undefined,
    );
    this.instance = undefined;
  }
}
