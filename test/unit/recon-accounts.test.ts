import { factsOf } from '../../activities/recon-days/accounts';
import { loadConfig } from '../../workers/config';
import { reconAccounts } from '../../workers/config-recon';

/** The reconciliation accounts as configuration: defaults from the rails' config, a JSON list, errors naming the field. */
describe('reconciliation accounts (RECON_ACCOUNTS)', () => {
  test('when RECON_ACCOUNTS is absent, then bank-main reads BANK_DEBTOR_IBAN, psp-platform the PSP balance and psp-adyen Adyen (local mode has its key)', () => {
    const accounts = reconAccounts(loadConfig({ BANK_DEBTOR_IBAN: 'DE89370400440532013000' }));
    expect(accounts.map((a) => [a.accountId, a.rail, a.provider, a.iban, a.timezone])).toEqual([
      ['bank-main', 'bank', undefined, 'DE89370400440532013000', 'Europe/Berlin'],
      ['psp-platform', 'psp', undefined, undefined, 'UTC'],
      ['psp-adyen', 'psp', 'adyen', undefined, 'UTC'],
    ]);
  });

  test('when no Adyen key is configured, then the defaults leave Adyen out instead of failing its days', () => {
    const config = { ...loadConfig({}), ADYEN_API_KEY: undefined };
    expect(reconAccounts(config).map((a) => a.accountId)).toEqual(['bank-main', 'psp-platform']);
  });

  test('when a process holds no Adyen key but the deployment names its balance account (the decision service), then psp-adyen is among its accounts', () => {
    const config = {
      ...loadConfig({ ADYEN_BALANCE_ACCOUNT_ID: 'BA00000000000000LIVE0001' }),
      ADYEN_API_KEY: undefined,
    };
    expect(reconAccounts(config).map((a) => a.accountId)).toEqual(['bank-main', 'psp-platform', 'psp-adyen']);
  });

  test('when RECON_ACCOUNTS is a JSON list, then it replaces the defaults', () => {
    const list = [
      {
        accountId: 'bank-eu',
        rail: 'bank',
        iban: 'DE89370400440532013000',
        currency: 'EUR',
        timezone: 'Europe/Paris',
        statementDeadlineHours: 10,
      },
    ];
    const [a] = reconAccounts(loadConfig({ RECON_ACCOUNTS: JSON.stringify(list) }));
    expect(a).toMatchObject({ accountId: 'bank-eu', pollEveryMinutes: 30 });
  });

  test('when RECON_ACCOUNTS is not JSON or an account lacks what it needs, then start-up fails naming the field', () => {
    expect(() => loadConfig({ RECON_ACCOUNTS: '[{' })).toThrow(/RECON_ACCOUNTS: must be a JSON array/);
    const noIban = [{ accountId: 'bank-x', rail: 'bank', currency: 'EUR', timezone: 'UTC', statementDeadlineHours: 1 }];
    expect(() => loadConfig({ RECON_ACCOUNTS: JSON.stringify(noIban) })).toThrow(/iban.*a bank account needs its iban/);
    const badZone = [
      { accountId: 'psp', rail: 'psp', currency: 'EUR', timezone: 'Mars/Olympus', statementDeadlineHours: 1 },
    ];
    expect(() => loadConfig({ RECON_ACCOUNTS: JSON.stringify(badZone) })).toThrow(/timezone must be an IANA zone/);
  });

  test('when a Schedule starts a run, then the business day is the day before in the account timezone and the deadline follows its end', () => {
    const [bank] = reconAccounts(loadConfig({}));
    // 2026-03-29 00:30 in Berlin is 2026-03-28 23:30 UTC (the night summer time starts).
    const f = factsOf(bank!, undefined, Date.parse('2026-03-28T23:30:00Z'));
    expect(f.businessDate).toBe('2026-03-28');
    expect(f.previousDate).toBe('2026-03-27');
    // The end of 2026-03-28 in Berlin is 23:00 UTC (still winter time), plus 12 hours.
    expect(new Date(f.deadlineAtMs).toISOString()).toBe('2026-03-29T11:00:00.000Z');
    expect(f.runAtMs).toBe(f.deadlineAtMs);
  });
});
