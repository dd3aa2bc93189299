import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { createIso20022Bank } from '../../activities/adapters/bank/iso20022-bank';
import { buildPain001, parsePain002 } from '../../activities/adapters/bank/iso20022';
import type { BankPort } from '../../activities/adapters/bank/port';
import { parseCamt054, verifyBankSignature } from '../../activities/adapters/bank/webhook';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { failureOf, until } from '../support/wait';

const SECRET = 'bank_test_secret';
const IBAN = 'DE89370400440532013000';
const DEBTOR = { name: 'PayOps', iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' };

interface Received {
  body: string;
  signature: string;
  eventId: string;
}

async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['x-bank-signature']),
        eventId: String(req.headers['x-bank-event-id']),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/bank`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('bank sandbox driven through the ISO 20022 adapter', () => {
  let sandbox: BankSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let bank: BankPort;
  /** The same adapter with a short timeout, for the hanging-bank case only (the XSD check takes a few 100 ms). */
  let hasty: BankPort;
  let seq = 0;

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(
      `${sandbox.url}/__admin/${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const transfer = (overrides: Partial<Parameters<BankPort['initiateCreditTransfer']>[0]> = {}) => {
    seq++;
    return {
      messageId: `MSG-${seq}`,
      endToEndId: `E2E-${seq}`,
      amount: { amountMinor: 12_345, currency: 'EUR' as const },
      creditorName: 'Ada & Co <Ltd>',
      accountRef: IBAN,
      remittance: `payout ${seq}`,
      ...overrides,
    };
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startBankSandbox({
      port: 0,
      webhookUrl: receiver.url,
      hmacSecret: SECRET,
      webhookRetryDelaysMs: [20],
    });
    bank = createIso20022Bank({ apiBase: sandbox.url, timeoutMs: 10_000, debtor: DEBTOR });
    hasty = createIso20022Bank({ apiBase: sandbox.url, timeoutMs: 500, debtor: DEBTOR });
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    await admin('reset', {});
    await admin('faults', { settleDelayMs: 30 });
    receiver.received.length = 0;
  });

  it('when a pain.001 is submitted, then the pain.002 says ACCP and the adapter reports accepted', async () => {
    const input = transfer();
    await expect(bank.initiateCreditTransfer(input)).resolves.toEqual({
      endToEndId: input.endToEndId,
      status: 'accepted',
    });
  });

  it('when the same message is resubmitted, then the same pain.002 comes back and only one transfer exists', async () => {
    const xml = buildPain001({
      messageId: 'MSG-RAW',
      createdAt: '2025-01-01T00:00:00Z',
      debtor: DEBTOR,
      transactions: [{ endToEndId: 'E2E-RAW', amountMinor: 100, currency: 'EUR', creditorName: 'X', accountRef: IBAN }],
    });
    const post = () => fetch(`${sandbox.url}/iso20022/pain.001`, { method: 'POST', body: xml }).then((r) => r.text());
    const first = await post();
    const second = await post();
    expect(second).toBe(first);
    expect(parsePain002(first)).toMatchObject({
      originalMessageId: 'MSG-RAW',
      groupStatus: 'ACCP',
      transactions: [{ endToEndId: 'E2E-RAW', status: 'ACCP' }],
    });
    const input = transfer();
    await bank.initiateCreditTransfer(input);
    await bank.initiateCreditTransfer(input);
    expect((await admin('calls')).json.transfers).toBe(2);
  });

  it('when an EndToEndId is reused with a different amount, then a Conflict failure is raised and nothing moves', async () => {
    const input = transfer();
    await bank.initiateCreditTransfer(input);
    const err = await failureOf(bank.initiateCreditTransfer({ ...input, amount: { amountMinor: 1, currency: 'EUR' } }));
    expect(err).toMatchObject({ type: 'Conflict', nonRetryable: true });
    expect((await admin('calls')).json.transfers).toBe(1);
  });

  it('when the account is rejected, then a non-retryable Declined failure carries the ISO code but not the account', async () => {
    await admin('faults', { rejectAccounts: [{ accountRef: 'GB33BUKB20201555555555', code: 'AC04' }] });
    const err = await failureOf(bank.initiateCreditTransfer(transfer({ accountRef: 'GB33BUKB20201555555555' })));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'Declined',
      nonRetryable: true,
      details: [expect.objectContaining({ reasonCode: 'AC04', needsNewDetails: true })],
    });
    expect((err as Error).message).toContain('AC04');
    expect((err as Error).message).not.toContain('GB33');
  });

  it('when the IBAN checksum is wrong, then the bank rejects with AC01', async () => {
    const err = await failureOf(bank.initiateCreditTransfer(transfer({ accountRef: 'DE89370400440532013001' })));
    expect(err).toMatchObject({ type: 'Declined', details: [expect.objectContaining({ reasonCode: 'AC01' })] });
  });

  it('when the debtor lacks funds, then the bank rejects with AM04', async () => {
    await admin('faults', { insufficientFundsNext: 1 });
    const err = await failureOf(bank.initiateCreditTransfer(transfer({ accountRef: '12345678' })));
    expect(err).toMatchObject({ type: 'Declined', details: [expect.objectContaining({ reasonCode: 'AM04' })] });
  });

  it('when the XML is malformed, then the bank answers 400 with a group-level RJCT', async () => {
    const res = await fetch(`${sandbox.url}/iso20022/pain.001`, { method: 'POST', body: '<Document><oops' });
    expect(res.status).toBe(400);
    expect(parsePain002(await res.text())).toMatchObject({ groupStatus: 'RJCT' });
  });

  it('when a pain.001 breaks the XSD (DbtrAcct missing), then the bank refuses the file: 400, RJCT FF01, the schema message, no transfer', async () => {
    const xml = buildPain001({
      messageId: 'MSG-NOACCT',
      createdAt: '2025-01-01T00:00:00Z',
      debtor: DEBTOR,
      transactions: [
        { endToEndId: 'E2E-NOACCT', amountMinor: 100, currency: 'EUR', creditorName: 'X', accountRef: IBAN },
      ],
    }).replace(/<DbtrAcct>.*?<\/DbtrAcct>/, '');
    const res = await fetch(`${sandbox.url}/iso20022/pain.001`, { method: 'POST', body: xml });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(parsePain002(body)).toMatchObject({
      originalMessageId: 'MSG-NOACCT',
      groupStatus: 'RJCT',
      groupReasonCode: 'FF01',
      groupAdditionalInfo: ["Element 'DbtrAgt': This element is not expected. Expected is ( DbtrAcct )."],
      transactions: [],
    });
    const calls = (await admin('calls')).json;
    expect(calls).toMatchObject({ transfers: 0, rejected: 0, calls: [expect.objectContaining({ refused: 'schema' })] });
  });

  it('when the adapter sends a file the schema refuses (a 40-character account number), then it gets a non-retryable Declined FF01', async () => {
    const err = await failureOf(bank.initiateCreditTransfer(transfer({ accountRef: '1'.repeat(40) })));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'Declined',
      nonRetryable: true,
      details: [expect.objectContaining({ reasonCode: 'FF01', needsNewDetails: false })],
    });
    expect((err as Error).message).not.toContain('1111');
    expect((await admin('calls')).json).toMatchObject({
      transfers: 0,
      calls: [expect.objectContaining({ refused: 'schema', status: 400 })],
    });
  });

  it('when the bank answers 5xx or times out, then the error is retryable and the retry moves money once', async () => {
    await admin('faults', { fail5xxNext: 1 });
    const input = transfer();
    const e5 = await failureOf(bank.initiateCreditTransfer(input));
    expect(e5).toBeInstanceOf(ProviderTransientError);
    expect(e5).toMatchObject({ code: 'BANK_UNAVAILABLE' });
    await admin('faults', { timeoutNext: 1, hangMs: 2_000 });
    const eT = await failureOf(hasty.initiateCreditTransfer(input));
    expect(eT).toMatchObject({ code: 'BANK_TIMEOUT' });
    await expect(bank.initiateCreditTransfer(input)).resolves.toMatchObject({ status: 'accepted' });
    expect((await admin('calls')).json.transfers).toBe(1);
  });

  it('when the settle delay passes, then the status is settled and a signed camt.054 names the EndToEndId', async () => {
    await admin('faults', { settleDelayMs: 150 });
    const input = transfer();
    await bank.initiateCreditTransfer(input);
    await expect(bank.getStatus(input.endToEndId)).resolves.toEqual({
      endToEndId: input.endToEndId,
      status: 'pending',
    });
    const hook = await until(() => receiver.received[0]);
    await expect(bank.getStatus(input.endToEndId)).resolves.toEqual({
      endToEndId: input.endToEndId,
      status: 'settled',
    });
    expect(verifyBankSignature(hook.body, hook.signature, SECRET)).toBe(true);
    expect(verifyBankSignature(hook.body, hook.signature, 'wrong')).toBe(false);
    expect(verifyBankSignature(`${hook.body} `, hook.signature, SECRET)).toBe(false);
    expect(verifyBankSignature(hook.body, hook.signature, SECRET, 300, Math.floor(Date.now() / 1000) + 3_600)).toBe(
      false,
    );
    expect(hook.eventId).toMatch(/^NTF/);
    expect(parseCamt054(hook.body).entries).toEqual([
      {
        endToEndId: input.endToEndId,
        status: 'booked',
        amount: { amountMinor: 12_345, currency: 'EUR' },
        entryRef: `${hook.eventId}-1`,
        notificationId: hook.eventId,
      },
    ]);
  });

  it('when a settled transfer is returned with R02, then a reversal camt.054 arrives and the status is returned', async () => {
    const input = transfer();
    await bank.initiateCreditTransfer(input);
    await until(() => receiver.received[0]);
    expect((await admin('returns', { endToEndId: input.endToEndId, code: 'R02' })).status).toBe(200);
    const hook = await until(() => receiver.received[1]);
    expect(hook.eventId).not.toBe(receiver.received[0]?.eventId);
    expect(verifyBankSignature(hook.body, hook.signature, SECRET)).toBe(true);
    expect(parseCamt054(hook.body).entries).toEqual([
      {
        endToEndId: input.endToEndId,
        status: 'returned',
        returnCode: 'R02',
        amount: { amountMinor: 12_345, currency: 'EUR' },
        entryRef: `${hook.eventId}-1`,
        notificationId: hook.eventId,
      },
    ]);
    await expect(bank.getStatus(input.endToEndId)).resolves.toEqual({
      endToEndId: input.endToEndId,
      status: 'returned',
      reasonCode: 'R02',
    });
  });

  it('when a settled transfer is returned in part, then the camt.054 carries the returned amount, not the transfer', async () => {
    const input = transfer();
    await bank.initiateCreditTransfer(input);
    await until(() => receiver.received[0]);
    const refused = await admin('returns', { endToEndId: input.endToEndId, code: 'MD06', amountMinor: 99_999 });
    expect(refused.status).toBe(400);
    const res = await admin('returns', { endToEndId: input.endToEndId, code: 'MD06', amountMinor: 2_345 });
    expect(res).toMatchObject({ status: 200, json: { amountMinor: 2_345 } });
    const hook = await until(() => receiver.received[1]);
    expect(parseCamt054(hook.body).entries).toEqual([
      expect.objectContaining({
        endToEndId: input.endToEndId,
        status: 'returned',
        returnCode: 'MD06',
        amount: { amountMinor: 2_345, currency: 'EUR' },
        originalAmount: { amountMinor: 12_345, currency: 'EUR' },
      }),
    ]);
  });

  it('when notifications are held, flushed in reverse and replayed, then duplicates keep their event id', async () => {
    await admin('faults', { holdWebhooks: true });
    const a = transfer();
    const b = transfer();
    await bank.initiateCreditTransfer(a);
    await bank.initiateCreditTransfer(b);
    // Both notifications exist and are held (the sandbox says so), so none can have gone out: awaited, not slept.
    await until(async () => ((await admin('events')).json['held'] === 2 ? true : undefined), 5_000, 'two held');
    expect(receiver.received).toHaveLength(0);
    expect((await admin('webhooks/flush', { order: 'reverse' })).json.delivered).toBe(2);
    expect(receiver.received.map((r) => parseCamt054(r.body).entries[0]?.endToEndId)).toEqual([
      b.endToEndId,
      a.endToEndId,
    ]);
    const first = receiver.received[0] as Received;
    await admin('webhooks/replay', { eventId: first.eventId, times: 2 });
    expect(receiver.received.filter((r) => r.eventId === first.eventId)).toHaveLength(3);
  });

  it('when an unknown EndToEndId is queried, then a non-retryable ProviderPermanent failure is raised', async () => {
    await expect(bank.getStatus('E2E-NOPE')).rejects.toMatchObject({ type: 'ProviderPermanent', nonRetryable: true });
  });
});
