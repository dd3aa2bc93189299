import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIso20022Bank } from '../../activities/adapters/bank/iso20022-bank';
import { isoIdsFor } from '../../activities/payouts';
import { buildPain002, parsePain001 } from '../../sandboxes/bank/iso20022';
import { XsdValidator } from '../../sandboxes/bank/schema';
import { ConfigError, loadConfig } from '../../workers/config';

/** The pain.001 the adapter puts on the wire, checked against the published XSD (cached by `ensure.sh`). */

/** A bank endpoint that keeps what it was sent and accepts every transaction without checking the schema. */
async function capture() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const parsed = parsePain001(body);
      const txs = parsed.ok ? parsed.message.transactions : [];
      const answer = buildPain002({
        messageId: 'STS',
        originalMessageId: parsed.ok ? parsed.message.messageId : 'UNKNOWN',
        transactions: txs.map((t) => ({ endToEndId: t.endToEndId, status: 'ACCP' })),
      });
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('pain.001 against the ISO 20022 schema', () => {
  const schema = XsdValidator.load('pain.001.001.09');
  let bank: Awaited<ReturnType<typeof capture>>;
  let sent: string;

  beforeAll(async () => {
    bank = await capture();
    // The worker's own wiring: config defaults (the local debtor account) into the adapter.
    const config = loadConfig({});
    const adapter = createIso20022Bank({
      apiBase: bank.url,
      debtor: { name: config.BANK_DEBTOR_NAME, iban: config.BANK_DEBTOR_IBAN, bic: config.BANK_DEBTOR_BIC },
    });
    const ids = isoIdsFor('payout-p-123:attempt-1');
    await adapter.initiateCreditTransfer({
      ...ids,
      amount: { amountMinor: 1_234_567, currency: 'EUR' },
      creditorName: 'Zoë & Co <Ltd> '.repeat(12),
      accountRef: 'GB33 BUKB 2020 1555 5555 55',
      remittance: `Payout p-123 ${'x'.repeat(200)}`,
    });
    sent = bank.bodies[0] ?? '';
  });
  afterAll(() => bank.stop());

  it('when the adapter sends a payout, then the file validates against pain.001.001.09.xsd', async () => {
    expect(sent).toContain('<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>');
    expect(sent).toContain('<DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt>');
    await expect(schema.validate(sent)).resolves.toEqual({ valid: true, errors: [] });
  });

  it('when DbtrAcct is removed, then the schema refuses the file naming the missing element', async () => {
    const broken = sent.replace(/<DbtrAcct>.*?<\/DbtrAcct>/, '');
    expect(broken).not.toBe(sent);
    await expect(schema.validate(broken)).resolves.toEqual({
      valid: false,
      errors: ["Element 'DbtrAgt': This element is not expected. Expected is ( DbtrAcct )."],
    });
  });

  it('when a value breaks a facet, then the message names the element but not the value (it may be an account)', async () => {
    const verdict = await schema.validate(sent.replace('<IBAN>DE89370400440532013000</IBAN>', '<IBAN>de89!</IBAN>'));
    expect(verdict.valid).toBe(false);
    expect(verdict.errors.join('\n')).toContain("Element 'IBAN'");
    expect(verdict.errors.join('\n')).not.toContain('de89');
  });

  it('when many files arrive at once, then they are validated together and each gets its own verdict', async () => {
    const broken = sent.replace(/<DbtrAgt>.*?<\/DbtrAgt>/, '');
    const verdicts = await Promise.all([sent, broken, sent, '<not xml', sent].map((x) => schema.validate(x)));
    expect(verdicts.map((v) => v.valid)).toEqual([true, false, true, false, true]);
  });

  it('when the configured debtor account is not an IBAN, then start-up fails without echoing the value', () => {
    expect(() => loadConfig({ BANK_DEBTOR_IBAN: 'DE00123456789' })).toThrow(ConfigError);
    expect(() => loadConfig({ BANK_DEBTOR_IBAN: 'DE00123456789' })).toThrow(/BANK_DEBTOR_IBAN: must be a valid IBAN/);
    expect(() => loadConfig({ BANK_DEBTOR_IBAN: 'DE00123456789' })).not.toThrow(/DE00123456789/);
    expect(() => loadConfig({ BANK_DEBTOR_BIC: 'nope' })).toThrow(/BANK_DEBTOR_BIC/);
    expect(() =>
      createIso20022Bank({ apiBase: 'http://x', debtor: { name: 'A', iban: 'DE00', bic: 'BUKBGB22' } }),
    ).toThrow(/not a valid IBAN/);
  });
});
