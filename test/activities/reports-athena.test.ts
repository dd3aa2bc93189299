import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { loadDecisionsConfig } from '../../decisions/config';
import { createDecisionsHandler } from '../../decisions/lambda';
import {
  athenaFactFiles,
  factsQuery,
  runAthenaQuery,
  type AthenaFactsOptions,
} from '../../decisions/reports/athena-facts';
import { Unauthenticated } from '../../decisions/staff-auth';
import { loadConfig } from '../../workers/config';
import { functionUrlFront } from '../support/ingress';
import { ReportEngine } from '../../decisions/reports/engine';
import { FACT_COLUMNS } from '../../decisions/reports/fact-columns';
import { dirFactFiles } from '../../decisions/reports/fact-files';
import { periodOf, periodSchema, type Period } from '../../decisions/reports/period';
import { slaJson, spendJson } from '../../decisions/reports/render';
import { slaReport } from '../../decisions/reports/sla';
import { spendReport } from '../../decisions/reports/spend';
import { sampleCompensationFacts, samplePayoutSlaFacts, writeFactFiles } from '../../sandboxes/reports/sample-facts';
import type { FactKind } from '../../workflows/shared/report-facts';
import { stackEnv } from '../support/stack';

const period = (from: string, to: string, tz: string) => periodOf(periodSchema.parse({ from, to, tz }));

/** A fact as Athena's GetQueryResults row: every value as text, complex ones as the JSON the query formats. */
function athenaRow(kind: FactKind, fact: Record<string, unknown>) {
  return {
    Data: Object.keys(FACT_COLUMNS[kind]).map((name) => {
      const v = fact[name];
      if (v === undefined || v === null) return {};
      return { VarCharValue: typeof v === 'object' ? JSON.stringify(v) : String(v) };
    }),
  };
}

const header = (kind: FactKind) => ({
  Data: Object.keys(FACT_COLUMNS[kind]).map((n) => ({ VarCharValue: n.toLowerCase() })),
});
const columnInfo = (kind: FactKind) =>
  Object.keys(FACT_COLUMNS[kind]).map((n) => ({ Name: n.toLowerCase(), Label: n.toLowerCase(), Type: 'varchar' }));

