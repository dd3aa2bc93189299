import { generateKeyPair, SignJWT } from 'jose';
import { createDecisionsHandler } from '../../decisions/lambda';
import { loadDecisionsConfig } from '../../decisions/config';
import type { DecisionsOptions } from '../../decisions/app';
import { startDecisionService } from '../../decisions/server';
import { issueStaffToken, startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import type { PayoutReport } from '../../decisions/reads';
import { deviceLogin } from '../../scripts/staff-session';
import { STAFF_AUDIENCE } from '../../workflows/shared/trust';
import { startStuckPayouts, type StuckPayouts } from '../browser/stuck-payouts-stack';
import { functionUrlFront } from '../support/ingress';
import { testConfig } from '../support/stack';
import { until } from '../support/wait';

type Door = 'server' | 'lambda';

/** The service through one front door: the long-lived server, or the Lambda handler behind a function URL stand-in. */
async function startDoor(door: Door, opts: DecisionsOptions): Promise<{ url: string; stop(): Promise<void> }> {
  if (door === 'server') return startDecisionService({ ...opts, port: 0 });
  return functionUrlFront(createDecisionsHandler(opts) as Parameters<typeof functionUrlFront>[0]);
}

describe.each<[Door]>([['server'], ['lambda']])(
  'decision service through the %s front door (identity provider, Temporal, a parked payout)',
  (door) => {
    let idp: IdpSandbox;
    let stack: StuckPayouts;
    let service: { url: string; stop(): Promise<void> };
    const run = `${door}-${Date.now().toString(36)}`;
    const payoutId = `dec-kyc-${run}`;

    const call = (path: string, init: { token?: string; body?: unknown; method?: string } = {}) =>
      fetch(new URL(path, service.url), {
        method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });

    beforeAll(async () => {
      idp = await startIdpSandbox({ port: 0 });
      stack = await startStuckPayouts(testConfig());
      const config = { ...stack.config, IDP_URL: idp.url };
      service = await startDoor(door, { config, decisions: loadDecisionsConfig(config, {}), client: stack.client });
      await stack.parkOnKyc(payoutId);
    });
    afterAll(async () => {
      await service?.stop();
      await stack?.stop();
      await idp?.stop();
    });

    test('when an operator logs in through the device flow and holds a parked payout, then the verdict is accepted and the hold is theirs', async () => {
      const token = await deviceLogin(idp.url, { completeAs: 'Compliance.Hana' });
      expect(await (await call('/whoami', { token })).json()).toMatchObject({ subject: 'compliance.hana' });

      const res = await call(`/payouts/${payoutId}/hold`, { token, body: { reason: 'sanctions review' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: true, value: { state: expect.any(String) } });

      const again = await call(`/payouts/${payoutId}/hold`, { token, body: { reason: 'sanctions review' } });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ accepted: false, type: 'Conflict', code: 'already_on_hold' });

      const report = (await (await call(`/payouts/${payoutId}`, { token })).json()) as PayoutReport;
      expect(report.status.held).toMatchObject({ operator: 'compliance.hana', reason: 'sanctions review' });
    });

    test('when a request carries no token, then it is refused 401 and nothing is sent', async () => {
      const res = await call(`/payouts/${payoutId}/retry`, { body: { reason: 'no token' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    test('when a finance approver sends an ops command, then it is refused 403 before the workflow sees it', async () => {
      const token = await deviceLogin(idp.url, { completeAs: 'fin.carol' });
      const res = await call(`/payouts/${payoutId}/retry`, { token, body: { reason: 'not my job' } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain('fin.carol holds none of the roles');
    });

    test('when a token comes from an untrusted issuer or key, then it is refused 401', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const forged = await new SignJWT({ roles: ['ops'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'attacker' })
        .setSubject('ops.frank')
        .setIssuer('https://idp.evil.example')
        .setAudience(STAFF_AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey);
      const wrongIssuer = await issueStaffToken({
        sub: 'ops.frank',
        roles: ['ops'],
        issuer: 'https://idp.evil.example',
      });
      const wrongAudience = await issueStaffToken({ sub: 'ops.frank', roles: ['ops'], audience: 'another-app' });
      for (const token of [forged, wrongIssuer, wrongAudience]) {
        const res = await call(`/payouts/${payoutId}/retry`, { token, body: { reason: 'forged' } });
        expect(res.status).toBe(401);
      }
    });

    test('when the body is bad, then it is refused 400 naming the field; an unknown workflow is 404', async () => {
      const token = await deviceLogin(idp.url, { completeAs: 'ops.frank' });
      const bad = await call(`/payouts/${payoutId}/resolve`, { token, body: { reason: 'x', outcome: 'maybe' } });
      expect(bad.status).toBe(400);
      const { issues } = (await bad.json()) as { issues: Array<{ path: string }> };
      expect(issues.map((i) => i.path).sort()).toEqual(['outcome', 'reason']);

      const unknown = await call(`/payouts/no-such-${run}/retry`, { token, body: { reason: 'who is this' } });
      expect(unknown.status).toBe(404);
    });
    test('when an agent asks for a compensation through the service, then the start is signed for them and the workflow knows who asked; a finance approver may not ask', async () => {
      const requestId = `dec-req-${run}`;
      const request = {
        requestId,
        orderId: `ord-${run}`,
        customerId: `cus-${run}`,
        requester: {},
        reasonCode: 'damaged_item',
        currency: 'EUR',
        remedies: { storeCreditMinor: 1_000 },
      };
      const approver = await deviceLogin(idp.url, { completeAs: 'fin.carol' });
      expect((await call('/approvals', { token: approver, body: request })).status).toBe(403);

      const agent = await deviceLogin(idp.url, { completeAs: 'cs.alice' });
      const res = await call('/approvals', { token: agent, body: request });
      expect(res.status).toBe(200);
      const { workflowId } = (await res.json()) as { workflowId: string };
      const handle = stack.client.workflow.getHandle(workflowId);
      try {
        const status = await until(
          () => handle.query<{ requesterId: string }>('getState').catch(() => undefined),
          30_000,
        );
        expect(status.requesterId).toBe('cs.alice');
      } finally {
        await handle.terminate('test over').catch(() => undefined);
      }
    });
  },
);
