import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createS3FactStore } from '../../activities/adapters/reports/fact-store';
import { compactDay, compactedKey, mapCompactionStore } from '../../decisions/reports/compaction';
import { ReportEngine } from '../../decisions/reports/engine';
import { mirroredFactFiles } from '../../decisions/reports/fact-files';
import { periodOf, periodSchema } from '../../decisions/reports/period';
import { spendJson } from '../../decisions/reports/render';
import { spendReport } from '../../decisions/reports/spend';
import { main } from '../../scripts/compact-facts';
import { sampleCompensationFacts } from '../../sandboxes/reports/sample-facts';
import { awsOptions, loadConfig } from '../../workers/config';
import { factKey, factPrefix, type CompensationFact } from '../../workflows/shared/report-facts';
import { stackEnv } from '../support/stack';

/** Fact compaction over the reports bucket (moto): one file per day, idempotent, never a fact counted twice. */
describe('fact compaction (one file per day)', () => {
  const endpoint = stackEnv('AWS_ENDPOINT_URL');
  const bucket = `reports-compaction-${randomUUID()}`;
  const env = { PAYOPS_MODE: 'local', AWS_ENDPOINT_URL: endpoint, REPORTS_BUCKET: bucket };
  const aws = makeAwsClients(awsOptions(loadConfig(env)));
  const store = createS3FactStore({ aws, bucket });
  const engine = new ReportEngine({ threads: 1 });
  const period = periodOf(periodSchema.parse({ from: '2026-11-01', to: '2026-11-04', tz: 'UTC' }));
  const facts: CompensationFact[] = [...sampleCompensationFacts({ month: '2026-11', count: 300 })].filter((f) =>
    period.utcDays.includes(f.day),
  );
  const dirs: string[] = [];
  const cache = () => {
    const d = mkdtempSync(join(tmpdir(), 'compaction-cache-'));
    dirs.push(d);
    return d;
  };
  const put = (key: string, body: string) =>
    aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const putFact = (f: CompensationFact) => put(factKey('compensation', f.day, f.factId), `${JSON.stringify(f)}\n`);
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    return JSON.parse(out.join('')) as Array<{ day: string; facts: number; folded: number; wrote: boolean }>;
  };
  const listAll = async () =>
    (await Promise.all(period.utcDays.map((d) => store.list(factPrefix('compensation', d))))).flat();

  beforeAll(async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const f of facts) await putFact(f);
  });
  afterAll(() => {
    engine.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  let before: string;
  let mirror: string;

  test('when the days are compacted, then each holds one file of its facts sorted by ID, the singles are gone, and the spend report is byte-identical, also through a mirror still holding the removed singles', async () => {
    expect(facts.length).toBeGreaterThan(20);
    mirror = cache();
    before = spendJson(await spendReport(engine, mirroredFactFiles(store, mirror), period));

    const done = await run('--from', '2026-11-01', '--to', '2026-11-04', '--kind', 'compensation', '--json');
    expect(done.map((d) => [d.day, d.facts, d.folded, d.wrote])).toEqual(
      period.utcDays.map((day) => {
        const n = facts.filter((f) => f.day === day).length;
        return [day, n, n, true];
      }),
    );
    expect(await listAll()).toEqual(period.utcDays.map((d) => compactedKey('compensation', d)));
    const first = (await store.get(compactedKey('compensation', '2026-11-01')))!.trimEnd().split('\n');
    const ids = first.map((l) => (JSON.parse(l) as CompensationFact).factId);
    expect(ids).toEqual([...ids].sort());

    expect(spendJson(await spendReport(engine, mirroredFactFiles(store, mirror), period))).toBe(before);
    expect(spendJson(await spendReport(engine, mirroredFactFiles(store, cache()), period))).toBe(before);
  });

  test('when it runs again, then nothing is rewritten; a fact written again after compaction and a late fact count once each, and the next run folds them in', async () => {
    const again = await run('--from', '2026-11-01', '--to', '2026-11-04', '--kind', 'compensation', '--json');
    expect(again.every((d) => !d.wrote && d.folded === 0)).toBe(true);

    // An activity retry writes a compacted fact again; a fact booked late lands as a single in a compacted day.
    const rewritten = facts.find((f) => f.day === '2026-11-02')!;
    const late: CompensationFact = { ...rewritten, factId: 'compensation-late-1', requestId: 'late-1' };
    await putFact(rewritten);
    await putFact(late);
    const counted = await spendReport(engine, mirroredFactFiles(store, mirror), period);
    const total = (r: typeof counted) => r.totals.reduce((n, t) => n + t.count, 0);
    expect(total(counted)).toBe(facts.length + 1);

    const folded = await run('--from', '2026-11-02', '--to', '2026-11-03', '--kind', 'compensation', '--json');
    expect(folded).toEqual([
      {
        kind: 'compensation',
        day: '2026-11-02',
        facts: facts.filter((f) => f.day === '2026-11-02').length + 1,
        folded: 2,
        wrote: true,
      },
    ]);
    expect(await listAll()).toEqual(period.utcDays.map((d) => compactedKey('compensation', d)));
    expect(spendJson(await spendReport(engine, mirroredFactFiles(store, cache()), period))).toBe(spendJson(counted));
  });

  test('when a day holds a line that is not a fact, then compaction stops there and the day is left as it was', async () => {
    const objects = new Map([
      [factKey('compensation', '2026-11-05', 'a'), `${JSON.stringify({ ...facts[0], factId: 'a' })}\n`],
      [factKey('compensation', '2026-11-05', 'b'), 'not json\n'],
    ]);
    const snapshot = new Map(objects);
    await expect(compactDay(mapCompactionStore(objects), 'compensation', '2026-11-05')).rejects.toThrow(
      /day=2026-11-05\/b\.ndjson: a line is not JSON/,
    );
    expect(objects).toEqual(snapshot);
  });

  test('when the arguments are bad, then it exits 2 naming the flag', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t), env };
    expect(await main(['--kind', 'refunds'], io)).toBe(2);
    expect(err.join('')).toContain('--kind: must be compensation or payout-sla');
  });
});