describe('reports over Athena (moto: results injected, as Athena would return the partitions of the period)', () => {
  const endpoint = stackEnv('AWS_ENDPOINT_URL');
  const client = new AthenaClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const workgroup = `payops-test-${randomUUID()}-reports`;
  const opts: AthenaFactsOptions = { client, workgroup, database: 'payops_test_reports', pollMs: 10 };
  const engine = new ReportEngine({ threads: 1 });
  let root: string;
  let athenaDir: string;
  const facts: Record<FactKind, Array<Record<string, unknown> & { day: string }>> = {
    compensation: [],
    'payout-sla': [],
  };

  /** Queues what Athena would answer for the days' partitions: the header, then the rows of those days. */
  async function inject(kind: FactKind, days: readonly string[]) {
    // Reversed: Athena promises no row order, and the reports must not depend on one.
    const rows = facts[kind]
      .filter((f) => days.includes(f.day))
      .map((f) => athenaRow(kind, f))
      .reverse();
    const res = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: '123456789012',
        region: 'us-east-1',
        results: [{ rows: [header(kind), ...rows], column_info: columnInfo(kind) }],
      }),
    });
    expect(res.status).toBe(201);
  }

  async function queriesSent() {
    const { QueryExecutionIds = [] } = await client.send(new ListQueryExecutionsCommand({ WorkGroup: workgroup }));
    return Promise.all(
      QueryExecutionIds.map(
        async (id) => (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution,
      ),
    );
  }

  beforeAll(async () => {
    await client.send(new CreateWorkGroupCommand({ Name: workgroup }));
    root = mkdtempSync(join(tmpdir(), 'athena-facts-'));
    athenaDir = mkdtempSync(join(tmpdir(), 'athena-rows-'));
    facts.compensation = [...sampleCompensationFacts({ month: '2026-10', count: 3000 })] as never;
    facts['payout-sla'] = [...samplePayoutSlaFacts({ month: '2026-10', count: 3000 })] as never;
    await writeFactFiles(root, 'compensation', facts.compensation);
    await writeFactFiles(root, 'payout-sla', facts['payout-sla']);
  });
  afterAll(() => {
    engine.close();
    client.destroy();
    rmSync(root, { recursive: true, force: true });
    rmSync(athenaDir, { recursive: true, force: true });
  });

  const berlin: Period = period('2026-10-10', '2026-10-26', 'Europe/Berlin');

  test('when the spend report is read through Athena, then the query names the workgroup, database and the period’s day partitions, and the report is byte-identical to the one over the bucket’s files', async () => {
    const before = (await queriesSent()).length;
    await inject('compensation', berlin.utcDays);
    const viaAthena = await spendReport(engine, athenaFactFiles(opts, athenaDir), berlin);
    const viaFiles = await spendReport(engine, dirFactFiles(root), berlin);
    expect(viaAthena.totals.reduce((n, t) => n + t.count, 0)).toBeGreaterThan(0);
    expect(spendJson(viaAthena)).toBe(spendJson(viaFiles));

    const sent = (await queriesSent()).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.WorkGroup).toBe(workgroup);
    expect(sent[0]?.QueryExecutionContext?.Database).toBe('payops_test_reports');
    expect(sent[0]?.Query).toBe(factsQuery('compensation', berlin.utcDays));
    // Berlin's 10 Oct starts on 9 Oct in UTC: the partitions of the local period's UTC days, no more.
    expect(berlin.utcDays[0]).toBe('2026-10-09');
    expect(sent[0]?.Query).toContain(`FROM "compensation_facts" WHERE "day" IN ('2026-10-09', '2026-10-10',`);
    expect(sent[0]?.Query).toContain(`'2026-10-25')`);
    expect(sent[0]?.Query).toContain('json_format(CAST("approvers" AS JSON)) AS "approvers"');
  });

  test('when the service-level report is read through Athena, then it is byte-identical to the one over the bucket’s files', async () => {
    await inject('payout-sla', berlin.utcDays);
    const viaAthena = await slaReport(engine, athenaFactFiles(opts, athenaDir), berlin);
    const viaFiles = await slaReport(engine, dirFactFiles(root), berlin);
    expect(slaJson(viaAthena)).toBe(slaJson(viaFiles));
    const [last] = (await queriesSent()).slice(-1);
    expect(last?.Query).toContain('FROM "payout_sla_facts" WHERE "day" IN (');
  });

  test('when the decisions Lambda is configured with the reports workgroup and database, then it answers the spend report from Athena (not 503), byte-identical to the report over the files', async () => {
    const config = loadConfig({ PAYOPS_MODE: 'local', AWS_ENDPOINT_URL: endpoint });
    const decisions = loadDecisionsConfig(config, {
      REPORTS_ATHENA_WORKGROUP: workgroup,
      REPORTS_GLUE_DATABASE: 'payops_test_reports',
    });
    const handler = createDecisionsHandler({
      config,
      decisions,
      client: {} as Client,
      verifyStaff: async (h) => {
        if (h !== 'Bearer fin') throw new Unauthenticated('no token');
        return { subject: 'fin.dave', roles: ['finance_manager'] };
      },
      sign: async () => 'unused',
      console: { off: 'not in this test' },
    });
    const front = await functionUrlFront(handler as Parameters<typeof functionUrlFront>[0]);
    try {
      await inject('compensation', berlin.utcDays);
      const before = (await queriesSent()).length;
      const res = await fetch(`${front.url}/reports/spend?from=2026-10-10&to=2026-10-26&tz=Europe/Berlin`, {
        headers: { authorization: 'Bearer fin' },
      });
      expect(res.status).toBe(200);
      // No ledger tie-out on AWS: the decision service holds no grant on the ledger table.
      expect(await res.text()).toBe(spendJson(await spendReport(engine, dirFactFiles(root), berlin)));
      expect((await queriesSent()).slice(before).map((q) => q?.Query)).toEqual([
        factsQuery('compensation', berlin.utcDays),
      ]);
    } finally {
      await front.stop();
    }
  });

  test('when Athena names its result object, then the rows are streamed from it in S3 (no GetQueryResults pages) and the report is byte-identical', async () => {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const bucket = `athena-results-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const columns = Object.keys(FACT_COLUMNS.compensation);
    // As Athena writes it: every value quoted (inner quotes doubled), a null as an empty unquoted field, CRLF-free.
    const cell = (v: unknown) =>
      v === undefined || v === null
        ? ''
        : `"${(typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/"/g, '""')}"`;
    const rows = facts.compensation.filter((f) => berlin.utcDays.includes(f.day));
    const csv = [
      columns.map((c) => `"${c.toLowerCase()}"`).join(','),
      ...rows.map((f) => columns.map((c) => cell(f[c])).join(',')),
    ]
      .join('\n')
      .concat('\n');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'athena-results/q-1.csv', Body: csv }));
    const calls: string[] = [];
    const scripted = {
      send: async (cmd: { constructor: { name: string } }) => {
        calls.push(cmd.constructor.name);
        if (cmd.constructor.name === 'StartQueryExecutionCommand') return { QueryExecutionId: 'q-1' };
        if (cmd.constructor.name === 'GetQueryExecutionCommand')
          return {
            QueryExecution: {
              Status: { State: 'SUCCEEDED' },
              ResultConfiguration: { OutputLocation: `s3://${bucket}/athena-results/q-1.csv` },
            },
          };
        throw new Error(`unexpected ${cmd.constructor.name}`);
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'athena-object-'));
    try {
      const viaObject = await spendReport(
        engine,
        athenaFactFiles({ client: scripted as never, s3, workgroup, database: 'd', pollMs: 1 }, dir),
        berlin,
      );
      expect(viaObject.totals.reduce((n, t) => n + t.count, 0)).toBeGreaterThan(0);
      expect(spendJson(viaObject)).toBe(spendJson(await spendReport(engine, dirFactFiles(root), berlin)));
      expect(calls).toEqual(['StartQueryExecutionCommand', 'GetQueryExecutionCommand']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      s3.destroy();
    }
  });

  test('when more reports are read than the files it keeps, then the oldest files are removed (a Lambda\u2019s /tmp is small)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'athena-keep-'));
    try {
      const files = athenaFactFiles(opts, dir, 2);
      const days = ['2026-10-03'];
      const paths: string[] = [];
      for (let i = 0; i < 3; i++) {
        await inject('payout-sla', days);
        paths.push(...(await files.files('payout-sla', days)));
      }
      expect(paths).toHaveLength(3);
      expect(paths.map((p) => existsSync(p))).toEqual([false, true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Athena query runner (polling and paging)', () => {
  /** A client answering from a script: the status states in turn, then the result pages. */
  function scripted(states: string[], pages: Array<{ rows: string[][]; next?: string }>) {
    const calls: string[] = [];
    const send = async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push(cmd.constructor.name);
      if (cmd.constructor.name === 'StartQueryExecutionCommand') return { QueryExecutionId: 'q-1' };
      if (cmd.constructor.name === 'GetQueryExecutionCommand')
        return { QueryExecution: { Status: { State: states.shift() ?? 'RUNNING', StateChangeReason: 'boom' } } };
      const i = cmd.input['NextToken'] ? Number(cmd.input['NextToken']) : 0;
      const page = pages[i]!;
      return {
        ResultSet: {
          Rows: page.rows.map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })),
          ResultSetMetadata: { ColumnInfo: [{ Name: 'a', Label: 'a' }] },
        },
        NextToken: page.next,
      };
    };
    return { client: { send } as never, calls };
  }

  test('when the query runs a while and its results span pages, then it is polled to completion and every page is read, the header dropped once', async () => {
    const { client, calls } = scripted(
      ['QUEUED', 'RUNNING', 'SUCCEEDED'],
      [{ rows: [['a'], ['1'], ['2']], next: '1' }, { rows: [['a'], ['3']] }],
    );
    const { rows } = await runAthenaQuery({ client, workgroup: 'w', database: 'd', pollMs: 1 }, 'SELECT 1');
    // A later page's "a" is data: only the first page carries the header.
    expect(rows).toEqual([['1'], ['2'], ['a'], ['3']]);
    expect(calls.filter((c) => c === 'GetQueryExecutionCommand')).toHaveLength(3);
    expect(calls.filter((c) => c === 'GetQueryResultsCommand')).toHaveLength(2);
  });

  test('when the query fails or outlasts the bounded wait, then the read fails naming the execution', async () => {
    await expect(
      runAthenaQuery({ client: scripted(['FAILED'], []).client, workgroup: 'w', database: 'd' }, 'SELECT 1'),
    ).rejects.toThrow('Athena query q-1 FAILED: boom');
    await expect(
      runAthenaQuery({ client: scripted([], []).client, workgroup: 'w', database: 'd', pollMs: 5, maxWaitMs: 30 }, 'x'),
    ).rejects.toThrow('Athena query q-1 did not finish within 30 ms (RUNNING)');
  });

  test('when a day is not a date, then no query is built', () => {
    expect(() => factsQuery('compensation', ["2026-10-01') OR 1=1 --"])).toThrow('day must be a date');
  });
});
