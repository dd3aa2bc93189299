import { randomUUID } from 'node:crypto';
import { createDynamoAudit } from '../../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions } from '../../workers/config';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import { testConfig } from '../support/stack';

describe('DynamoDB ledger and audit trail on moto', () => {
  const config = testConfig();
  const aws = makeAwsClients(awsOptions(config));
  const ledger = createDynamoLedger({ aws, table: config.LEDGER_TABLE });
  const audit = createDynamoAudit({ aws, table: config.AUDIT_TABLE });

  test('when the same posting is retried, then it posts once and balances move once', async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    const earn = {
      postingId: `earn-${randomUUID()}`,
      currency: 'EUR' as const,
      description: 'earnings',
      legs: [
        { account: 'platform:earnings', amountMinor: 1000 },
        { account: creator, amountMinor: -1000 },
      ],
    };
    expect(await ledger.post(earn)).toEqual({ postingId: earn.postingId, alreadyPosted: false });
    expect(await ledger.post(earn)).toEqual({ postingId: earn.postingId, alreadyPosted: true });
    expect(await ledger.balance(creator, 'EUR')).toBe(-1000);
    expect((await ledger.getPosting(earn.postingId))?.description).toBe('earnings');
  });

  test('when a reservation exceeds the available balance, then it fails as InsufficientFunds and nothing moves', async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    await ledger.post({
      postingId: `earn-${randomUUID()}`,
      currency: 'EUR',
      description: 'earnings',
      legs: [
        { account: 'platform:earnings', amountMinor: 500 },
        { account: creator, amountMinor: -500 },
      ],
    });
    const reserve = {
      postingId: `reserve-${randomUUID()}`,
      currency: 'EUR' as const,
      description: 'reserve',
      legs: [
        { account: creator, amountMinor: 600 },
        { account: Accounts.payoutsInTransit, amountMinor: -600 },
      ],
      mustStayNonNegative: [creator],
    };
    await expect(ledger.post(reserve)).rejects.toMatchObject({ type: 'InsufficientFunds' });
    expect(await ledger.balance(creator, 'EUR')).toBe(-500);
    expect(await ledger.getPosting(reserve.postingId)).toBeUndefined();
  });

  test('when postings do not balance, then they are refused before any write', async () => {
    await expect(
      ledger.post({
        postingId: `bad-${randomUUID()}`,
        currency: 'EUR',
        description: 'x',
        legs: [
          { account: 'a', amountMinor: 1 },
          { account: 'b', amountMinor: -2 },
        ],
      }),
    ).rejects.toThrow(/sum to -1/);
  });

  test('when an audit event is appended twice, then the trail keeps one, in time order', async () => {
    const stream = `test:${randomUUID()}`;
    const second = { stream, eventId: 'e2', at: '2026-01-02T00:00:00.000Z', type: 'approved', data: { by: 'f-1' } };
    const first = { stream, eventId: 'e1', at: '2026-01-01T00:00:00.000Z', type: 'requested', data: {} };
    expect(await audit.append(second)).toEqual({ appended: true });
    expect(await audit.append(first)).toEqual({ appended: true });
    expect(await audit.append({ ...second, at: '2026-01-03T00:00:00.000Z' })).toEqual({ appended: false });
    expect((await audit.list(stream)).map((e) => e.eventId)).toEqual(['e1', 'e2']);
    expect((await audit.get(stream, 'e2'))?.data).toEqual({ by: 'f-1' });
  });
});
