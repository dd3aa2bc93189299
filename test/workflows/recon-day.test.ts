import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { makeAwsClients } from '../../activities/adapters/aws';
import { buildPain001 } from '../../activities/adapters/bank/iso20022';
import { createHttpBankStatements } from '../../activities/adapters/bank/statements';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { isoIdsFor, payoutPosting } from '../../activities/payouts';
import { createReconDayActivities } from '../../activities/recon-days';
import type { ReconAccount } from '../../activities/recon-days/accounts';
import { openDayBreaks, type BreakClient } from '../../activities/recon-days/breaks';
import { factsOf } from '../../activities/recon-days/accounts';
import type { StoredBreak } from '../../activities/recon-days/match';
import { createS3Reports } from '../../activities/adapters/reports/s3-reports';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import type { Booking } from '../../sandboxes/bank/books';
import { awsOptions, type AppConfig } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { BREAK_OBSERVED, RECON_BREAK_WORKFLOW, type ReconBreakInput } from '../../workflows/recon-breaks/contract';
import {
  getStateQuery,
  reconDayWorkflowId,
  RECON_DAY_WORKFLOW,
  type ReconDayInput,
  type ReconDayView,
} from '../../workflows/recon-days/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { idempotencyKey } from '../../workflows/shared/task-queue';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService } from '../../decisions/server';
import { startIdpSandbox } from '../../sandboxes/idp';
import { deviceLogin, saveToken, sessionFile } from '../../scripts/staff-session';
import { main as opsMain } from '../../scripts/ops';
import { previewDay } from '../../activities/recon-days/preview';
import { runInProcess } from '../support/cli';
import { ensureReconSchedules, reconScheduleId } from '../../client/recon';
import { ScheduleOverlapPolicy } from '@temporalio/client';

/**
 * The daily run end to end on the real dev server: payouts settled in the ledger (DynamoDB on moto) and booked by the
 * bank sandbox, its camt.053 read over HTTP, matched, and breaks opened through signalWithStart (recorded here: the
 * break workflow is another part's). Each test has its own bank account (IBAN) and business date, far from every
 * other test's ledger days.
 */

const CREDITOR = 'DE89370400440532013000';
const BIC = 'BUKBGB22';

/** A valid German IBAN for account number `n` (check digits computed, ISO 13616). */
function ibanFor(n: number): string {
  const bban = `37040044${String(n).padStart(10, '0')}`;
  let rest = 0;
  for (const ch of `${bban}131400`) rest = (rest * 10 + Number(ch)) % 97;
  return `DE${String(98 - rest).padStart(2, '0')}${bban}`;
}

/** A business date no other test uses (the ledger's day index is shared by every test file on this moto). */
function uniqueDate(): string {
  const day = Date.UTC(2101 + Math.floor(Math.random() * 8), 0, 10 + Math.floor(Math.random() * 340));
  return new Date(day).toISOString().slice(0, 10);
}

interface Recorded {
  starts: Array<{ workflowId: string; input: ReconBreakInput }>;
  counterparts: Array<{ workflowId: string; args: unknown[] }>;
}

