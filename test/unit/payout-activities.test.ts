import { createFakeCreators } from '../../activities/adapters/creators/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createPayoutActivities } from '../../activities/payouts';
import { fakeDeps } from '../support/time-skipping';

const creator = {
  creatorId: 'c-act',
  displayName: 'Act',
  email: 'act@creators.example',
  kycStatus: 'verified' as const,
  sanctionsStatus: 'clear' as const,
  balanceCurrency: 'USD' as const,
  payoutMethod: { rail: 'psp' as const, currency: 'USD' as const, country: 'US', accountToken: 'acct_act' },
  earnings: {},
};
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' as const });

describe('payout rail activities (fake PSP and directory)', () => {
  test('when a workflow reset re-sends an initiation after the PSP forgot its idempotency key, then the earlier transfer is found and no second one is made', async () => {
    const deps = { ...fakeDeps(), creators: createFakeCreators([creator]) };
    const acts = createPayoutActivities(deps);
    const key = 'payout-c-act-2026-11:initiate';
    const { destinationId } = await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key });
    const i = { idempotencyKey: key, creatorId: 'c-act', amount: usd(5_000), reference: 'payout-c-act-2026-11' };

    const first = await acts.initiatePspPayout({ ...i, destinationId });
    deps.psp.forgetIdempotencyKeys();
    const again = await acts.initiatePspPayout({ ...i, destinationId });

    expect(again.transferId).toBe(first.transferId);
    expect(deps.psp.transfers.size).toBe(1);
  });

  test('when the creator removes the method after the destination was fixed, then the initiation still pays the fixed account and history sees only an opaque ID', async () => {
    const creators = createFakeCreators([creator]);
    const deps = { ...fakeDeps(), creators };
    const acts = createPayoutActivities(deps);
    const key = 'payout-c-act-2026-12:initiate';
    const { destinationId } = await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key });
    await creators.getCreator('c-act').then((c) => c && delete (c as { payoutMethod?: unknown }).payoutMethod);

    const again = await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key });
    const r = await acts.initiatePspPayout({
      idempotencyKey: key,
      creatorId: 'c-act',
      amount: usd(5_000),
      reference: 'payout-c-act-2026-12',
      destinationId,
    });

    expect(again.destinationId).toBe(destinationId);
    expect(destinationId).toMatch(/^dst_[0-9a-f]{32}$/);
    expect(deps.psp.transfers.get(r.transferId)?.destinationAccount).toBe('acct_act');
  });

  test('when the rail is asked about an initiation, then a PSP transfer is found by group and step and a missing bank one is reported absent', async () => {
    const deps = { ...fakeDeps(), creators: createFakeCreators([creator]) };
    const acts = createPayoutActivities(deps);
    const key = 'payout-c-act-2027-01:initiate';
    expect(await acts.findRailPayout({ rail: 'psp', idempotencyKey: key, reference: 'payout-c-act-2027-01' })).toEqual({
      found: false,
    });
    const { destinationId } = await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key });
    const r = await acts.initiatePspPayout({
      idempotencyKey: key,
      creatorId: 'c-act',
      amount: usd(5_000),
      reference: 'payout-c-act-2027-01',
      destinationId,
    });
    expect(await acts.findRailPayout({ rail: 'psp', idempotencyKey: key, reference: 'payout-c-act-2027-01' })).toEqual({
      found: true,
      reference: r.transferId,
      status: 'paid',
    });
    expect(await acts.findRailPayout({ rail: 'bank', idempotencyKey: key, reference: 'x' })).toEqual({ found: false });
  });
});

describe('payout destination: one conditional write, remembered by the worker', () => {
  /** The fake audit trail, counting its reads and appends. */
  const countingAudit = (deps: ReturnType<typeof fakeDeps>) => {
    const counts = { get: 0, append: 0 };
    const { audit } = deps;
    return {
      counts,
      audit: {
        ...audit,
        get: (stream: string, eventId: string) => (counts.get++, audit.get(stream, eventId)),
        append: (e: Parameters<typeof audit.append>[0]) => (counts.append++, audit.append(e)),
      },
    };
  };

  test('when a destination is fixed and paid on the same worker, then it is written once and never read back', async () => {
    const base = fakeDeps();
    const { audit, counts } = countingAudit(base);
    const deps = { ...base, audit, creators: createFakeCreators([creator]) };
    const acts = createPayoutActivities(deps);
    const key = 'payout-c-act-2027-02:initiate';
    const { destinationId } = await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key });
    const r = await acts.initiatePspPayout({
      idempotencyKey: key,
      creatorId: 'c-act',
      amount: usd(5_000),
      reference: 'payout-c-act-2027-02',
      destinationId,
    });

    expect(counts).toEqual({ get: 0, append: 1 });
    expect(base.audit.events).toEqual([
      expect.objectContaining({
        stream: `payout-destination:${destinationId}`,
        eventId: 'destination',
        type: 'payout.destination_fixed',
        data: { rail: 'psp', accountToken: 'acct_act', creditorName: 'Act' },
      }),
    ]);
    expect(deps.psp.transfers.get(r.transferId)?.destinationAccount).toBe('acct_act');
  });

  test('when a destination was fixed elsewhere and the directory now names another account, then the first one stays and is paid', async () => {
    const creators = createFakeCreators([creator]);
    const base = fakeDeps();
    const key = 'payout-c-act-2027-03:initiate';
    // Fixed by another worker (or before a reset): this worker has nothing remembered.
    const { destinationId } = await createPayoutActivities({ ...base, creators }).fixPayoutDestination({
      creatorId: 'c-act',
      rail: 'psp',
      idempotencyKey: key,
    });
    creators.creators.get('c-act')!.payoutMethod = { ...creator.payoutMethod, accountToken: 'acct_new' };
    const acts = createPayoutActivities({ ...base, creators });

    expect(await acts.fixPayoutDestination({ creatorId: 'c-act', rail: 'psp', idempotencyKey: key })).toEqual({
      destinationId,
    });
    const r = await acts.initiatePspPayout({
      idempotencyKey: key,
      creatorId: 'c-act',
      amount: usd(5_000),
      reference: 'payout-c-act-2027-03',
      destinationId,
    });

    expect(base.audit.events.filter((e) => e.type === 'payout.destination_fixed')).toHaveLength(1);
    expect(base.psp.transfers.get(r.transferId)?.destinationAccount).toBe('acct_act');
  });
});

