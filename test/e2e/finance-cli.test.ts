import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createS3Reports } from '../../activities/adapters/reports/s3-reports';
import { approvals } from '../../client';
import { startDisputeCase } from '../../client/disputes';
import type { DisputeListRow } from '../../client/disputes';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService, type DecisionService } from '../../decisions/server';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { deviceLogin, saveToken, sessionFile } from '../../scripts/staff-session';
import { main } from '../../scripts/finance';
import { runBin, runInProcess } from '../support/cli';
import { testClient, testConfig, testWorker } from '../support/stack';
import { staffSigner } from '../support/staff';
import { fakeDeps } from '../support/time-skipping';
import { until } from '../support/wait';
import { sampleCompensationFacts } from '../../sandboxes/reports/sample-facts';
import { awsOptions } from '../../workers/config';
import { factKey } from '../../workflows/shared/report-facts';

/** `npx payops-finance <args>`, in-process against the test stack: its exit code and output. */
const finance = (env: NodeJS.ProcessEnv, ...args: string[]) => runInProcess('finance', main, env, args);

describe('payops-finance (in-process against the test stack; one run as its own process)', () => {
  const config = testConfig();
  let idp: IdpSandbox;
  let service: DecisionService;
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let workerConnection: { close(): Promise<void> };
  let running: Promise<void>;
  let env: NodeJS.ProcessEnv;
  const deps = fakeDeps();

  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
    ({ worker, connection: workerConnection } = await testWorker(config, deps));
    running = worker.run();
    ({ client, connection } = await testClient(config));
    const serviceConfig = { ...config, IDP_URL: idp.url };
    const decisions = loadDecisionsConfig(serviceConfig, {});
    service = await startDecisionService({ config: serviceConfig, decisions, client, port: 0 });
    const { PAYOPS_TOKEN: _ignored, ...rest } = process.env;
    env = {
      ...rest,
      PAYOPS_MODE: 'local',
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL,
      IDP_URL: idp.url,
      DECISIONS_URL: service.url,
      PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-finance-cli-')),
    };
  });
  afterAll(async () => {
    await service?.stop();
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
    await idp?.stop();
  });

  test('when asked for --help, then it prints the usage and exits 0; bad arguments exit 2 naming the argument', async () => {
    const help = await finance(env, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('npx payops-finance disputes');
    const cases: Array<[string[], string]> = [
      [[], 'command: missing'],
      [['list', '--tier'], "--tier: Option '--tier <value>' argument missing"],
      [['approve'], '<requestId>: missing'],
      [['approve', 'req-1', '--approver', 'fin.carol'], '--approver was removed'],
      [['disputes', '--due-within', 'soon'], "--due-within: 'soon' is not a positive whole number"],
      [['decide', 'dp_1', '--decision', 'maybe'], "--decision: 'maybe' is not one of contest, accept"],
      [['decide', 'dp_1', '--decision', 'accept'], 'not logged in'],
      [['list'], 'not logged in'],
      [['list', '--to', 'x'], '--to: not an option of list'],
    ];
    for (const [args, message] of cases) {
      const r = await finance(env, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
    }
  });

  test('when listing compensation requests, then the text starts with a header row and --json is an array', async () => {
    saveToken(await deviceLogin(idp.url, { completeAs: 'fin.carol' }), sessionFile(env));
    const text = await finance(env, 'list');
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toMatch(/^REQUEST\s+TIER\s+AMOUNT\s+WAITING\s+NEXT STEP\s+ORDER$/);
    const json = await finance(env, 'list', '--json');
    expect(Array.isArray(JSON.parse(json.out))).toBe(true);
  });

  test('when a user pipes `npx payops-finance list --json` into a JSON parser, then stdout alone parses (no npm banner, logs on stderr)', async () => {
    saveToken(await deviceLogin(idp.url, { completeAs: 'fin.carol' }), sessionFile(env));
    const run = await runBin('payops-finance', env, ['list', '--json']);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(Array.isArray(JSON.parse(run.out))).toBe(true);
  });

  test("when a finance approver approves a pending request through the service, then the verdict is the workflow's: accepted, the request approved", async () => {
    const run = Date.now().toString(36);
    const [orderId, customerId, requestId] = [`ord-cli-${run}`, `cus-cli-${run}`, `req-cli-${run}`];
    deps.commerce.addCustomer(customerId, `${customerId}@customers.example`);
    deps.commerce.addOrder({
      orderId,
      customerId,
      paymentRef: `ch_${run}`,
      captured: { amountMinor: 50_000, currency: 'EUR' },
    });
    await approvals.startCompensation(
      client,
      {
        requestId,
        orderId,
        customerId,
        reasonCode: 'damaged_item',
        currency: 'EUR',
        remedies: { refund: { kind: 'partial', amountMinor: 10_000 } },
        requester: {},
        sign: staffSigner('cs.alice', ['cs_agent']),
      },
      { taskQueue: config.TEMPORAL_TASK_QUEUE },
    );
    await until(async () => {
      const s = await approvals.getCompensationState(client, requestId).catch(() => undefined);
      return s?.status === 'pending' ? s : undefined;
    }, 30_000);
    const carol = { ...env, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-finance-cli-')) };
    saveToken(await deviceLogin(idp.url, { completeAs: 'fin.carol' }), sessionFile(carol));

    const wrongAmount = await finance(carol, 'approve', requestId, '--reason', 'checked the photos', '--amount', '999');
    expect(wrongAmount.code).toBe(1);
    expect(wrongAmount.out).toMatch(/^refused by the workflow's validator: \S+ \(/);
    const approved = await finance(carol, 'approve', requestId, '--reason', 'checked the photos');
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/^accepted \(#1\): request is approved, 1\/1 approvals/);
  });

  test('when legal hands a dispute to finance_legal, then it is on the finance work list; a decision the validator refuses exits 1', async () => {
    const disputeId = `dp_fin${Date.now().toString(36)}`;
    const opened = await startDisputeCase(client, { disputeId }, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    try {
      expect((await finance(env, 'login', '--as', 'legal.grace')).code).toBe(0);
      const bad = await finance(env, 'decide', disputeId, '--decision', 'maybe');
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("--decision: 'maybe' is not one of contest, accept");

      const assigned = await finance(env, 'assign', disputeId, '--to', 'legal.grace', '--tier', 'finance_legal');
      expect(assigned.code).toBe(0);
      expect(assigned.out).toMatch(/^accepted: assign\n/);
      expect(assigned.out).toContain('tier finance_legal · assignee legal.grace');

      const listed = await until(async () => {
        const r = await finance(env, 'disputes', '--json');
        return (JSON.parse(r.out) as DisputeListRow[]).find((row) => row.workflowId === opened.workflowId);
      }, 30_000);
      expect(listed).toMatchObject({ tier: 'finance_legal', awaitingActor: 'finance' });
      const text = await finance(env, 'disputes');
      expect(text.out.split('\n')[0]).toMatch(
        /^DISPUTE\s+STATE\s+TIER\s+WAITING ON\s+AMOUNT\s+DUE BY\s+NEXT MILESTONE$/,
      );
      expect(text.out).toMatch(new RegExp(`^${disputeId}\\s+opened\\s+finance_legal\\s+finance\\s`, 'm'));

      // A tier the caller does not hold: the decision service refuses it before the workflow would.
      const refused = await finance(env, 'decide', disputeId, '--decision', 'accept', '--tier', 'tier1');
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("refused: tier1 is not one of legal.grace's roles");
      // Assigning again to the same person at the same tier: the workflow's validator refuses it (exit 1, its code).
      const again = await finance(env, 'assign', disputeId, '--to', 'legal.grace', '--tier', 'tier1');
      expect(again.code).toBe(1);
      expect(again.out).toMatch(/^refused by the workflow's validator: \S+ \(/);
      const shown = await finance(env, 'dispute', disputeId, '--json');
      expect(JSON.parse(shown.out)).toMatchObject({ disputeId, tier: 'finance_legal', assignee: 'legal.grace' });
    } finally {
      await opened.handle.terminate('test done');
    }
  });
  test('when finance asks for the spend report as CSV, JSON or text, then it comes from the service (DuckDB over the bucket), tied out to the ledger; an agent is refused; bad arguments exit 2', async () => {
    // Two facts on a day of their own, written to the reports bucket (S3 on moto) as the workflows write them; the
    // agent ID of one starts with '-' (a CSV cell that must be escaped). No postings: the tie-out must say so.
    const reports = createS3Reports({ aws: makeAwsClients(awsOptions(config)), bucket: config.REPORTS_BUCKET });
    const facts = [...sampleCompensationFacts({ month: '2021-03', count: 62 })].filter((f) => f.day === '2021-03-04');
    expect(facts).toHaveLength(2);
    facts[0]!.agentId = '-cs.mallory';
    for (const f of facts)
      await reports.put(factKey('compensation', f.day, f.factId), `${JSON.stringify(f)}\n`, 'application/x-ndjson');
    const args = ['--from', '2021-03-04', '--to', '2021-03-05', '--tz', 'UTC'];

    const bad = await finance(env, 'report', 'weekly', ...args);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'weekly' is not one of spend, sla");
    expect((await finance(env, 'report', 'spend', '--to', '2021-03-05')).code).toBe(2);

    saveToken(await deviceLogin(idp.url, { completeAs: 'fin.carol' }), sessionFile(env));
    const csv = await finance(env, 'report', 'spend', ...args, '--csv');
    expect(csv.code).toBe(0);
    const lines = csv.out.split('\r\n');
    expect(lines[0]).toMatch(/^period_from,period_to,timezone,section,dimension,key,currency,count,/);
    expect(lines).toContainEqual(expect.stringContaining(",group,agent,'-cs.mallory,"));
    const json = JSON.parse((await finance(env, 'report', 'spend', ...args, '--json')).out) as {
      totals: Array<{ count: number }>;
      tieOut: { currencies: Array<{ equal: boolean }> };
    };
    expect(json.totals.reduce((n, t) => n + t.count, 0)).toBe(2);
    expect(json.tieOut.currencies.every((c) => !c.equal)).toBe(true);
    const text = await finance(env, 'report', 'spend', ...args);
    expect(text.out.split('\n')[1]).toMatch(/^CURRENCY\s+REQUESTS\s+AUTO\s+FINANCE/);
    expect(text.out).toContain('DIFFERS');
    const sla = await finance(env, 'report', 'sla', ...args, '--json');
    expect(sla.code).toBe(0);
    expect(JSON.parse(sla.out)).toMatchObject({ report: 'payout-service-levels', totals: { count: 0 } });

    const agent = { ...env, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-finance-cli-')) };
    saveToken(await deviceLogin(idp.url, { completeAs: 'cs.alice' }), sessionFile(agent));
    const refused = await finance(agent, 'report', 'spend', ...args, '--csv');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('holds none of the roles the spend report needs');
  });
});