describe('reconDay: one account-day end to end (real dev server, moto, bank sandbox)', () => {
  let sandbox: BankSandbox;
  let config: AppConfig;
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let running: Promise<void>;
  const accounts: ReconAccount[] = [];
  const recorded: Recorded = { starts: [], counterparts: [] };
  let ledger: ReturnType<typeof createDynamoLedger>;
  let reports: ReturnType<typeof createS3Reports>;
  let seq = Math.floor(Math.random() * 1_000_000);

  /** A fake Temporal client that records what the run asks of break workflows. */
  const breakClient: BreakClient = {
    workflow: {
      async signalWithStart(type, o) {
        expect(type).toBe(RECON_BREAK_WORKFLOW);
        expect(o.signal).toBe(BREAK_OBSERVED);
        recorded.starts.push({ workflowId: o.workflowId, input: o.args[0] as ReconBreakInput });
        return undefined;
      },
      getHandle: (workflowId) => ({
        async signal(_name: string, ...args: unknown[]) {
          recorded.counterparts.push({ workflowId, args });
        },
      }),
    },
  };

  const account = (over: Partial<ReconAccount> = {}): ReconAccount => {
    const a: ReconAccount = {
      accountId: `bank-t${++seq}`,
      rail: 'bank',
      iban: ibanFor(seq),
      currency: 'EUR',
      timezone: 'UTC',
      statementDeadlineHours: 1,
      pollEveryMinutes: 0.02,
      ...over,
    };
    accounts.push(a);
    return a;
  };

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(
      `${sandbox.url}/__admin/${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
    );
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`admin ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  /** Opens the account at the bank on `date` and moves the bank's business clock there. */
  const openAt = async (a: ReconAccount, date: string) => {
    await admin('clock', { businessDate: date });
    await admin('accounts', { accountIban: a.iban, currency: 'EUR', openingBalanceMinor: 1_000_000, openedOn: date });
  };

  /**
   * One payout settled: the bank executes its pain.001 (EndToEndId and MsgId derived from the initiation key as the
   * payout activities derive them) and the ledger holds its `settle` posting of `date`.
   */
  const settledPayout = async (a: ReconAccount, date: string, amountMinor: number) => {
    const workflowId = `payout-recon-${randomUUID()}`;
    const ids = isoIdsFor(idempotencyKey(workflowId, 'initiate'));
    // The ledger first: a run that sees the bank's booking must find the posting.
    await ledger.post(
      payoutPosting('settle', {
        postingId: idempotencyKey(workflowId, 'settle'),
        creatorId: 'creator-recon',
        amount: { amountMinor, currency: 'EUR' },
        payoutId: workflowId,
        effectiveDate: date,
        refs: { workflowId, rail: 'bank', attempt: 1 },
      }),
    );
    const body = buildPain001({
      messageId: ids.messageId,
      createdAt: `${date}T10:00:00Z`,
      debtor: { name: 'PayOps', iban: a.iban as string, bic: BIC },
      transactions: [
        { endToEndId: ids.endToEndId, amountMinor, currency: 'EUR', creditorName: 'Ada', accountRef: CREDITOR },
      ],
    });
    expect((await fetch(`${sandbox.url}/iso20022/pain.001`, { method: 'POST', body })).status).toBe(200);
    await until(async () => {
      // 404 until the bank's first booking on the account.
      const res = await fetch(`${sandbox.url}/__admin/books/${a.iban}`);
      const b = (res.status === 200 ? await res.json() : {}) as { bookings?: Booking[] };
      return b.bookings?.some((x) => x.endToEndId === ids.endToEndId && x.kind === 'transfer') || undefined;
    }, 10_000);
    return { workflowId, endToEndId: ids.endToEndId };
  };

  const start = (input: ReconDayInput & { businessDate: string }): Promise<WorkflowHandle> =>
    client.workflow.start(RECON_DAY_WORKFLOW, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: reconDayWorkflowId(input.accountId, input.businessDate, input.rerun),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [input],
    });

  const historyLength = async (h: WorkflowHandle) => ((await h.fetchHistory()).events ?? []).length;

  beforeAll(async () => {
    sandbox = await startBankSandbox({ port: 0, hmacSecret: 'recon_day_test_secret' });
    config = testConfig({ BANK_API_BASE: sandbox.url });
    const aws = makeAwsClients(awsOptions(config));
    ledger = createDynamoLedger({ aws, table: config.LEDGER_TABLE });
    reports = createS3Reports({ aws, bucket: config.REPORTS_BUCKET });
    // The accounts list is read at every activity call: tests add their own accounts as they go.
    const deps = buildDependencies(config, {
      reconAccounts: accounts,
      bankStatements: createHttpBankStatements({ apiBase: sandbox.url }),
    });
    ({ client, connection } = await testClient(config));
    ({ worker } = await testWorker(config, deps, {
      activities: { ...createActivities(deps), ...createReconDayActivities(deps, { client: () => breakClient }) },
    }));
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await sandbox?.stop();
  });

  test('when every payout settled in the ledger is booked by the bank, then the day ends all matched with no break, a tie-out of zero and a small history', async () => {
    const a = account();
    const date = uniqueDate();
    await openAt(a, date);
    for (const amount of [12_345, 500, 99_999]) await settledPayout(a, date, amount);

    const h = await start({ accountId: a.accountId, businessDate: date });
    const view = (await h.result()) as ReconDayView;

    expect(view.phase).toBe('done');
    expect(view.statementMissing).toBe(false);
    expect(view.counts).toMatchObject({ lines: 3, items: 3, matchedLines: 3, matchedItems: 3, breaks: 0 });
    expect(view.tieOut?.driftMinor).toBe(0);
    expect(view.breaks).toEqual({ signalled: 0, alreadyClosed: 0, counterpartSignalled: 0 });
    expect(recorded.starts.filter((s) => s.input.facts.accountId === a.accountId)).toHaveLength(0);
    const summary = JSON.parse((await reports.get(`recon/${a.accountId}/${date}/summary.json`)) ?? '{}');
    expect(summary.counts.matchedLines).toBe(3);
    const d = await h.describe();
    expect(d.typedSearchAttributes.get(SA.AwaitingActor)).toBe('none');
    expect(await historyLength(h)).toBeLessThan(60);
    await recordHistoryIfAsked(h, 'recon-day-all-matched');
  }, 60_000);

  let feeDay: { a: ReconAccount; date: string; digest: string } | undefined;

  test('when the bank charges a fee nobody expected, then the day opens one break for it with the fee amount', async () => {
    const a = account();
    const date = uniqueDate();
    await openAt(a, date);
    await settledPayout(a, date, 2_000);
    await settledPayout(a, date, 3_000);
    await admin('fees', { accountIban: a.iban, amountMinor: 250 });

    const h = await start({ accountId: a.accountId, businessDate: date });
    const view = (await h.result()) as ReconDayView;

    expect(view.counts).toMatchObject({ matchedLines: 2, matchedItems: 2, breaks: 1 });
    expect(view.counts?.breaksByClass).toEqual({ unexpected_external: 1 });
    const opened = recorded.starts.filter((s) => s.input.facts.accountId === a.accountId);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.input).toMatchObject({
      source: 'statement',
      facts: { class: 'unexpected_external', amountMinor: -250, currency: 'EUR', businessDate: date },
    });
    const stored = ((await reports.get(`recon/${a.accountId}/${date}/breaks.ndjson`)) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as StoredBreak);
    expect(stored.map((b) => b.workflowId)).toEqual([opened[0]?.workflowId]);
    feeDay = { a, date, digest: view.summaryDigest as string };
    await recordHistoryIfAsked(h, 'recon-day-fee-break');
  }, 60_000);

  test('when the day is re-run, then its summary digest is the same and it signals only the breaks it already opened', async () => {
    expect(feeDay).toBeDefined();
    const { a, date, digest } = feeDay!;
    const before = new Set(recorded.starts.map((s) => s.workflowId));
    const startsBefore = recorded.starts.length;

    const h = await start({ accountId: a.accountId, businessDate: date, rerun: 1 });
    expect(h.workflowId).toBe(`recon-day-${a.accountId}-${date}-r1`);
    const view = (await h.result()) as ReconDayView;

    expect(view.summaryDigest).toBe(digest);
    const again = recorded.starts.slice(startsBefore);
    expect(again).toHaveLength(1);
    expect(again.every((s) => before.has(s.workflowId))).toBe(true);
    // The first run's ID cannot run again: a re-run needs its own K.
    await expect(start({ accountId: a.accountId, businessDate: date })).rejects.toThrow(/already started/i);
  }, 60_000);

  test('when ops read, preview and re-run the day with the CLI, then the preview writes nothing and the re-run gives the same digest', async () => {
    expect(feeDay).toBeDefined();
    const { a, date, digest } = feeDay!;
    // The preview alone: no put reaches S3.
    let puts = 0;
    const counting = {
      get: reports.get,
      put: async (k: string, b: string, t: string) => (puts++, reports.put(k, b, t)),
    };
    const preview = await previewDay(counting, accounts, a.accountId, date, '2026-12.1');
    expect(preview).toMatchObject({ same: true, breaks: { added: [], removed: [] } });
    expect(puts).toBe(0);

    const idp = await startIdpSandbox({ port: 0 });
    const serviceConfig = { ...config, IDP_URL: idp.url, RECON_ACCOUNTS: [a] };
    const service = await startDecisionService({
      config: serviceConfig,
      decisions: loadDecisionsConfig(serviceConfig, {}),
      client,
      port: 0,
    });
    try {
      const { PAYOPS_TOKEN: _ignored, ...rest } = process.env;
      const env = {
        ...rest,
        PAYOPS_MODE: 'local',
        DECISIONS_URL: service.url,
        IDP_URL: idp.url,
        PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-recon-cli-')),
      };
      saveToken(await deviceLogin(idp.url, { completeAs: 'ops.frank' }), sessionFile(env));
      const ops = (...args: string[]) => runInProcess('ops', opsMain, env, args);

      const shown = await ops('recon', 'day', a.accountId, date, '--json');
      expect(shown.code).toBe(0);
      const report = JSON.parse(shown.out) as {
        summary: { counts: { breaks: number } };
        runs: Array<{ workflowId: string }>;
      };
      expect(report.summary.counts.breaks).toBe(1);
      expect(report.runs.map((r) => r.workflowId).sort()).toEqual([
        reconDayWorkflowId(a.accountId, date),
        reconDayWorkflowId(a.accountId, date, 1),
      ]);
      const text = await ops('recon', 'day', a.accountId, date);
      expect(text.out).toContain('unexpected_external');

      const dry = await ops('recon', 'preview', a.accountId, date, '--rules', '2026-12.1');
      expect(dry).toMatchObject({ code: 0 });
      expect(dry.out).toContain('no difference');
      expect((await ops('recon', 'preview', a.accountId, date)).code).toBe(2);
      expect((await ops('recon', 'day', 'no-such-account', date)).code).toBe(2);

      const rerun = await ops('recon', 'rerun', a.accountId, date, '--reason', 'statement re-delivered', '--json');
      expect(rerun.code).toBe(0);
      const { workflowId } = JSON.parse(rerun.out) as { workflowId: string };
      expect(workflowId).toBe(reconDayWorkflowId(a.accountId, date, 2));
      const view = (await client.workflow.getHandle(workflowId).result()) as ReconDayView;
      expect(view.summaryDigest).toBe(digest);
    } finally {
      await service.stop();
      await idp.stop();
    }
  }, 90_000);

  test('when the real server gets the break signals twice and ops closed one break meanwhile, then it is signalled again while open and never restarted once closed', async () => {
    expect(feeDay).toBeDefined();
    const { a, date } = feeDay!;
    const account = factsOf(a, date, 0);
    const keys = {
      matches: `recon/${a.accountId}/${date}/matches.ndjson`,
      breaks: `recon/${a.accountId}/${date}/breaks.ndjson`,
      closed: `recon/${a.accountId}/${date}/closed.ndjson`,
      carry: `recon/${a.accountId}/${date}/carry.json`,
      summary: `recon/${a.accountId}/${date}/summary.json`,
    };
    // A queue no worker polls: the break workflow (another part's) is started and left waiting for its first task.
    const queue = `recon-breaks-${randomUUID()}`;
    const first = await openDayBreaks({ reports }, client, queue, account, keys, () => undefined);
    expect(first).toEqual({ signalled: 1, alreadyClosed: 0, counterpartSignalled: 0 });
    const [opened] = recorded.starts.filter((s) => s.input.facts.accountId === a.accountId);
    const handle = client.workflow.getHandle(opened!.workflowId);
    const signals = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    expect(await signals()).toBe(1);
    expect(await openDayBreaks({ reports }, client, queue, account, keys, () => undefined)).toEqual(first);
    expect(await signals()).toBe(2);

    await handle.terminate('test: ops resolved the break');
    expect(await openDayBreaks({ reports }, client, queue, account, keys, () => undefined)).toEqual({
      signalled: 0,
      alreadyClosed: 1,
      counterpartSignalled: 0,
    });
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  }, 60_000);

  test('when the bank re-delivers the day statement as a duplicate and the day is re-run, then its matches and breaks are byte for byte the same', async () => {
    expect(feeDay).toBeDefined();
    const { a, date } = feeDay!;
    const key = `recon/${a.accountId}/${date}/summary.json`;
    const before = JSON.parse((await reports.get(key)) ?? '{}') as {
      digests: Record<string, string>;
      statement: { sha256: string };
    };
    const targets = new Set(recorded.starts.map((s) => s.workflowId));
    await admin('statement-faults', { accountIban: a.iban, fault: 'duplicate_delivery', date });

    const view = (await (
      await start({ accountId: a.accountId, businessDate: date, rerun: 3 })
    ).result()) as ReconDayView;

    const after = JSON.parse((await reports.get(key)) ?? '{}') as typeof before;
    expect(after.statement.sha256).not.toBe(before.statement.sha256);
    expect(after.digests.matches).toBe(before.digests.matches);
    expect(after.digests.breaks).toBe(before.digests.breaks);
    expect(view.counts).toMatchObject({ matchedLines: 2, breaks: 1 });
    expect(recorded.starts.every((s) => targets.has(s.workflowId))).toBe(true);
  }, 60_000);

  test('when the bank books one transfer twice, then the second booking is a duplicate break', async () => {
    const a = account();
    const date = uniqueDate();
    await openAt(a, date);
    const paid = await settledPayout(a, date, 7_700);
    await admin('statement-faults', { accountIban: a.iban, fault: 'double_booking', endToEndId: paid.endToEndId });

    const view = (await (await start({ accountId: a.accountId, businessDate: date })).result()) as ReconDayView;

    expect(view.counts).toMatchObject({ matchedLines: 1, matchedItems: 1, breaks: 1 });
    expect(view.counts?.breaksByClass).toEqual({ duplicate_external: 1 });
    const opened = recorded.starts.filter((s) => s.input.facts.accountId === a.accountId);
    expect(opened.map((s) => s.input.facts)).toMatchObject([
      { class: 'duplicate_external', amountMinor: -7_700, refs: { endToEndId: paid.endToEndId } },
    ]);
  }, 60_000);

  test('when no statement comes before the deadline, then the run waits on the bank with its deadline and then opens statement_missing', async () => {
    // A day that closed long ago at a bank that never sends the account's statement: the deadline has passed.
    const gone = account();
    const past = '2021-03-04';
    const view = (await (await start({ accountId: gone.accountId, businessDate: past })).result()) as ReconDayView;
    expect(view.statementMissing).toBe(true);
    expect(view.counts?.breaksByClass).toEqual({ statement_missing: 1 });
    expect(
      recorded.starts.filter((s) => s.input.facts.accountId === gone.accountId).map((s) => s.input.facts.class),
    ).toEqual(['statement_missing']);

    // A day whose statement is not there yet: the run shows it waits on the bank, until the bank issues it.
    const a = account({ statementDeadlineHours: 24 * 7 });
    const date = uniqueDate();
    const h = await start({ accountId: a.accountId, businessDate: date });
    const waiting = await until(async () => {
      const s = await h.query(getStateQuery);
      return s.phase === 'awaiting_statement' && s.statementAsks >= 2 ? s : undefined;
    }, 15_000);
    expect(waiting.deadlineAt).toBe(new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000 * 8).toISOString());
    await until(async () => {
      const sa = (await h.describe()).typedSearchAttributes;
      return sa.get(SA.AwaitingActor) === 'bank' && sa.get(SA.DeadlineAt) ? true : undefined;
    }, 10_000);
    // The bank opens the account with its first booking: until then it answers 404 (no statement yet).
    await admin('clock', { businessDate: date });
    await settledPayout(a, date, 4_200);
    const view2 = (await h.result()) as ReconDayView;
    expect(view2.counts).toMatchObject({ matchedLines: 1, breaks: 0 });
    expect((await h.describe()).typedSearchAttributes.get(SA.AwaitingActor)).toBe('none');
    await recordHistoryIfAsked(h, 'recon-day-awaited-statement');
  }, 90_000);

  test('when the account Schedule is ensured twice and triggered twice, then one Schedule exists and the previous day runs once under its own ID', async () => {
    const a = account({ statementDeadlineHours: 0 });
    const cfg = { TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE, accounts: [a] };
    expect(await ensureReconSchedules(client, cfg)).toEqual({ created: [reconScheduleId(a.accountId)], updated: [] });
    const schedule = client.schedule.getHandle(reconScheduleId(a.accountId));
    try {
      await schedule.pause('test: runs are triggered by hand');
      expect(await ensureReconSchedules(client, cfg)).toEqual({ created: [], updated: [reconScheduleId(a.accountId)] });
      const d = await schedule.describe();
      expect(d.state.paused).toBe(true);
      expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(d.spec.timezone).toBe('UTC');
      expect(d.action).toMatchObject({ workflowType: RECON_DAY_WORKFLOW, args: [{ accountId: a.accountId }] });

      // The day before today (account time): its statement never comes and its deadline (midnight + 0 h) has passed.
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      const day = client.workflow.getHandle(reconDayWorkflowId(a.accountId, yesterday));
      const view = await until(
        async () =>
          (await day.describe().catch(() => undefined)) ? ((await day.result()) as ReconDayView) : undefined,
        20_000,
      );
      expect(view).toMatchObject({ businessDate: yesterday, statementMissing: true, phase: 'done' });

      // A second run without a date (a catch-up, or the Schedule's action started by hand; the Schedule's own IDs are
      // per second): it finds the day started and ends at once.
      const againHandle = await client.workflow.start(RECON_DAY_WORKFLOW, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `recon-scheduled-${a.accountId}-again`,
        args: [{ accountId: a.accountId }],
      });
      const again = (await againHandle.result()) as ReconDayView;
      await recordHistoryIfAsked(againHandle, 'recon-day-scheduled-already-started');
      expect(again.day).toEqual({ workflowId: reconDayWorkflowId(a.accountId, yesterday), alreadyStarted: true });
      expect(again.phase).toBe('delegated');
      expect(view.day).toBeUndefined();
    } finally {
      await schedule.delete().catch(() => undefined);
    }
  }, 90_000);
});