describe('payout destination comparison (fake directory)', () => {
  const bankCreator = {
    ...creator,
    creatorId: 'c-iban',
    payoutMethod: { rail: 'bank' as const, currency: 'EUR' as const, country: 'DE', iban: 'DE89370400440532013000' },
  };
  test('when the method on file pays the fixed account (IBAN spaced or cased otherwise, another holder name), then it is the same; another IBAN, rail or none is changed; nothing fixed is unknown', async () => {
    const creators = createFakeCreators([bankCreator]);
    const acts = createPayoutActivities({ ...fakeDeps(), creators });
    const key = 'payout-c-iban-2026-11:initiate';
    await acts.fixPayoutDestination({ creatorId: 'c-iban', rail: 'bank', idempotencyKey: key });
    const c = creators.creators.get('c-iban')!;
    const compare = () => acts.comparePayoutDestination({ creatorId: 'c-iban', idempotencyKey: key });

    c.payoutMethod = { ...bankCreator.payoutMethod, iban: 'de89 3704 0044 0532 0130 00', accountHolderName: 'New' };
    expect(await compare()).toEqual({ destination: 'same' });
    c.payoutMethod = { ...bankCreator.payoutMethod, iban: 'DE02120300000000202051' };
    expect(await compare()).toEqual({ destination: 'changed' });
    c.payoutMethod = { rail: 'psp', currency: 'EUR', country: 'DE', accountToken: 'acct_x' };
    expect(await compare()).toEqual({ destination: 'changed' });
    delete c.payoutMethod;
    expect(await compare()).toEqual({ destination: 'changed' });
    expect(
      await acts.comparePayoutDestination({ creatorId: 'c-iban', idempotencyKey: 'payout-c-iban-2026-11:initiate-2' }),
    ).toEqual({ destination: 'unknown' });
  });

  test('when two payouts net the same receivable, then the second is told what is still owed and posts nothing; a payout the balance cannot cover is refused', async () => {
    const deps = { ...fakeDeps(), creators: createFakeCreators([creator]) };
    const acts = createPayoutActivities(deps);
    const fund = (id: string, legs: Array<[string, number]>) =>
      deps.ledger.post({
        postingId: id,
        currency: 'USD',
        description: 'test',
        effectiveDate: '2026-12-06',
        refs: { workflowId: 'test' },
        legs: legs.map(([account, amountMinor]) => ({ account, amountMinor })),
      });
    await fund('fund', [
      ['platform:cash', 10_000],
      [Accounts.creatorAvailable('c-act'), -10_000],
    ]);
    await fund('recon-recover:b1', [
      [Accounts.creatorReceivable('c-act'), 3_000],
      [Accounts.payoutsSettled, -3_000],
    ]);
    const net = (wf: string, amountMinor: number) =>
      acts.netCreatorReceivable({
        postingId: `${wf}:net_receivable`,
        creatorId: 'c-act',
        payoutId: wf,
        amount: usd(amountMinor),
        effectiveDate: '2026-12-06',
        refs: { workflowId: wf },
      });

    expect(await net('payout-a', 2_000)).toEqual({ postingId: 'payout-a:net_receivable', alreadyPosted: false });
    expect(await net('payout-b', 3_000)).toEqual({
      postingId: 'payout-b:net_receivable',
      alreadyPosted: false,
      owedMinor: 1_000,
    });
    expect(await net('payout-a', 2_000)).toMatchObject({ alreadyPosted: true });
    expect(await deps.ledger.balance(Accounts.creatorReceivable('c-act'), 'USD')).toBe(1_000);
    expect((await deps.audit.list('creator-receivables:c-act')).map((e) => [e.type, e.eventId])).toEqual([
      ['creator.receivable_netted', 'payout-a:net_receivable'],
    ]);
    await fund('drain', [
      [Accounts.creatorAvailable('c-act'), 8_000],
      ['platform:cash', -8_000],
    ]);
    await expect(net('payout-c', 1_000)).rejects.toMatchObject({ type: 'InsufficientFunds' });
    expect(await deps.ledger.balance(Accounts.creatorReceivable('c-act'), 'USD')).toBe(1_000);
  });
});
