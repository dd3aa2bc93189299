import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createDecisionsApp } from '../../decisions/app';
import { loadDecisionsConfig } from '../../decisions/config';
import { factsQuery } from '../../decisions/reports/athena-facts';
import { customerHistory, historyPeriod, type CustomerHistory } from '../../decisions/reports/customer-history';
import { ReportEngine } from '../../decisions/reports/engine';
import { dirFactFiles, type FactFiles } from '../../decisions/reports/fact-files';
import { Unauthenticated, type Staff } from '../../decisions/staff-auth';
import { sampleCompensationFacts, writeFactFiles } from '../../sandboxes/reports/sample-facts';
import { loadConfig } from '../../workers/config';
import type { CompensationFact } from '../../workflows/shared/report-facts';

/** A customer's compensation history from the facts: the rows, their order and window, totals per currency. */
describe("a customer's compensation history", () => {
  const engine = new ReportEngine({ threads: 1 });
  let root: string;
  /** November's sample facts, four of them re-assigned to customer `cus-42` (one in USD, one failed and undone). */
  const facts: CompensationFact[] = [...sampleCompensationFacts({ month: '2026-11', count: 400 })];
  const mine = [10, 120, 250, 399];
  beforeAll(async () => {
    for (const [n, i] of mine.entries()) {
      const f = facts[i]!;
      f.customerId = n === 2 ? 'CUS-42' : 'cus-42'; // written as given: the history compares case-folded
      f.currency = n === 1 ? 'USD' : 'EUR';
      if (n === 3) {
        Object.assign(f, {
          outcome: 'failed',
          autoApproved: false,
          approvers: [{ id: 'fin.dave', role: 'finance_manager' }],
        });
        Object.assign(f, { storeCreditMinor: 500, undoneStoreCreditMinor: 500, undoneMinor: 500 });
        f.totalMinor = f.refundMinor + f.storeCreditMinor + f.voucherMinor;
        f.netMinor = f.totalMinor - f.undoneMinor;
      }
    }
    // No other sample fact belongs to cus-42 (sample customers are cus-<random>).
    for (const [i, f] of facts.entries()) if (!mine.includes(i) && f.customerId === 'cus-42') f.customerId = 'cus-x';
    root = mkdtempSync(join(tmpdir(), 'customer-history-'));
    await writeFactFiles(root, 'compensation', facts);
  });
  afterAll(() => {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('when a customer had compensations in the window, then each shows newest first with its instruments, net, approval path and approvers, and the totals per currency add up', async () => {
    const period = historyPeriod(new Date('2026-11-30T12:00:00Z'), 90);
    const h = await customerHistory(engine, dirFactFiles(root), 'Cus-42', period);
    expect(h.customerId).toBe('cus-42');
    expect(h.period).toEqual({ fromUtc: '2026-09-02T00:00:00.000Z', toUtc: '2026-12-01T00:00:00.000Z', days: 90 });
    expect(h.compensations.map((r) => r.requestId)).toEqual(mine.map((i) => facts[i]!.requestId).reverse());
    const failed = h.compensations[0]!;
    expect(failed).toMatchObject({
      outcome: 'failed',
      approval: 'finance',
      approvers: [{ id: 'fin.dave', role: 'finance_manager' }],
      storeCreditMinor: 500,
      netMinor: facts[399]!.refundMinor + facts[399]!.voucherMinor,
    });
    for (const r of h.compensations) {
      const f = facts.find((x) => x.requestId === r.requestId)!;
      expect(r).toMatchObject({
        at: f.at,
        orderId: f.orderId,
        reasonCode: f.reasonCode,
        currency: f.currency,
        refundMinor: f.refundMinor,
        voucherMinor: f.voucherMinor,
        netMinor: f.netMinor,
        approval: f.autoApproved ? 'auto' : 'finance',
      });
    }
    const net = (cur: string) =>
      mine
        .map((i) => facts[i]!)
        .filter((f) => f.currency === cur)
        .reduce((n, f) => n + f.netMinor, 0);
    expect(h.totals).toEqual([
      { currency: 'EUR', count: 3, netMinor: net('EUR') },
      { currency: 'USD', count: 1, netMinor: net('USD') },
    ]);
  });

  test('when the window ends before some of them, then only those inside count; a customer with none gets empty lists', async () => {
    // 2026-11-10 UTC: fact 10 of 400 is on 1 Nov, fact 120 on 10 Nov (the window runs to the end of that day).
    const h = await customerHistory(
      engine,
      dirFactFiles(root),
      'cus-42',
      historyPeriod(new Date('2026-11-10T01:00:00Z'), 30),
    );
    expect(h.compensations.map((r) => r.requestId)).toEqual([facts[120]!.requestId, facts[10]!.requestId]);
    const none = await customerHistory(
      engine,
      dirFactFiles(root),
      'cus-nobody',
      historyPeriod(new Date('2026-11-30T00:00:00Z')),
    );
    expect(none).toMatchObject({ compensations: [], totals: [] });
  });

  test('when the source can filter (Athena), then it is asked for the case-folded customer only; an ID that is not an internal ID is never spliced into a query', async () => {
    const asked: unknown[] = [];
    const spy: FactFiles = {
      files: async (kind, days, where) => {
        asked.push(where);
        return dirFactFiles(root).files(kind, days);
      },
    };
    await customerHistory(engine, spy, 'CUS-42', historyPeriod(new Date('2026-11-30T00:00:00Z')));
    expect(asked).toEqual([{ customerId: 'cus-42' }]);
    expect(factsQuery('compensation', ['2026-11-01'], { customerId: 'cus-42' })).toMatch(
      /WHERE "day" IN \('2026-11-01'\) AND lower\("customerid"\) = 'cus-42'$/,
    );
    expect(() => factsQuery('compensation', ['2026-11-01'], { customerId: "x' OR 1=1 --" })).toThrow('customerId');
    await expect(
      customerHistory(engine, spy, "x' OR '1'='1", historyPeriod(new Date('2026-11-30T00:00:00Z'))),
    ).rejects.toThrow('customerId');
  });

  describe('GET /reports/customers/:customerId/compensations', () => {
    const people: Record<string, Staff> = {
      fin: { subject: 'fin.dave', roles: ['finance_manager'] },
      agent: { subject: 'cs.alice', roles: ['cs_agent'] },
      ops: { subject: 'ops.frank', roles: ['ops'] },
    };
    const app = () => {
      const local = loadConfig({ PAYOPS_MODE: 'local' });
      return createDecisionsApp({
        config: local,
        decisions: loadDecisionsConfig(local, {}),
        client: {} as Client,
        verifyStaff: async (h) => {
          const who = people[(h ?? '').replace(/^Bearer /, '')];
          if (!who) throw new Unauthenticated('no token');
          return who;
        },
        sign: async () => 'unused',
        console: { off: 'not in this test' },
        reports: { engine, files: dirFactFiles(root) },
      });
    };
    const get = (who: string, path: string) => app().request(path, { headers: { authorization: `Bearer ${who}` } });

    test('when a role that may read a request asks, then it answers the history; ops (no approvals role) is refused 403; a bad ID or window is 400 naming the field', async () => {
      const ok = await get('fin', '/reports/customers/cus-42/compensations?days=366');
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as CustomerHistory).customerId).toBe('cus-42');
      expect((await get('agent', '/reports/customers/cus-42/compensations')).status).toBe(200);
      expect((await get('ops', '/reports/customers/cus-42/compensations')).status).toBe(403);
      const bad = await get('fin', '/reports/customers/a%40b.com/compensations?days=0');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual([
        'customerId',
        'days',
      ]);
    });
  });
});
