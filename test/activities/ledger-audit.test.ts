import { randomUUID } from 'node:crypto';
import { GetItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
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
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
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

  test('when a posting is retried after its response was lost, then the same request token carries the same parameters and it posts once', async () => {
    // moto ignores ClientRequestToken; this wrapper adds DynamoDB's rule: within the token's window, the same token
    // with other parameters is an IdempotentParameterMismatchException, the same parameters answer the first result.
    const seen = new Map<string, { params: string; out: unknown }>();
    let loseNextResponse = true;
    const dynamo = new Proxy(aws.dynamo, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (cmd: unknown) => {
          if (!(cmd instanceof TransactWriteItemsCommand)) return target.send(cmd as never);
          const token = cmd.input.ClientRequestToken ?? '';
          const params = JSON.stringify(cmd.input.TransactItems);
          const before = seen.get(token);
          if (before && before.params !== params)
            throw Object.assign(new Error('token reused with other parameters'), {
              name: 'IdempotentParameterMismatchException',
            });
          if (before) return before.out;
          const out = await target.send(cmd);
          seen.set(token, { params, out });
          if (loseNextResponse) {
            loseNextResponse = false;
            throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          }
          return out;
        };
      },
    });
    const flaky = createDynamoLedger({ aws: { ...aws, dynamo }, table: config.LEDGER_TABLE });
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    const earn = {
      postingId: `earn-${randomUUID()}`,
      currency: 'EUR' as const,
      description: 'earnings',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: 'platform:earnings', amountMinor: 700 },
        { account: creator, amountMinor: -700 },
      ],
    };
    await expect(flaky.post(earn)).rejects.toThrow('socket hang up');
    jest.useFakeTimers({
      now: Date.now() + 1_500,
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setImmediate',
        'setInterval',
        'clearInterval',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      expect(await flaky.post(earn)).toMatchObject({ postingId: earn.postingId });
    } finally {
      jest.useRealTimers();
    }
    expect(await ledger.balance(creator, 'EUR')).toBe(-700);
  });

  test('when the posting commits but stamping its time fails, then the retry stamps it', async () => {
    let failStamp = true;
    const dynamo = new Proxy(aws.dynamo, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (cmd: unknown) => {
          if (cmd instanceof UpdateItemCommand && failStamp) {
            failStamp = false;
            throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
          }
          return target.send(cmd as never);
        };
      },
    });
    const flaky = createDynamoLedger({ aws: { ...aws, dynamo }, table: config.LEDGER_TABLE });
    const posting = {
      postingId: `earn-${randomUUID()}`,
      currency: 'EUR' as const,
      description: 'earnings',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: 'platform:earnings', amountMinor: 300 },
        { account: Accounts.creatorAvailable(`c-${randomUUID()}`), amountMinor: -300 },
      ],
    };
    await expect(flaky.post(posting)).rejects.toThrow('service unavailable');
    expect(await flaky.post(posting)).toEqual({ postingId: posting.postingId, alreadyPosted: true });
    const item = await aws.dynamo.send(
      new GetItemCommand({
        TableName: config.LEDGER_TABLE,
        Key: { pk: { S: `POSTING#${posting.postingId}` }, sk: { S: 'POSTING' } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item?.['postedAt']?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('when a reservation exceeds the available balance, then it fails as InsufficientFunds and nothing moves', async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    await ledger.post({
      postingId: `earn-${randomUUID()}`,
      currency: 'EUR',
      description: 'earnings',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: 'platform:earnings', amountMinor: 500 },
        { account: creator, amountMinor: -500 },
      ],
    });
    const reserve = {
      postingId: `reserve-${randomUUID()}`,
      currency: 'EUR' as const,
      description: 'reserve',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
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

  test('when a posting would take a debit-guarded receivable below zero, then it is refused and nothing moves; a retry of the posting that took it to zero stays idempotent', async () => {
    const c = `c-${randomUUID()}`;
    const receivable = Accounts.creatorReceivable(c);
    await ledger.post({
      postingId: `recover-${randomUUID()}`,
      currency: 'EUR',
      description: 'owed',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: receivable, amountMinor: 300 },
        { account: Accounts.payoutsSettled, amountMinor: -300 },
      ],
    });
    const net = (id: string, a: number) => ({
      postingId: id,
      currency: 'EUR' as const,
      description: 'net',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: Accounts.creatorAvailable(c), amountMinor: a },
        { account: receivable, amountMinor: -a },
      ],
      mustStayDebit: [receivable],
    });
    const first = net(`net-${randomUUID()}`, 300);

    expect(await ledger.post(first)).toMatchObject({ alreadyPosted: false });
    await expect(ledger.post(net(`net-${randomUUID()}`, 1))).rejects.toMatchObject({ type: 'InsufficientFunds' });
    expect(await ledger.post(first)).toMatchObject({ alreadyPosted: true });
    expect(await ledger.balance(receivable, 'EUR')).toBe(0);
  });

  test('when a posting ID is reused for other money, then it fails loudly as posting_conflict and nothing moves; the same money re-posted stays idempotent', async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    const postingId = `dispute-${randomUUID()}:ledger-1-held`;
    const first = {
      postingId,
      currency: 'EUR' as const,
      description: 'held',
      effectiveDate: '2026-12-06',
      refs: { workflowId: 'ledger-test' },
      legs: [
        { account: creator, amountMinor: 300 },
        { account: 'disputes:held', amountMinor: -300 },
      ],
    };
    await ledger.post(first);
    const other = {
      ...first,
      legs: [first.legs[1]!, first.legs[0]!].map((l) => ({ ...l, amountMinor: -l.amountMinor })),
    };
    await expect(ledger.post(other)).rejects.toMatchObject({
      type: 'Conflict',
      nonRetryable: true,
      details: [{ code: 'posting_conflict', postingId }],
    });
    const moreMoney = { ...first, legs: first.legs.map((l) => ({ ...l, amountMinor: l.amountMinor * 2 })) };
    await expect(ledger.post(moreMoney)).rejects.toMatchObject({ details: [{ code: 'posting_conflict' }] });
    expect(await ledger.balance(creator, 'EUR')).toBe(300);
    // The same money with another description, legs in another order and a guard added later is the same posting.
    const same = {
      ...first,
      description: 'held (v2)',
      legs: [...first.legs].reverse(),
      mustStayNonNegative: [creator],
    };
    expect(await ledger.post(same)).toEqual({ postingId, alreadyPosted: true });
    expect(await ledger.balance(creator, 'EUR')).toBe(300);
    expect(await ledger.getPostings([postingId, `absent-${randomUUID()}`])).toEqual([first]);
  });

  test('when postings do not balance, then they are refused before any write', async () => {
    await expect(
      ledger.post({
        postingId: `bad-${randomUUID()}`,
        currency: 'EUR',
        description: 'x',
        effectiveDate: '2026-12-06',
        refs: { workflowId: 'ledger-test' },
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
