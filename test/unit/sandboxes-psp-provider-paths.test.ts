import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import Stripe from 'stripe';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { until } from '../support/wait';

const SECRET = 'whsec_test_provider_paths';
const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

/** Stripe's behaviour on the paths where money can come back, be refused, or be paid twice (../shared/DOMAIN.md). */
describe('PSP sandbox: partial reversals, connected-account payouts, rate limit, expiring idempotency keys', () => {
  let sandbox: PspSandbox;
  let receiver: http.Server;
  const received: { body: string; signature: string }[] = [];
  const stripe = new Stripe('sk_test_unused');
  const events = () => received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, SECRET));
  const psp = () => createStripePsp({ apiBase: sandbox.url, secretKey: 'sk_test_sandbox', timeoutMs: 1_000 });

  const admin = async (path: string, body?: unknown, method = 'POST') => {
    const res = await fetch(`${sandbox.url}/__admin/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const platformEur = async () => (await psp().ping()).available.find((m) => m.currency === 'EUR')?.amountMinor;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString(), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/psp`;
    sandbox = await startPspSandbox({ port: 0, webhookUrl: url, webhookSecret: SECRET, webhookRetryDelaysMs: [20] });
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });
  beforeEach(async () => {
    await admin('reset');
    received.length = 0;
  });

  it('when part of a transfer is reversed, then transfer.reversed fires with amount_reversed < amount and reversed false until the whole amount is back', async () => {
    const t = await psp().createTransfer({
      idempotencyKey: 'rev-1',
      amount: EUR(1_000),
      destinationAccount: 'acct_rev',
      reference: 'payout-rev',
    });
    const before = await platformEur();
    const part = await admin(`transfers/${t.transferId}/reverse`, { amount: 300 });
    expect(part.json).toMatchObject({ amount: 1_000, amount_reversed: 300, reversed: false });
    const first = await until(() => events().find((e) => e.type === 'transfer.reversed'));
    expect(first.data.object).toMatchObject({ id: t.transferId, amount_reversed: 300, reversed: false });
    expect((first.data.object as Stripe.Transfer).reversals.data).toHaveLength(1);
    expect(await platformEur()).toBe((before ?? 0) + 300);
    await expect(psp().getTransfer(t.transferId)).resolves.toMatchObject({ status: 'paid' });

    const rest = await admin(`transfers/${t.transferId}/reverse`, {});
    expect(rest.json).toMatchObject({ amount_reversed: 1_000, reversed: true });
    await until(() => (events().filter((e) => e.type === 'transfer.reversed').length === 2 ? true : undefined));
    await expect(psp().getTransfer(t.transferId)).resolves.toMatchObject({ status: 'reversed' });
    const again = await admin(`transfers/${t.transferId}/reverse`, { amount: 1 });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ error: { code: 'transfer_already_reversed' } });
  });

  it("when a connected account's payout fails or is canceled, then payout.failed / payout.canceled carry event.account and the money goes back to that account's balance, not the platform's", async () => {
    await psp().createTransfer({
      idempotencyKey: 'cp-1',
      amount: EUR(1_000),
      destinationAccount: 'acct_creator',
      reference: 'payout-cp',
    });
    const platform = await platformEur();
    const po = await admin('accounts/acct_creator/payouts', { amount: 600, currency: 'eur' });
    expect(po.json).toMatchObject({ id: expect.stringMatching(/^po_/), status: 'pending' });
    expect((await admin('accounts/acct_creator', undefined, 'GET')).json).toMatchObject({ balance: { eur: 400 } });

    await admin(`payouts/${String(po.json.id)}/fail`, { failure_code: 'account_closed' });
    const failed = await until(() => events().find((e) => e.type === 'payout.failed'));
    expect(failed).toMatchObject({ account: 'acct_creator', data: { object: { id: po.json.id, status: 'failed' } } });
    expect((await admin('accounts/acct_creator', undefined, 'GET')).json).toMatchObject({ balance: { eur: 1_000 } });
    expect(await platformEur()).toBe(platform);

    const po2 = await admin('accounts/acct_creator/payouts', { amount: 200, currency: 'eur' });
    await admin(`payouts/${String(po2.json.id)}/cancel`);
    const canceled = await until(() => events().find((e) => e.type === 'payout.canceled'));
    expect(canceled).toMatchObject({
      account: 'acct_creator',
      data: { object: { id: po2.json.id, status: 'canceled' } },
    });
    expect((await admin('accounts/acct_creator', undefined, 'GET')).json).toMatchObject({ balance: { eur: 1_000 } });
    expect(await platformEur()).toBe(platform);
    const tooMuch = await admin('accounts/acct_creator/payouts', { amount: 5_000, currency: 'eur' });
    expect(tooMuch.json).toMatchObject({ error: { code: 'balance_insufficient' } });
  });

  it('when the token bucket is empty, then the API answers 429 rate_limit with Retry-After, and the adapter asks Temporal to wait that long', async () => {
    await admin('rate-limit', { rps: 0.5, burst: 2 });
    await psp().ping();
    await psp().ping();
    const res = await fetch(`${sandbox.url}/v1/balance`, { headers: { Authorization: 'Bearer sk_test_x' } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ error: { code: 'rate_limit' } });

    const err = await psp()
      .ping()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'ProviderTransientError',
      nonRetryable: false,
      category: ApplicationFailureCategory.BENIGN,
      details: [{ provider: 'psp', code: 'PSP_RATE_LIMITED', status: 429, retryAfterMs: expect.any(Number) }],
    });
    const delay = (err as ApplicationFailure).nextRetryDelay;
    // Retry-After plus under a second of jitter.
    const retryAfterMs = Number(res.headers.get('retry-after')) * 1000;
    expect(typeof delay === 'number' ? delay : NaN).toBeGreaterThanOrEqual(retryAfterMs);
    expect(delay).toBeLessThan(retryAfterMs + 1_000);

    await admin('rate-limit', undefined, 'DELETE');
    await expect(psp().ping()).resolves.toMatchObject({ ok: true });
  });

  it('when the limit is per endpoint, then each endpoint has its own bucket and every object of an endpoint shares it', async () => {
    await admin('rate-limit', { rps: 0.1, burst: 1, scope: 'endpoint' });
    const get = (path: string) => fetch(`${sandbox.url}${path}`, { headers: { Authorization: 'Bearer sk_test_x' } });
    expect((await get('/v1/balance')).status).toBe(200);
    expect((await get('/v1/balance')).status).toBe(429);
    // Another endpoint has its own bucket; two transfer IDs are one endpoint (`/v1/transfers/:id`).
    expect((await get('/v1/transfers/tr_a')).status).not.toBe(429);
    expect((await get('/v1/transfers/tr_b')).status).toBe(429);
    expect((await admin('rate-limit', { rps: 1, scope: 'per-object' })).json).toMatchObject({
      error: "scope must be 'account' or 'endpoint'",
    });
    await admin('rate-limit', undefined, 'DELETE');
  });

  it('when a 429 carries no Retry-After, then the adapter raises a retryable, benign PSP_RATE_LIMITED failure without a retry delay (generic backoff)', async () => {
    await admin('faults', { rateLimitNext: 1 });
    const err = await psp()
      .ping()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({
      type: 'ProviderTransientError',
      nonRetryable: false,
      category: ApplicationFailureCategory.BENIGN,
      details: [{ code: 'PSP_RATE_LIMITED' }],
    });
    expect((err as ApplicationFailure).nextRetryDelay).toBeUndefined();
  });

  it('when an idempotency key outlives its TTL, then a replay with it creates a new object, as Stripe does after ~24 h', async () => {
    const input = { idempotencyKey: 'ttl-1', amount: EUR(100), destinationAccount: 'acct_ttl', reference: 'p' };
    const a = await psp().createTransfer(input);
    await expect(psp().createTransfer(input)).resolves.toEqual(a);
    expect((await admin('idempotency', { ttlMs: 0 })).json).toMatchObject({ ttlMs: 0 });
    const b = await psp().createTransfer(input);
    expect(b.transferId).not.toBe(a.transferId);
    const calls = (await admin('calls', undefined, 'GET')).json as { created: { transfer: number } };
    expect(calls.created.transfer).toBe(2);
  });
});
