import { randomUUID } from 'node:crypto';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts, type NewPosting, type Posting, type StatementLine } from '../../activities/adapters/ledger/port';
import { isoIdsFor, payoutPosting } from '../../activities/payouts';
import { awsOptions } from '../../workers/config';
import { testConfig } from '../support/stack';

/** A date no other test uses: the day index is shared by every test file on this moto. */
const uniqueDate = () => {
  const n = Math.floor(Math.random() * 300);
  return new Date(Date.UTC(2090 + Math.floor(Math.random() * 9), 0, 1 + n)).toISOString().slice(0, 10);
};
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('DynamoDB ledger day index and statements on moto', () => {
  const config = testConfig();
  const aws = makeAwsClients(awsOptions(config));
  const ledger = createDynamoLedger({ aws, table: config.LEDGER_TABLE });

  /** A funding posting of `minor` to a creator (platform cash → creator), dated and referenced. */
  const fund = (
    creator: string,
    minor: number,
    effectiveDate: string,
    extra: Partial<NewPosting> = {},
  ): NewPosting => ({
    postingId: `fund-${randomUUID()}`,
    currency: 'EUR',
    description: 'earnings',
    legs: [
      { account: Accounts.platformCash, amountMinor: minor },
      { account: creator, amountMinor: -minor },
    ],
    effectiveDate,
    refs: { workflowId: 'earnings-import' },
    ...extra,
  });

  test('when a dated bank settle posting is retried after its response was lost, then every attempt sends identical parameters and it posts once', async () => {
    // moto ignores ClientRequestToken; this wrapper keeps every transaction's parameters per token (DynamoDB's rule:
    // the same token with other parameters is an IdempotentParameterMismatchException) and loses the first answer.
    const sent = new Map<string, string[]>();
    let loseNextResponse = true;
    const dynamo = new Proxy(aws.dynamo, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (cmd: unknown) => {
          if (!(cmd instanceof TransactWriteItemsCommand)) return target.send(cmd as never);
          const token = cmd.input.ClientRequestToken ?? '';
          const params = JSON.stringify(cmd.input.TransactItems);
          const before = sent.get(token) ?? [];
          sent.set(token, [...before, params]);
          if (before.length > 0 && before[0] !== params)
            throw Object.assign(new Error('token reused with other parameters'), {
              name: 'IdempotentParameterMismatchException',
            });
          if (before.length > 0) return {};
          const out = await target.send(cmd);
          if (loseNextResponse) {
            loseNextResponse = false;
            throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          }
          return out;
        };
      },
    });
    const flaky = createDynamoLedger({ aws: { ...aws, dynamo }, table: config.LEDGER_TABLE });
    const wf = `payout-${randomUUID()}`;
    const input = {
      kind: 'settle' as const,
      postingId: `${wf}:settle-2`,
      creatorId: `c-${randomUUID()}`,
      amount: { amountMinor: 4_200, currency: 'EUR' as const },
      payoutId: 'p-1',
      effectiveDate: '2026-12-05',
      refs: { workflowId: wf, attempt: 2, rail: 'bank' as const },
    };
    // The activity builds the posting from its input alone: two attempts (here two calls) build the same posting.
    const first = payoutPosting(input.kind, input);
    expect(payoutPosting(input.kind, structuredClone(input))).toEqual(first);
    expect(first.refs).toEqual({
      workflowId: wf,
      attempt: 2,
      rail: 'bank',
      endToEndId: isoIdsFor(`${wf}:initiate-2`).endToEndId,
      pmtInfId: isoIdsFor(`${wf}:initiate-2`).messageId,
    });
    expect(first.effectiveDate).toBe('2026-12-05');

    await expect(flaky.post(first)).rejects.toThrow('socket hang up');
    expect(await flaky.post(payoutPosting(input.kind, input))).toMatchObject({ postingId: first.postingId });
    // Within the token's window DynamoDB answers an identical retry with the first result: both retries succeed.
    expect(await flaky.post(payoutPosting(input.kind, input))).toMatchObject({ postingId: first.postingId });
    const attempts = [...sent.values()][0]!;
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts).size).toBe(1);
    // Settle moves in-transit → settled; concurrent tests move other payouts, so read this posting's own statement.
    expect(await ledger.getPosting(first.postingId)).toEqual(first);
    const lines = await ledger.statement(Accounts.payoutsSettled, 'EUR', '2026-12-05', '2026-12-05');
    expect(lines.items.filter((l) => l.postingId === first.postingId)).toEqual([
      expect.objectContaining({ amountMinor: -4_200, effectiveDate: '2026-12-05', refs: first.refs }),
    ]);
  });

  test('when a day holds more postings than one page, then postingsOn streams every one exactly once, scope by scope', async () => {
    const day = uniqueDate();
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    const bank = Array.from({ length: 12 }, () =>
      fund(creator, 100, day, { refs: { workflowId: 'w', rail: 'bank', endToEndId: 'E2EX' } }),
    );
    const psp = Array.from({ length: 5 }, () => fund(creator, 100, day, { refs: { workflowId: 'w', rail: 'psp' } }));
    const internal = Array.from({ length: 4 }, () => fund(creator, 100, day));
    const otherDay = fund(creator, 100, uniqueDate());
    for (const p of [...bank, ...psp, ...internal, otherDay]) await ledger.post(p);

    const readAll = async (opts: { scope?: 'bank' | 'psp' | 'ledger'; limit?: number }) => {
      const ids: string[] = [];
      let pages = 0;
      let startKey: string | undefined;
      do {
        const page = await ledger.postingsOn(day, { ...opts, ...(startKey ? { startKey } : {}) });
        pages++;
        ids.push(...page.items.map((p) => p.postingId));
        startKey = page.next;
      } while (startKey);
      return { ids, pages };
    };
    const sorted = (ps: Posting[]) => ps.map((p) => p.postingId).sort();

    const bankOnly = await readAll({ scope: 'bank', limit: 5 });
    expect(bankOnly.pages).toBeGreaterThanOrEqual(3);
    expect(bankOnly.ids).toEqual(sorted(bank));

    const everything = await readAll({ limit: 5 });
    expect(everything.ids).toEqual([...sorted(bank), ...sorted(psp), ...sorted(internal)]);
    expect(new Set(everything.ids).size).toBe(21);

    const page = await ledger.postingsOn(day, { scope: 'psp' });
    expect(page.items.map((p) => p.refs)).toEqual(psp.map(() => ({ workflowId: 'w', rail: 'psp' })));
  });

  test('when a day is larger than 1 MB, then postingsOn reads it in several pages without a limit', async () => {
    const day = uniqueDate();
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    // 12 postings of ~150 KB: about 1.8 MB in the index, so DynamoDB (and moto) answer in at least two 1 MB pages.
    const big = Array.from({ length: 12 }, () =>
      fund(creator, 1, day, { description: 'x'.repeat(150_000), refs: { workflowId: 'w', rail: 'psp' } }),
    );
    for (const p of big) await ledger.post(p);
    let pages = 0;
    let seen = 0;
    let startKey: string | undefined;
    do {
      const page = await ledger.postingsOn(day, { scope: 'psp', ...(startKey ? { startKey } : {}) });
      pages++;
      seen += page.items.length;
      startKey = page.next;
    } while (startKey);
    expect(seen).toBe(12);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  test("when an account has postings from before the index and on several days, then the statement's running balance ends at balance() and every page agrees", async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    // Stored before the day index: no date, no refs, no statement entry; it still counts in the opening balance.
    const legacy: Posting = {
      postingId: `legacy-${randomUUID()}`,
      currency: 'EUR',
      description: 'earnings before the index',
      legs: [
        { account: Accounts.platformCash, amountMinor: 10_000 },
        { account: creator, amountMinor: -10_000 },
      ],
    };
    await ledger.post(legacy as NewPosting);
    const d1 = daysAgo(3);
    const d2 = daysAgo(2);
    const d3 = today();
    const posted = [
      fund(creator, 1_000, d1),
      fund(creator, 2_000, d2),
      fund(creator, 300, d2),
      fund(creator, 40, d3),
      {
        ...fund(creator, 500, d3),
        legs: [
          { account: creator, amountMinor: 500 },
          { account: Accounts.payoutsInTransit, amountMinor: -500 },
        ],
      },
    ];
    for (const p of posted) await ledger.post(p);

    const all = await ledger.statement(creator, 'EUR', d1, d3);
    expect(all.next).toBeUndefined();
    expect(all.openingBalanceMinor).toBe(-10_000);
    const leg = (id: string) => posted.find((p) => p.postingId === id)!.legs.find((g) => g.account === creator)!;
    expect(all.items.map((l) => l.amountMinor)).toEqual(all.items.map((l) => leg(l.postingId).amountMinor));
    expect(all.items).toHaveLength(5);
    expect(all.items.at(-1)!.runningBalanceMinor).toBe(await ledger.balance(creator, 'EUR'));
    expect(all.items.at(-1)!.runningBalanceMinor).toBe(-10_000 - 1_000 - 2_300 - 40 + 500);
    expect(all.items.map((l) => l.effectiveDate)).toEqual([d1, d2, d2, d3, d3]);

    // One day: opened by everything before it, closed where the next day opens.
    const dayTwo = await ledger.statement(creator, 'EUR', d2, d2);
    expect(dayTwo.openingBalanceMinor).toBe(-11_000);
    expect(dayTwo.items.map((l) => l.amountMinor).sort()).toEqual([-2_000, -300]);
    expect(dayTwo.items.at(-1)!.runningBalanceMinor).toBe(-13_300);
    expect((await ledger.statement(creator, 'EUR', d3, d3)).openingBalanceMinor).toBe(-13_300);

    // Paged two lines at a time: the same lines, the same running balances.
    const lines: StatementLine[] = [];
    let startKey: string | undefined;
    let pages = 0;
    do {
      const page = await ledger.statement(creator, 'EUR', d1, d3, { limit: 2, ...(startKey ? { startKey } : {}) });
      expect(page.openingBalanceMinor).toBe(-10_000);
      lines.push(...page.items);
      startKey = page.next;
      pages++;
    } while (startKey);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(lines).toEqual(all.items);
  });

  test('when a posting was stored before the index, then it still reads, and a retry with a date and refs posts nothing and rewrites nothing', async () => {
    const creator = Accounts.creatorAvailable(`c-${randomUUID()}`);
    const old: Posting = {
      postingId: `old-${randomUUID()}`,
      currency: 'EUR',
      description: 'payout p-9: reserve',
      legs: [
        { account: creator, amountMinor: 700 },
        { account: Accounts.payoutsInTransit, amountMinor: -700 },
      ],
    };
    await ledger.post(fund(creator, 700, today()));
    await ledger.post(old as NewPosting);
    expect(await ledger.getPosting(old.postingId)).toEqual(old);
    expect(await ledger.getPostings([old.postingId])).toEqual([old]);

    const retried: NewPosting = { ...old, effectiveDate: today(), refs: { workflowId: 'payout-p-9', attempt: 1 } };
    expect(await ledger.post(retried)).toEqual({ postingId: old.postingId, alreadyPosted: true });
    expect(await ledger.getPosting(old.postingId)).toEqual(old);
    expect(await ledger.balance(creator, 'EUR')).toBe(0);
    const statement = await ledger.statement(creator, 'EUR', today(), today());
    expect(statement.items.map((l) => l.postingId)).not.toContain(old.postingId);
    // The opening balance counts the old posting (balance now minus the day's movements), so the lines still end at it.
    expect(statement.openingBalanceMinor).toBe(700);
    expect(statement.items.at(-1)!.runningBalanceMinor).toBe(await ledger.balance(creator, 'EUR'));
  });

  test('when a date or a cursor is malformed, then the read refuses naming the field', async () => {
    await expect(ledger.postingsOn('2026-13-01')).rejects.toThrow('date: must be a date written YYYY-MM-DD');
    await expect(ledger.statement('a', 'EUR', '2026-12-05', '2026-12-04')).rejects.toThrow(
      'to: must not be before from',
    );
    await expect(ledger.postingsOn('2026-12-05', { startKey: '%%%' })).rejects.toThrow(/startKey/);
    await expect(ledger.post({ ...fund('c', 1, '2026-02-30') })).rejects.toThrow(/effectiveDate/);
  });
});
