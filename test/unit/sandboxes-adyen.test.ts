import { startAdyenSandbox, adyenHmacSignature, type AdyenSandbox } from '../../sandboxes/adyen';
import { until } from '../support/wait';

/** The Adyen sandbox on its own wire: what the adapter contract does not reach (concurrency, key expiry, pacing). */

const KEY = 'AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899';

describe('Adyen sandbox', () => {
  let sandbox: AdyenSandbox;

  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
    (await (
      await fetch(`${sandbox.url}/__admin/${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
      })
    ).json()) as Record<string, unknown>;
  const transfer = (key: string | undefined, reference = 'r-1', value = 100) =>
    fetch(`${sandbox.url}/btl/v4/transfers`, {
      method: 'POST',
      headers: { 'X-API-Key': 'k', 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
      body: JSON.stringify({
        amount: { currency: 'EUR', value },
        balanceAccountId: 'BA_PLATFORM',
        category: 'internal',
        counterparty: { balanceAccountId: 'BA_CREATOR' },
        reference,
      }),
    });
  const executed = async () => ((await admin('transfers')) as { transfers: unknown[] }).transfers;

  beforeAll(async () => {
    sandbox = await startAdyenSandbox({ port: 0, hmacKey: KEY });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => admin('reset', {}));

  it('when a second request with the same key arrives while the first is running, then it gets 422 errorCode 704 and one transfer exists', async () => {
    await admin('faults', { latencyMs: 300 });
    const first = transfer('k-704');
    await until(async () => (((await admin('calls')) as { calls: unknown[] }).calls.length === 1 ? true : undefined));
    await admin('faults', { latencyMs: 0 });
    const second = await transfer('k-704');
    expect(second.status).toBe(422);
    expect(await second.json()).toMatchObject({ errorCode: '704' });
    expect((await first).status).toBe(200);
    expect(await executed()).toHaveLength(1);
  });

  it('when a key is replayed with another body, then the first answer comes back and the call is flagged for the invariants', async () => {
    const a = (await (await transfer('k-body', 'r-a', 100)).json()) as { id: string };
    const b = (await (await transfer('k-body', 'r-b', 999)).json()) as { id: string };
    expect(b.id).toBe(a.id);
    const calls = ((await admin('calls')) as { calls: Array<{ bodyMismatch?: boolean }> }).calls;
    expect(calls.map((c) => c.bodyMismatch ?? false)).toEqual([false, true]);
  });

  it('when a key has expired, then the same key creates a second transfer (why the look-up by reference exists)', async () => {
    await transfer('k-ttl');
    await admin('idempotency', { ttlMs: 0 });
    await transfer('k-ttl');
    expect(await executed()).toHaveLength(2);
  });

  it('when the rate limit is exceeded, then 429 with Retry-After comes back and nothing is executed', async () => {
    await admin('rate-limit', { rps: 1, burst: 1 });
    expect((await transfer('k-rl-1')).status).toBe(200);
    const limited = await transfer('k-rl-2');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await executed()).toHaveLength(1);
  });

  it('when a transfer is refused, then its status is final: the admin cannot book, fail or return it', async () => {
    await admin('faults', { refuseNext: 1, refuseReason: 'amountLimitExceded' });
    const t = (await (await transfer('k-ref')).json()) as { id: string; status: string; reason: string };
    expect(t).toMatchObject({ status: 'refused', reason: 'amountLimitExceded' });
    const res = await fetch(`${sandbox.url}/__admin/transfers/${t.id}/return`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(409);
  });

  it('when transfers are listed by reference, then pages follow the cursor and the creation window is required', async () => {
    for (let i = 0; i < 3; i++) await transfer(`k-page-${i}`, 'same-ref');
    const q = (extra: string) =>
      fetch(`${sandbox.url}/btl/v4/transfers?reference=same-ref&limit=2${extra}`, { headers: { 'X-API-Key': 'k' } });
    expect((await q('')).status).toBe(422);
    const window = `&createdSince=${new Date(Date.now() - 60_000).toISOString()}&createdUntil=${new Date(Date.now() + 60_000).toISOString()}`;
    const page1 = (await (await q(window)).json()) as { data: unknown[]; _links: { next?: { href: string } } };
    expect(page1.data).toHaveLength(2);
    const next = await fetch(`${sandbox.url}${page1._links.next!.href}`, { headers: { 'X-API-Key': 'k' } });
    expect(((await next.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('when webhooks are held and flushed, then each carries an HmacSignature over its raw body', async () => {
    const received: Array<{ body: string; sig: string | null }> = [];
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, sig: req.headers['hmacsignature'] as string | null });
        res.end('[accepted]');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const hooked = await startAdyenSandbox({ port: 0, hmacKey: KEY, webhookUrl: `http://127.0.0.1:${port}/` });
    try {
      await fetch(`${hooked.url}/__admin/faults`, {
        method: 'POST',
        body: JSON.stringify({ holdWebhooks: true, settleMs: 10 }),
      });
      await fetch(`${hooked.url}/btl/v4/transfers`, {
        method: 'POST',
        headers: { 'X-API-Key': 'k' },
        body: JSON.stringify({
          amount: { currency: 'EUR', value: 5 },
          balanceAccountId: 'BA_PLATFORM',
          category: 'internal',
          counterparty: { balanceAccountId: 'BA_CREATOR' },
        }),
      });
      const events = async () =>
        ((await (await fetch(`${hooked.url}/__admin/events`)).json()) as { held: number }).held;
      await until(async () => ((await events()) === 2 ? true : undefined));
      expect(received).toHaveLength(0);
      await fetch(`${hooked.url}/__admin/webhooks/flush`, {
        method: 'POST',
        body: JSON.stringify({ order: 'reverse' }),
      });
      expect(received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
        'balancePlatform.transfer.updated',
        'balancePlatform.transfer.created',
      ]);
      for (const r of received) expect(r.sig).toBe(adyenHmacSignature(r.body, KEY));
    } finally {
      await hooked.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
