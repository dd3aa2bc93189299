import type { Client } from '@temporalio/client';
import { createDecisionsApp } from '../../decisions/app';
import { loadDecisionsConfig } from '../../decisions/config';
import { Unauthenticated, type Staff } from '../../decisions/staff-auth';
import { loadConfig } from '../../workers/config';

/**
 * `POST /psp/pause|resume` (and `GET /psp`) of the decision service before anything reaches Temporal: only ops, and the body (the
 * provider above all: required, never defaulted) refused naming the field. The client here throws on any use, so a
 * refusal that touched the server would fail the test.
 */
describe('POST /psp/pause and /psp/resume: role and body checks', () => {
  const people: Record<string, Staff> = {
    ops: { subject: 'ops.frank', roles: ['ops'] },
    fin: { subject: 'fin.carol', roles: ['finance_manager'] },
  };
  const verifyStaff = async (h: string | undefined) => {
    const who = people[(h ?? '').replace(/^Bearer /, '')];
    if (!who) throw new Unauthenticated('no token');
    return who;
  };
  const touched: string[] = [];
  const client = new Proxy({} as Client, {
    get: (_t, name) => {
      touched.push(String(name));
      throw new Error(`the Temporal client was used (${String(name)})`);
    },
  });
  const local = loadConfig({ PAYOPS_MODE: 'local' });
  const app = createDecisionsApp({
    config: local,
    decisions: loadDecisionsConfig(local, {}),
    client,
    verifyStaff,
    sign: async () => 'unused',
    console: { off: 'not in this test' },
  });
  const post = (who: string, path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const issuesOf = async (r: Response) => ((await r.json()) as { issues: Array<{ path: string }> }).issues;

  afterEach(() => expect(touched).toEqual([]));

  test('when finance pauses or resumes a PSP, then 403 and nothing is changed', async () => {
    const pause = await post('fin', '/psp/pause', { provider: 'adyen', incidentId: 'INC-1', reason: 'outage' });
    const resume = await post('fin', '/psp/resume', { provider: 'adyen' });

    expect([pause.status, resume.status]).toEqual([403, 403]);
  });

  test("when finance reads the providers' queues (GET /psp), then 403 and the server is not asked", async () => {
    const r = await app.request('/psp', { headers: { authorization: 'Bearer fin' } });

    expect(r.status).toBe(403);
  });

  test('when ops pause without a provider, or with one the table does not know, then 400 names provider', async () => {
    const missing = await post('ops', '/psp/pause', { incidentId: 'INC-1', reason: 'outage' });
    const unknown = await post('ops', '/psp/pause', { provider: 'paypal', incidentId: 'INC-1', reason: 'outage' });
    const resume = await post('ops', '/psp/resume', { ratePerSecond: 5 });

    expect([missing.status, unknown.status, resume.status]).toEqual([400, 400, 400]);
    expect((await issuesOf(missing)).map((i) => i.path)).toEqual(['provider']);
    expect(await issuesOf(unknown)).toEqual([{ path: 'provider', message: 'must be one of stripe, adyen' }]);
    expect((await issuesOf(resume)).map((i) => i.path)).toEqual(['provider']);
  });

  test('when the body smuggles a task queue or an operator, then 400 names it (the service sets both itself)', async () => {
    const r = await post('ops', '/psp/pause', {
      provider: 'stripe',
      incidentId: 'INC-1',
      reason: 'outage',
      taskQueue: 'someone-elses',
    });

    expect(r.status).toBe(400);
    expect((await issuesOf(r)).map((i) => i.path)).toEqual(['']);
  });
});
