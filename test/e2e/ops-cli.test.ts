import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService, type DecisionService } from '../../decisions/server';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { deviceLogin, saveToken, sessionFile } from '../../scripts/staff-session';
import { describeProviderQueue, describePspQueue } from '../../client/psp-control';
import { stuckQuery } from '../../client/stuck';
import type { PayoutReport } from '../../decisions/reads';
import type { StuckCount } from '../../decisions/reads';
import { startStuckPayouts, type StuckPayouts } from '../browser/stuck-payouts-stack';
import { main } from '../../scripts/ops';
import { runBin, runInProcess } from '../support/cli';
import { testConfig } from '../support/stack';
import { loadAdyenConfig } from '../../workers/config-adyen';
import { until } from '../support/wait';

const UI = 'http://ui.ops.test:8233';

/** `npx payops-ops <args>`, in-process against the test stack: its exit code and output. */
const ops = (env: NodeJS.ProcessEnv, ...args: string[]) => runInProcess('ops', main, env, args);

describe('payops-ops (in-process against the test stack; one run as its own process)', () => {
  let idp: IdpSandbox;
  let stack: StuckPayouts;
  let service: DecisionService;
  let env: NodeJS.ProcessEnv;
  /** `env` with a session of its own, logged in as `staff` (the device login, completed in-process). */
  const loggedIn = async (staff: string) => {
    const own = { ...env, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-ops-cli-')) };
    saveToken(await deviceLogin(idp.url, { completeAs: staff }), sessionFile(own));
    return own;
  };
  const run = Date.now().toString(36);
  const kycPayout = `ops-kyc-${run}`;

  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
    stack = await startStuckPayouts(testConfig());
    // The service reads and decides for the CLI; its Web UI links use its own WEB_UI_URL.
    const serviceConfig = { ...stack.config, IDP_URL: idp.url, WEB_UI_URL: UI };
    const decisions = loadDecisionsConfig(serviceConfig, {});
    service = await startDecisionService({ config: serviceConfig, decisions, client: stack.client, port: 0 });
    const { PAYOPS_TOKEN: _ignored, ...rest } = process.env;
    env = {
      ...rest,
      PAYOPS_MODE: 'local',
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE,
      AWS_ENDPOINT_URL: stack.config.AWS_ENDPOINT_URL,
      IDP_URL: idp.url,
      DECISIONS_URL: service.url,
      PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-ops-cli-')),
    };
    await stack.parkOnKyc(kycPayout);
    env = await loggedIn('ops.frank');
  });
  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
    await idp?.stop();
  });

  test('when asked for --help, then it prints the usage and exits 0; bad arguments exit 2 naming the argument', async () => {
    const help = await ops(env, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('npx payops-ops show <payoutId>');
    const cases: Array<[string[], string]> = [
      [[], 'command: missing'],
      [['explode'], "command: unknown command 'explode'"],
      [['hold'], '<payoutId>: missing'],
      [['hold', kycPayout], '--reason: required'],
      [['hold', kycPayout, '--reason'], "--reason: Option '--reason <value>' argument missing"],
      [['show', kycPayout, '--bogus'], "--bogus: Unknown option '--bogus'"],
      [['show', kycPayout, '--reason', 'x'], '--reason: not an option of show'],
      [['resolve', kycPayout, '--reason', 'x', '--resolution', 'maybe'], "--resolution: 'maybe' is not one of"],
    ];
    for (const [args, message] of cases) {
      const r = await ops(env, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
    }
    const loggedOut = { ...env, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-ops-cli-')) };
    for (const args of [['retry', kycPayout, '--reason', 'x'], ['show', kycPayout], ['stuck']]) {
      const r = await ops(loggedOut, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain('not logged in: run npx payops-ops login --as <staff>');
    }
  });

  test('when a payout is parked on KYC, then show prints what it waits on, since when, its deadline and timeline; --json parses', async () => {
    const text = await ops(env, 'show', kycPayout);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/state\s+awaiting_payability/);
    expect(text.out).toMatch(/waiting on\s+creator since \d{4}-\d\d-\d\dT[\d:.]+Z: /);
    expect(text.out).toMatch(/deadline\s+\d{4}-\d\d-\d\dT/);
    expect(text.out).toMatch(/last error\s+kyc_pending/);

    // As a user pipes it (`npx payops-ops show <id> --json | jq`): its own process, stdout alone is the document.
    const json = await runBin('payops-ops', env, ['show', kycPayout, '--json']);
    expect({ code: json.code, err: json.err }).toEqual({ code: 0, err: '' });
    const report = JSON.parse(json.out) as PayoutReport;
    expect(report.status).toMatchObject({ state: 'awaiting_payability', awaiting: { actor: 'creator' } });
    expect(report.execution.status).toBe('RUNNING');
    expect(report.status.timeline.length).toBeGreaterThan(0);
  });

  test('when ops.frank logs in, then a fix goes through the decision service: a refused verdict exits 1 with its code, an accepted one exits 0 and lands in the audit trail, a missing role exits 1', async () => {
    const fresh = { ...env, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-ops-cli-')) };
    const login = await ops(fresh, 'login', '--as', 'ops.frank');
    expect(login.code).toBe(0);
    expect(login.out).toMatch(/^logged in as ops\.frank \(ops\)/);

    const hana = await loggedIn('compliance.hana');
    const refused = await ops(hana, 'release', kycPayout, '--reason', 'nothing to release');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^refused by the workflow's validator: not_on_hold \(/);

    const held = await ops(fresh, 'hold', kycPayout, '--reason', 'sanctions review', '--json');
    expect(held.code).toBe(0);
    expect(JSON.parse(held.out)).toEqual({ accepted: true, value: { state: expect.any(String) } });

    const shown = await ops(fresh, 'show', kycPayout);
    expect(shown.out).toMatch(/on hold\s+since \S+ by ops\.frank: sanctions review/);
    expect(shown.out).toMatch(/payout\.ops\.hold\s+ops\.frank \[token \S+ key \S+\]\s+sanctions review/);

    const wrongRole = await ops(await loggedIn('fin.carol'), 'release', kycPayout, '--reason', 'not mine to release');
    expect(wrongRole.code).toBe(1);
    expect(wrongRole.err).toContain('refused: fin.carol holds none of the roles');

    const released = await ops(hana, 'release', kycPayout, '--reason', 'review cleared');
    expect(released.code).toBe(0);
    expect(released.out).toMatch(/^accepted: release /);
  });

  test('when ops pause one PSP for an incident through the decision service, then only its queue stops under the verified operator, a token without the ops role is refused, and resume restores at most the configured rate', async () => {
    const queue = stack.config.TEMPORAL_TASK_QUEUE;
    const asOps = await loggedIn('ops.frank');
    const asFinance = await loggedIn('fin.carol');
    expect((await ops(asOps, 'pause-psp', '--provider', 'stripe', '--reason', 'PSP 5xx')).err).toContain(
      '--incident: required',
    );
    // The provider is never guessed: a pre-issue-25 command line is refused before anything is sent.
    const unnamed = await ops(asOps, 'pause-psp', '--incident', 'INC-7', '--reason', 'PSP 5xx');
    expect(unnamed).toMatchObject({ code: 2 });
    expect(unnamed.err).toContain('--provider: required');
    expect((await ops(asOps, 'resume-psp', '--provider', 'paypal')).err).toContain(
      "--provider: 'paypal' is not one of stripe, adyen",
    );
    expect((await ops(asOps, 'resume-psp', '--provider', 'stripe', '--rate', 'fast')).code).toBe(2);

    const refused = await ops(asFinance, 'pause-psp', '--provider', 'stripe', '--incident', 'INC-7', '--reason', 'x');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('refused: fin.carol holds none of the roles PSP incident control needs (ops)');
    expect(await describePspQueue(stack.client, queue)).not.toMatchObject({ ratePerSecond: 0 });

    const stripeBefore = await describeProviderQueue(stack.client, 'stripe', queue);
    const adyen = await ops(asOps, 'pause-psp', '--provider', 'adyen', '--incident', 'INC-8', '--reason', 'Adyen 5xx');
    expect(adyen.code).toBe(0);
    expect(adyen.out).toMatch(/^paused adyen: no new adyen call leaves \S+-psp-adyen .* incident INC-8, by ops\.frank/);
    expect(await describeProviderQueue(stack.client, 'adyen', queue)).toMatchObject({ ratePerSecond: 0 });
    expect(await describeProviderQueue(stack.client, 'stripe', queue)).toEqual(stripeBefore);
    expect((await ops(asOps, 'resume-psp', '--provider', 'adyen')).code).toBe(0);
    // Adyen resumes at Adyen's own account-wide limit (workers/config-adyen.ts), never at Stripe's.
    const adyenCeiling = loadAdyenConfig('local', process.env).accountRateLimitRps;
    expect(adyenCeiling).not.toBe(stack.config.PSP_ACCOUNT_RATE_LIMIT_RPS);
    expect(await describeProviderQueue(stack.client, 'adyen', queue)).toMatchObject({ ratePerSecond: adyenCeiling });

    const paused = await ops(
      asOps,
      'pause-psp',
      '--provider',
      'stripe',
      '--incident',
      'INC-7',
      '--reason',
      'x',
      '--json',
    );
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.out)).toMatchObject({ provider: 'stripe', incidentId: 'INC-7', operator: 'ops.frank' });
    expect(await describePspQueue(stack.client, queue)).toMatchObject({ ratePerSecond: 0, pausedBy: 'INC-7' });

    const resumed = await ops(asOps, 'resume-psp', '--provider', 'stripe', '--rate', '7');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/^resumed stripe: .* at 7\/s \(incident INC-7 over\), by ops\.frank/);
    expect(await describePspQueue(stack.client, queue)).toMatchObject({ ratePerSecond: 7 });

    // A rate above the configured account limit is never restored, whatever the caller (or a pause's reason) says.
    const capped = await ops(asOps, 'resume-psp', '--provider', 'stripe', '--rate', '5000', '--json');
    expect(JSON.parse(capped.out)).toMatchObject({ ratePerSecond: stack.config.PSP_ACCOUNT_RATE_LIMIT_RPS });
  });

  test('when a payout fails at the PSP, then show prints its pending attempt and the decoded last failure', async () => {
    const payoutId = `ops-psp-${run}`;
    await stack.failAtPsp(payoutId, 2);
    const r = await ops(env, 'show', payoutId, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as PayoutReport;
    const pending = report.pendingActivities.find((p) => p.lastFailure);
    expect(pending).toMatchObject({ attempt: expect.any(Number), nextAttemptAt: expect.any(String) });
    expect(pending?.attempt).toBeGreaterThanOrEqual(2);
    // Decoded through the codec: the raw proto would only say "Encoded failure".
    expect(pending?.lastFailure?.message).not.toBe('Encoded failure');
    expect(pending?.lastFailure?.message).toMatch(/psp|500/i);
  });

  test('when stuck work exists, then stuck counts it per category with a Web UI link that carries the category query', async () => {
    const parked = await until(async () => {
      const r = await ops(env, 'stuck', '--json');
      expect(r.code).toBe(0);
      const { categories } = JSON.parse(r.out) as { categories: StuckCount[] };
      const p = categories.find((c) => c.category === 'parked');
      return p && p.count >= 1 ? categories : undefined;
    }, 30_000);
    expect(parked.map((c) => c.category)).toEqual([
      'overdue_person',
      'retrying',
      'parked',
      'unconfirmed_at_rail',
      'runs_not_finishing',
    ]);
    for (const c of parked) {
      const url = new URL(c.webUi);
      expect(`${url.origin}${url.pathname}`).toBe(`${UI}/namespaces/default/workflows`);
      expect(url.searchParams.get('query')).toBe(c.query);
    }
    const parkedQuery = parked.find((c) => c.category === 'parked')?.query;
    expect(parkedQuery).toBe(stuckQuery('parked', new Date()));
    const text = await ops(env, 'stuck');
    expect(text.out).toMatch(/^CATEGORY\s+COUNT\s+MEANING$/m);
    expect(text.out).toContain(`parked: ${UI}/namespaces/default/workflows?query=`);
  });
});
