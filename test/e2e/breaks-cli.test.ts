import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService, type DecisionService } from '../../decisions/server';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { deviceLogin, saveToken, sessionFile } from '../../scripts/staff-session';
import { main } from '../../scripts/ops';
import { adjustmentPostingId, recoveryPostingId } from '../../workflows/recon-breaks/contract';
import { runInProcess } from '../support/cli';
import { until } from '../support/wait';
import { breakBed, breakFacts } from '../workflows/recon-breaks-support';

/** `npx payops-ops breaks <args>`, in-process, logged in as `env`'s staff member. */
const ops = (env: NodeJS.ProcessEnv, ...args: string[]) => runInProcess('ops', main, env, ['breaks', ...args]);

describe('payops-ops breaks (decision service, identity provider and a break worker on the test stack)', () => {
  const bed = breakBed();
  let idp: IdpSandbox;
  let service: DecisionService;
  let base: NodeJS.ProcessEnv;
  const handles: WorkflowHandle[] = [];
  const as = async (staff: string) => {
    const env = { ...base, PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-breaks-cli-')) };
    saveToken(await deviceLogin(idp.url, { completeAs: staff }), sessionFile(env));
    return env;
  };
  const open = async (...args: Parameters<typeof bed.open>) => {
    const h = await bed.open(...args);
    handles.push(h);
    return h;
  };

  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
    const config = { ...bed.config, IDP_URL: idp.url };
    const decisions = loadDecisionsConfig(config, {});
    service = await startDecisionService({ config, decisions, client: bed.client, audit: bed.deps.audit, port: 0 });
    const { PAYOPS_TOKEN: _ignored, ...rest } = process.env;
    base = {
      ...rest,
      PAYOPS_MODE: 'local',
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL,
      IDP_URL: idp.url,
      DECISIONS_URL: service.url,
    };
  });
  afterAll(async () => {
    for (const h of handles) await h.terminate('test done').catch(() => undefined);
    await service?.stop();
    await idp?.stop();
  });

  test('when a bad command line is given, then it exits 2 naming the argument before any request', async () => {
    const env = await as('ops.frank');
    const cases: Array<[string[], string]> = [
      [['resolve', 'recon-break-00'], '--action: required'],
      [['resolve', 'recon-break-00', '--action', 'explode'], "--action: 'explode' is not one of"],
      [['resolve', 'recon-break-00', '--action', 'void'], '--reason: required'],
      [['resolve', 'recon-break-00', '--action', 'link', '--note', 'x'], '--workflow: link needs one of'],
      [
        [
          'resolve',
          'recon-break-00',
          '--action',
          'adjust',
          '--amount-minor',
          '1.5',
          '--currency',
          'EUR',
          '--account',
          'fees:bank',
          '--note',
          'x',
        ],
        '--amount-minor: must be a whole number',
      ],
      [['list', '--action', 'void'], '--action: not an option of list'],
      [['resolve', 'recon-break-00', '--action', 'recover-duplicate', '--note', 'x'], '--mode: required'],
      [
        ['resolve', 'recon-break-00', '--action', 'recover-duplicate', '--mode', 'refund', '--note', 'x'],
        "--mode: 'refund' is not one of",
      ],
    ];
    for (const [args, message] of cases) {
      const r = await ops(env, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
    }
  });

  test('when ops list, show and link a break, then the list finds it and a second resolution is refused with exit 1', async () => {
    const h = await open(breakFacts());
    const env = await as('ops.frank');
    const listed = await until(
      async () => {
        const r = await ops(env, 'list', '--open', '--json');
        const rows = JSON.parse(r.out) as Array<{ workflowId: string; breakClass: string }>;
        return rows.find((row) => row.workflowId === h.workflowId);
      },
      15_000,
      'the break in `breaks list --open`',
    );
    expect(listed.breakClass).toBe('unexpected_external');
    const shown = await ops(env, 'show', h.workflowId);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('unexpected_external');
    expect(shown.out).toContain('waiting on    ops');

    const link = await ops(
      env,
      'resolve',
      h.workflowId,
      '--action',
      'link',
      '--line',
      'L-1',
      '--note',
      'bank reversal',
    );
    expect(link).toMatchObject({ code: 0 });
    expect(link.out).toContain('the break is now resolved (linked)');
    const again = await ops(env, 'resolve', h.workflowId, '--action', 'void', '--reason', 'twice');
    expect(again.code).toBe(1);
    expect(again.out).toContain('not_open');
    const trail = await ops(env, 'show', h.workflowId, '--json');
    expect((JSON.parse(trail.out) as { audit: Array<{ type: string; data: { by: string } }> }).audit).toEqual([
      expect.objectContaining({ type: 'linked', data: expect.objectContaining({ by: 'ops.frank' }) }),
    ]);
  });

  test('when finance adjusts above the threshold, then ops are refused 403, the proposer cannot approve and a second approver posts once', async () => {
    const facts = breakFacts({ class: 'amount_under', amountMinor: -25_000 });
    const h = await open(facts);
    const adjust = ['--action', 'adjust', '--amount-minor', '25000', '--currency', 'EUR', '--account', 'fees:bank'];
    const byOps = await ops(await as('ops.frank'), 'resolve', h.workflowId, ...adjust, '--note', 'fee');
    expect(byOps.code).toBe(1);
    expect(byOps.err).toContain('refused:');

    const carol = await as('fin.carol');
    const proposed = await ops(carol, 'resolve', h.workflowId, ...adjust, '--note', 'correspondent fee');
    expect(proposed.code).toBe(0);
    expect(proposed.out).toContain('adjust proposed, waiting for a second finance member');
    const own = await ops(carol, 'resolve', h.workflowId, '--action', 'approve');
    expect(own.code).toBe(1);
    expect(own.out).toContain('own_proposal');
    const approved = await ops(await as('fin.dave'), 'resolve', h.workflowId, '--action', 'approve', '--note', 'ok');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('resolved (adjusted)');
    expect([...bed.deps.ledger.postings.keys()].filter((k) => k === adjustmentPostingId(facts.breakId))).toHaveLength(
      1,
    );
  });
  test('when ops recover a duplicate disbursement by offset, then it resolves once; the service refuses a malformed body 400 naming the field', async () => {
    const creatorId = `cr-${Date.now().toString(36)}`;
    const payout = `payout-dup-cli-${Date.now().toString(36)}`;
    await bed.paidPayout(payout, creatorId, `E2E-CLI-${Date.now().toString(36)}`, 400);
    const facts = breakFacts({
      class: 'duplicate_disbursement',
      accountId: 'psp-adyen',
      amountMinor: -400,
      refs: { workflowId: payout, railRef: 'ADYENTRANSFER1' },
    });
    const h = await open(facts);
    const env = await as('ops.frank');

    const token = await deviceLogin(idp.url, { completeAs: 'ops.frank' });
    const bad = await fetch(`${service.url}/breaks/${h.workflowId}/recover-duplicate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'refund', note: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('mode');

    const reverse = await ops(
      env,
      'resolve',
      h.workflowId,
      '--action',
      'recover-duplicate',
      '--mode',
      'reverse',
      '--note',
      'back',
    );
    expect(reverse.code).toBe(1);
    expect(reverse.out).toContain('reversal_unsupported');
    const offset = await ops(
      env,
      'resolve',
      h.workflowId,
      '--action',
      'recover-duplicate',
      '--mode',
      'offset',
      '--note',
      'net it',
    );
    expect(offset.code).toBe(0);
    expect(offset.out).toContain('the break is now resolved (recovered)');
    expect([...bed.deps.ledger.postings.keys()].filter((k) => k === recoveryPostingId(facts.breakId))).toHaveLength(1);
  });
});
