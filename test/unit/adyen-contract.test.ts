import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hmacValidator } from '@adyen/api-library';
import { ApplicationFailure } from '@temporalio/common';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { createAdyenTransfers } from '../../activities/adapters/adyen/adyen-transfers';
import type { RefusalDetails } from '../../activities/adapters/adyen/errors';
import type { PayoutProviderPort } from '../../activities/adapters/adyen/port';
import { mayFailOver } from '../../workflows/routing/failover';
import { routingTableFor } from '../../workflows/routing/table';
import { startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import { failureOf, until } from '../support/wait';

/**
 * Contract: the adapter on Adyen's official library against the Adyen sandbox (Transfers API v4 wire format). The
 * library serialises `TransferInfo` and reads `Transfer`/`TransferData`/`FindTransfersResponse`; the sandbox checks
 * the fields Adyen requires and answers Adyen's shapes and problem details. Webhook signatures are checked with the
 * library's own `HmacValidator`.
 */

const HMAC_KEY = '0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF';
const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });
const creator = { kind: 'balance_account' as const, id: 'BA00000000000000CREATOR1' };

async function startReceiver() {
  const received: Array<{ body: string; signature: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['hmacsignature']) });
      res.writeHead(200).end('[accepted]');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/adyen`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Adyen adapter against the Adyen sandbox', () => {
  let sandbox: AdyenSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let adyen: PayoutProviderPort;
  const since = () => new Date(Date.now() - 60_000).toISOString();

  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${sandbox.url}/__admin/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const executed = async () =>
    (
      (await admin('transfers')) as {
        transfers: Array<{ id: string; idempotencyKey: string; reference: string; status: string }>;
      }
    ).transfers;

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startAdyenSandbox({
      port: 0,
      webhookUrl: receiver.url,
      hmacKey: HMAC_KEY,
      webhookRetryDelaysMs: [20],
    });
    adyen = createAdyenTransfers({
      apiBase: sandbox.url,
      apiKey: 'AQE_test_key',
      balanceAccountId: 'BA00000000000000PLATFORM',
      timeoutMs: 500,
    });
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    await admin('reset', {});
    receiver.received.length = 0;
  });

  it('when a transfer is created with an idempotency key, then it is authorised, booked later and announced by webhooks the library validates', async () => {
    const t = await adyen.createTransfer({
      idempotencyKey: 'payout-1:initiate:adyen',
      amount: EUR(1250),
      destination: creator,
      reference: 'payout-1:initiate',
    });
    expect(t).toMatchObject({
      status: 'pending',
      providerStatus: 'authorised',
      amount: EUR(1250),
      reference: 'payout-1:initiate',
    });
    expect(await executed()).toEqual([
      expect.objectContaining({
        id: t.transferId,
        idempotencyKey: 'payout-1:initiate:adyen',
        reference: 'payout-1:initiate',
      }),
    ]);
    await until(async () => ((await adyen.getTransfer(t.transferId)).status === 'paid' ? true : undefined));
    const hooks = await until(() => (receiver.received.length >= 2 ? receiver.received : undefined));
    const validator = new hmacValidator();
    for (const h of hooks) expect(validator.validateHMACSignature(HMAC_KEY, h.signature, h.body)).toBe(true);
    expect(validator.validateHMACSignature(HMAC_KEY, hooks[0]!.signature, hooks[0]!.body.replace('1250', '1251'))).toBe(
      false,
    );
    expect(hooks.map((h) => (JSON.parse(h.body) as { type: string; data: { status: string } }).type)).toEqual([
      'balancePlatform.transfer.created',
      'balancePlatform.transfer.updated',
    ]);
  });

  it('when the same idempotency key is sent twice, then the first transfer is replayed and only one exists', async () => {
    const input = {
      idempotencyKey: 'payout-2:initiate:adyen',
      amount: EUR(500),
      destination: creator,
      reference: 'payout-2',
    };
    const a = await adyen.createTransfer(input);
    const b = await adyen.createTransfer(input);
    expect(b.transferId).toBe(a.transferId);
    expect(await executed()).toHaveLength(1);
  });

  it('when Adyen commits and the answer is lost, then the look-up by reference finds it and the retry with the same key returns it', async () => {
    await admin('faults', { timeoutNext: 1, timeoutPhase: 'after', hangMs: 2_000 });
    const input = {
      idempotencyKey: 'payout-3:initiate:adyen',
      amount: EUR(700),
      destination: creator,
      reference: 'payout-3',
    };
    const err = await failureOf(adyen.createTransfer(input));
    expect(err).toBeInstanceOf(ProviderTransientError);
    expect((err as ProviderTransientError).code).toBe('ADYEN_CONNECTION');
    const found = await adyen.findTransfer({ reference: 'payout-3', createdSince: since() });
    // Booked 100 ms after it was authorised: by now it may be either.
    expect(found).toMatchObject({ status: expect.stringMatching(/^(pending|paid)$/), reference: 'payout-3' });
    await expect(adyen.createTransfer(input)).resolves.toMatchObject({ transferId: found!.transferId });
    expect(await executed()).toHaveLength(1);
  });

  it('when Adyen times out before committing, then the look-up finds nothing and the retry creates the one transfer', async () => {
    await admin('faults', { timeoutNext: 1, timeoutPhase: 'before', hangMs: 2_000 });
    const input = {
      idempotencyKey: 'payout-4:initiate:adyen',
      amount: EUR(700),
      destination: creator,
      reference: 'payout-4',
    };
    await expect(adyen.createTransfer(input)).rejects.toBeInstanceOf(ProviderTransientError);
    await expect(adyen.findTransfer({ reference: 'payout-4', createdSince: since() })).resolves.toBeUndefined();
    await adyen.createTransfer(input);
    expect(await executed()).toHaveLength(1);
  });

  it('when Adyen refuses for its balance, then a non-retryable refusal carries the code and the transfer ID, and that evidence allows failover', async () => {
    await admin('balance', { currency: 'EUR', value: 100 });
    const err = await failureOf(
      adyen.createTransfer({
        idempotencyKey: 'payout-5:initiate:adyen',
        amount: EUR(900),
        destination: creator,
        reference: 'payout-5',
      }),
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f).toMatchObject({ type: 'InsufficientFunds', nonRetryable: true });
    const d = f.details?.[0] as RefusalDetails;
    expect(d).toMatchObject({ provider: 'adyen', code: 'notEnoughBalance', decision: 'definitive_refusal' });
    const [refused] = await executed();
    expect(d.requestId).toBe(refused!.id);
    expect(refused!.status).toBe('refused');
    expect(
      mayFailOver(
        { kind: 'refusal', rail: 'psp', provider: 'adyen', code: d.code, requestId: d.requestId },
        routingTableFor('2026-12.1'),
      ),
    ).toMatchObject({ allowed: true });
  });

  it('when the creator account is closed at Adyen, then the refusal is the destination (NotPayable), not a failover', async () => {
    await admin('faults', { refuseCounterparties: { [creator.id]: 'counterpartyAccountClosed' } });
    const err = (await failureOf(
      adyen.createTransfer({
        idempotencyKey: 'payout-6:initiate:adyen',
        amount: EUR(900),
        destination: creator,
        reference: 'payout-6',
      }),
    )) as ApplicationFailure;
    expect(err).toMatchObject({ type: 'NotPayable', nonRetryable: true });
    expect(err.details?.[0]).toMatchObject({ code: 'counterpartyAccountClosed', decision: 'destination_refusal' });
  });

  it('when Adyen answers an error code nobody mapped, then the outcome is ambiguous and retryable, never a refusal', async () => {
    await admin('faults', { errorNext: 1, error: { status: 422, errorCode: '99_123', title: 'Something new' } });
    const err = await failureOf(
      adyen.createTransfer({
        idempotencyKey: 'payout-7:initiate:adyen',
        amount: EUR(900),
        destination: creator,
        reference: 'payout-7',
      }),
    );
    expect(err).toBeInstanceOf(ProviderTransientError);
    expect((err as ProviderTransientError).code).toBe('ADYEN_AMBIGUOUS');
    expect(await executed()).toHaveLength(0);
  });

  it('when Adyen answers 500, then it is unavailable (retryable); when 429, the retry waits what Retry-After says', async () => {
    await admin('faults', { fail5xxNext: 1 });
    const input = {
      idempotencyKey: 'payout-8:initiate:adyen',
      amount: EUR(900),
      destination: creator,
      reference: 'payout-8',
    };
    expect(((await failureOf(adyen.createTransfer(input))) as ProviderTransientError).code).toBe('ADYEN_UNAVAILABLE');
    await admin('faults', { rateLimitNext: 1, retryAfterSec: 3 });
    const limited = (await failureOf(adyen.createTransfer(input))) as ApplicationFailure;
    expect(limited).toMatchObject({ type: 'ProviderTransientError', nonRetryable: false });
    expect(limited.nextRetryDelay).toBeGreaterThanOrEqual(3_000);
    expect(limited.details?.[0]).toMatchObject({ code: 'ADYEN_RATE_LIMITED' });
    expect(await executed()).toHaveLength(0);
  });

  it('when Adyen is paused and resumed in hold mode, then the held transfer is executed late although the client gave up', async () => {
    await admin('faults', { paused: true, pauseMode: 'hold' });
    const input = {
      idempotencyKey: 'payout-9:initiate:adyen',
      amount: EUR(900),
      destination: creator,
      reference: 'payout-9',
    };
    await expect(adyen.createTransfer(input)).rejects.toBeInstanceOf(ProviderTransientError);
    expect(await executed()).toHaveLength(0);
    expect((await admin('faults', { paused: false })).released).toBe(1);
    const late = await until(async () => adyen.findTransfer({ reference: 'payout-9', createdSince: since() }));
    expect(['pending', 'paid']).toContain(late.status);
    expect(await executed()).toHaveLength(1);
  });

  it('when Adyen is paused and resumed in drop mode, then the held transfer never runs', async () => {
    await admin('faults', { paused: true, pauseMode: 'drop' });
    const input = {
      idempotencyKey: 'payout-10:initiate:adyen',
      amount: EUR(900),
      destination: creator,
      reference: 'payout-10',
    };
    await expect(adyen.createTransfer(input)).rejects.toBeInstanceOf(ProviderTransientError);
    await admin('faults', { paused: false });
    await until(async () => (((await admin('calls')) as { held: number }).held === 0 ? true : undefined));
    await expect(adyen.findTransfer({ reference: 'payout-10', createdSince: since() })).resolves.toBeUndefined();
    expect(await executed()).toHaveLength(0);
  });

  it('when a booked transfer is returned by the counterparty bank, then it reads as reversed and the look-up still finds it', async () => {
    const t = await adyen.createTransfer({
      idempotencyKey: 'payout-11:initiate:adyen',
      amount: EUR(300),
      destination: { kind: 'transfer_instrument', id: 'SE00000000000000CREATOR2' },
      reference: 'payout-11',
    });
    await until(async () => ((await adyen.getTransfer(t.transferId)).status === 'paid' ? true : undefined));
    await admin(`transfers/${t.transferId}/return`, {});
    await expect(adyen.getTransfer(t.transferId)).resolves.toMatchObject({
      status: 'reversed',
      providerStatus: 'returned',
    });
    await expect(adyen.findTransfer({ reference: 'payout-11', createdSince: since() })).resolves.toMatchObject({
      transferId: t.transferId,
    });
  });

  it('when the reference is longer than Adyen allows, then the call is refused before it leaves (InvalidInput)', async () => {
    const err = await failureOf(
      adyen.createTransfer({ idempotencyKey: 'k', amount: EUR(1), destination: creator, reference: 'x'.repeat(81) }),
    );
    expect(err).toMatchObject({ type: 'InvalidInput' });
    expect(((await admin('calls')) as { calls: unknown[] }).calls).toHaveLength(0);
  });

  it('when a request has no API key or a malformed body, then Adyen-style problem details come back', async () => {
    const noKey = await fetch(`${sandbox.url}/btl/v4/transfers/XYZ`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ status: 401, errorCode: '00_401', requestId: expect.any(String) });
    const bad = await fetch(`${sandbox.url}/btl/v4/transfers`, {
      method: 'POST',
      headers: { 'X-API-Key': 'k', 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: { currency: 'EUR', value: -1 } }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      status: 422,
      errorCode: '30_100',
      invalidFields: expect.arrayContaining([expect.objectContaining({ name: 'amount.value' })]),
    });
  });
});
