import { ApplicationFailure } from '@temporalio/common';
import { bankRejection, BankHttpError, mapBankError } from '../../activities/adapters/bank/errors';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { createFakeBank } from '../../activities/adapters/bank/fake';
import {
  buildPain001,
  formatDecimal,
  isValidIban,
  parseCamt054,
  parseDecimal,
} from '../../activities/adapters/bank/iso20022';
import { signBankPayload, verifyBankSignature } from '../../activities/adapters/bank/webhook';
import { buildCamt054, parsePain001 } from '../../sandboxes/bank/iso20022';

const DEBTOR = { name: 'PayOps', iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' };

describe('ISO 20022 helpers', () => {
  it('when a pain.001 is built and read back, then every field survives, escaping included', () => {
    const xml = buildPain001({
      messageId: 'MSG-1',
      createdAt: '2025-01-02T03:04:05Z',
      debtor: DEBTOR,
      transactions: [
        {
          endToEndId: 'E2E-1',
          amountMinor: 1050,
          currency: 'EUR',
          creditorName: 'Ada & "Co" <Ltd>',
          accountRef: 'DE89 3704 0044 0532 0130 00',
          remittance: 'a<b',
        },
        { endToEndId: 'E2E-2', amountMinor: 700, currency: 'JPY', creditorName: 'Kei', accountRef: '0012345' },
      ],
    });
    expect(xml).not.toContain('Ada & "Co"');
    const parsed = parsePain001(xml);
    expect(parsed).toEqual({
      ok: true,
      message: {
        messageId: 'MSG-1',
        createdAt: '2025-01-02T03:04:05Z',
        debtor: DEBTOR,
        transactions: [
          {
            endToEndId: 'E2E-1',
            amountMinor: 1050,
            currency: 'EUR',
            creditorName: 'Ada & "Co" <Ltd>',
            accountRef: 'DE89370400440532013000',
            remittance: 'a<b',
          },
          {
            endToEndId: 'E2E-2',
            amountMinor: 700,
            currency: 'JPY',
            creditorName: 'Kei',
            accountRef: '0012345',
            remittance: undefined,
          },
        ],
      },
      // Both in the one PmtInf the adapter writes: a batch of two, debiting our account (the bank's statement books it).
      placements: [1, 2].map(() => ({ accountIban: DEBTOR.iban, pmtInfId: 'MSG-1', batchSize: 2 })),
    });
  });

  it('when amounts are converted, then minor units round-trip without floats and over-precise values are refused', () => {
    expect(formatDecimal(5, 'EUR')).toBe('0.05');
    expect(formatDecimal(123456, 'USD')).toBe('1234.56');
    expect(formatDecimal(700, 'JPY')).toBe('700');
    expect(parseDecimal('0.05', 'EUR')).toBe(5);
    expect(parseDecimal('12.5', 'EUR')).toBe(1250);
    expect(parseDecimal('1.005', 'EUR')).toBeUndefined();
    expect(parseDecimal('1.5', 'JPY')).toBeUndefined();
    expect(parseDecimal('-1', 'EUR')).toBeUndefined();
  });

  it('when an IBAN checksum is checked, then valid ones pass and a flipped digit fails', () => {
    expect(isValidIban('GB33BUKB20201555555555')).toBe(true);
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
  });

  it('when a camt.054 return is parsed, then it is a returned entry with its code; a non-camt document throws', () => {
    const xml = buildCamt054({
      messageId: 'N1',
      entries: [
        {
          endToEndId: 'E2E-9',
          originalMessageId: 'M9',
          status: 'returned',
          returnCode: 'AC04',
          amount: { amountMinor: 999, currency: 'GBP' },
        },
      ],
    });
    expect(parseCamt054(xml)).toEqual({
      notificationId: 'N1',
      entries: [
        {
          endToEndId: 'E2E-9',
          status: 'returned',
          returnCode: 'AC04',
          amount: { amountMinor: 999, currency: 'GBP' },
          entryRef: 'N1-1',
          notificationId: 'N1',
        },
      ],
    });
    expect(() => parseCamt054('<Document><Other/></Document>')).toThrow(/camt\.054/);
  });
});

describe('bank webhook signatures', () => {
  it('when a payload is signed, then it verifies within tolerance only, with the right secret, and any rotated v1 may match', () => {
    const t = 1_700_000_000;
    const header = signBankPayload('<x/>', 's1', t);
    expect(verifyBankSignature('<x/>', header, 's1', 300, t + 299)).toBe(true);
    expect(verifyBankSignature('<x/>', header, 's1', 300, t + 301)).toBe(false);
    expect(verifyBankSignature('<x/>', header, 's2', 300, t)).toBe(false);
    expect(verifyBankSignature('<x/>', undefined, 's1')).toBe(false);
    expect(verifyBankSignature('<x/>', 'garbage', 's1')).toBe(false);
    const rotated = `${signBankPayload('<x/>', 'old', t)},${header.split(',')[1]}`;
    expect(verifyBankSignature('<x/>', rotated, 's1', 300, t)).toBe(true);
  });
});

describe('bank error mapping', () => {
  it('when the bank rejects, then the failure is Declined with the code; DUPL is a Conflict', () => {
    expect(bankRejection('initiateCreditTransfer', 'AC04')).toMatchObject({
      type: 'Declined',
      nonRetryable: true,
      details: [{ reasonCode: 'AC04', needsNewDetails: true }],
    });
    expect(bankRejection('initiateCreditTransfer', 'DUPL')).toMatchObject({ type: 'Conflict' });
  });

  it('when the bank is down or slow, then the error is a retryable ProviderTransientError', () => {
    expect(() => mapBankError(new BankHttpError(503, 'x'))).toThrow(ProviderTransientError);
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    expect(() => mapBankError(timeout)).toThrow(expect.objectContaining({ code: 'BANK_TIMEOUT' }));
    expect(() => mapBankError(new BankHttpError(422, 'x'))).toThrow(ApplicationFailure);
  });
});

describe('fake bank', () => {
  it('when a transfer is resubmitted, then it is idempotent; a rejected account raises Declined', async () => {
    const bank = createFakeBank();
    const input = {
      messageId: 'M',
      endToEndId: 'E',
      amount: { amountMinor: 10, currency: 'EUR' as const },
      creditorName: 'A',
      accountRef: 'acc-1',
      remittance: 'r',
    };
    await bank.initiateCreditTransfer(input);
    await bank.initiateCreditTransfer(input);
    expect(bank.transfers.size).toBe(1);
    bank.returnTransfer('E', 'R02');
    await expect(bank.getStatus('E')).resolves.toEqual({ endToEndId: 'E', status: 'returned', reasonCode: 'R02' });
    bank.rejectAccount('acc-2', 'AC04');
    await expect(
      bank.initiateCreditTransfer({ ...input, endToEndId: 'E2', accountRef: 'acc-2' }),
    ).rejects.toMatchObject({ type: 'Declined' });
  });
});
