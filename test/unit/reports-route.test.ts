import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createDecisionsApp } from '../../decisions/app';
import { loadDecisionsConfig } from '../../decisions/config';
import { ReportEngine } from '../../decisions/reports/engine';
import { dirFactFiles } from '../../decisions/reports/fact-files';
import { NO_REPORTS_SOURCE } from '../../decisions/reports/routes';
import { Unauthenticated, type Staff } from '../../decisions/staff-auth';
import { sampleCompensationFacts, writeFactFiles } from '../../sandboxes/reports/sample-facts';
import { failureConverterPath } from '../../workers/bundle-options';
import { loadConfig } from '../../workers/config';
import { bundleFunction } from '../../workers/package-esbuild';
import { DECISIONS_EXTERNAL, FUNCTIONS } from '../../workers/package-lambda';
import { DUCKDB_LAYER_MAX_BYTES, stageDuckDbLayer } from '../../infra/cdk/lib/reports-layer';

/** The report endpoints of the decision service: role checks, query validation, downloads, and AWS mode. */
describe('GET /reports/spend|sla', () => {
  const people: Record<string, Staff> = {
    fin: { subject: 'fin.dave', roles: ['finance_manager'] },
    ops: { subject: 'ops.frank', roles: ['ops'] },
    agent: { subject: 'cs.alice', roles: ['cs_agent'] },
  };
  const verifyStaff = async (h: string | undefined) => {
    const who = people[(h ?? '').replace(/^Bearer /, '')];
    if (!who) throw new Unauthenticated('no token');
    return who;
  };
  const local = loadConfig({ PAYOPS_MODE: 'local' });
  const base = {
    decisions: loadDecisionsConfig(local, {}),
    client: {} as Client,
    verifyStaff,
    sign: async () => 'unused',
    console: { off: 'not in this test' },
  };
  let root: string;
  const engine = new ReportEngine({ threads: 1 });
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'route-'));
    await writeFactFiles(root, 'compensation', sampleCompensationFacts({ month: '2026-11', count: 500 }));
  });
  afterAll(() => {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (app: ReturnType<typeof createDecisionsApp>, who: string, path: string) =>
    app.request(path, { headers: { authorization: `Bearer ${who}` } });

  test('when finance asks for the spend report as CSV, then it downloads as an attachment; an agent is refused 403, ops may read service levels only', async () => {
    const app = createDecisionsApp({ ...base, config: local, reports: { engine, files: dirFactFiles(root) } });
    const q = 'from=2026-11-01&to=2026-12-01&tz=Europe/Berlin';
    const csv = await get(app, 'fin', `/reports/spend?${q}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename="compensation-spend_2026-11-01_2026-12-01.csv"',
    );
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^period_from,/);
    expect((await get(app, 'agent', `/reports/spend?${q}`)).status).toBe(403);
    expect((await get(app, 'ops', `/reports/spend?${q}`)).status).toBe(403);
    expect((await get(app, 'ops', `/reports/sla?${q}`)).status).toBe(200);
    expect((await get(app, 'agent', `/reports/sla?${q}`)).status).toBe(403);
  });

  test('when the query is malformed, then 400 names each field', async () => {
    const app = createDecisionsApp({ ...base, config: local, reports: { engine, files: dirFactFiles(root) } });
    const bad = await get(app, 'fin', '/reports/spend?from=2026-12-01&to=2026-11-01&format=xml');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual([
      'to',
      'format',
    ]);
  });

  test('when the service runs on AWS without a reports source, then finance gets 503 saying why (the role check still comes first)', async () => {
    const app = createDecisionsApp({ ...base, config: { ...local, PAYOPS_MODE: 'aws' as const } });
    const q = 'from=2026-11-01&to=2026-12-01';
    const off = await get(app, 'fin', `/reports/spend?${q}`);
    expect(off.status).toBe(503);
    expect(await off.json()).toEqual({ error: NO_REPORTS_SOURCE });
    expect((await get(app, 'agent', `/reports/spend?${q}`)).status).toBe(403);
  });
});

describe('the decision service on Lambda: DuckDB from its layer', () => {
  test('when its function is bundled as the Lambda packages it, then DuckDB is left to the layer (required at run time, no binding bundled)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'decisions-bundle-'));
    try {
      const spec = FUNCTIONS.find((f) => f.name === 'decisions')!;
      expect(spec.external).toEqual(DECISIONS_EXTERNAL);
      await bundleFunction(spec.entry, out, failureConverterPath, spec.external);
      const bundle = readFileSync(join(out, 'index.js'), 'utf8');
      expect(bundle).toContain('require("@duckdb/node-api")');
      expect(bundle).not.toContain('@duckdb/node-bindings');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  test('when the engine, bundled the same way, runs with only the staged layer on NODE_PATH (as /opt/nodejs/node_modules on Lambda), then it reads facts and answers a report query', async () => {
    const out = mkdtempSync(join(tmpdir(), 'duckdb-layer-'));
    try {
      const { dir, bytes } = stageDuckDbLayer(undefined, join(out, 'layer'));
      expect(bytes).toBeLessThan(DUCKDB_LAYER_MAX_BYTES);
      console.log(`DuckDB layer: ${(bytes / 1024 / 1024).toFixed(1)} MiB unzipped`);
      const entry = join(out, 'entry.ts');
      writeFileSync(
        entry,
        `import { ReportEngine } from ${JSON.stringify(join(__dirname, '..', '..', 'decisions', 'reports', 'engine'))};
export async function handler(file: string) {
  const engine = new ReportEngine({ threads: 1 });
  const scan = await engine.scan('compensation', [file], '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z');
  const rows = await scan.rows('SELECT count(*) AS n FROM facts');
  scan.close();
  engine.close();
  return rows;
}`,
      );
      await bundleFunction(entry, join(out, 'fn'), failureConverterPath, DECISIONS_EXTERNAL);
      const facts = join(out, 'facts.ndjson');
      const sample = [...sampleCompensationFacts({ month: '2026-11', count: 25 })];
      writeFileSync(facts, sample.map((f) => JSON.stringify(f)).join('\n') + '\n');
      // A fresh process in a directory with no node_modules: DuckDB resolves from the layer or not at all.
      const run = spawnSync(
        process.execPath,
        ['-e', `require('./index.js').handler(${JSON.stringify(facts)}).then((r) => console.log(JSON.stringify(r)))`],
        {
          cwd: join(out, 'fn'),
          env: { PATH: process.env['PATH'], NODE_PATH: join(dir, 'nodejs', 'node_modules') },
          encoding: 'utf8',
        },
      );
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([{ n: 25 }]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
