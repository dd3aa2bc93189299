import { createIso20022Bank } from '../../activities/adapters/bank/iso20022-bank';
import { Accounts } from '../../activities/adapters/ledger/port';
import { isoIdsFor, payoutPosting } from '../../activities/payouts';
import { createReconBreakActivities } from '../../activities/recon-breaks';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { loadConfig } from '../../workers/config';
import { rebookPostingId } from '../../workflows/recon-breaks/contract';
import { fakeDeps } from '../support/time-skipping';
import { until } from '../support/wait';

const hex = (c: string) => c.repeat(64);

/** The break's activities: the counterpart check on the day's NDJSON, the rail check at the bank sandbox, the rebook. */
describe('reconciliation break activities', () => {
  let bank: BankSandbox;
  let deps: ReturnType<typeof fakeDeps>;
  let acts: ReturnType<typeof createReconBreakActivities>;
  beforeAll(async () => {
    bank = await startBankSandbox({ port: 0, hmacSecret: 'bank_test' });
  });
  afterAll(() => bank?.stop());
  beforeEach(() => {
    deps = fakeDeps();
    const config = loadConfig({});
    const iso = createIso20022Bank({
      apiBase: bank.url,
      debtor: { name: config.BANK_DEBTOR_NAME, iban: config.BANK_DEBTOR_IBAN, bic: config.BANK_DEBTOR_BIC },
    });
    acts = createReconBreakActivities({ ...deps, bank: iso });
  });

  test('when a claim names a match, then only a match in the day results that lists the break (case-folded) proves it', async () => {
    const key = 'recon/bank-main/2026-12-02/matches.ndjson';
    const lines = [
      { matchId: hex('a'), closesBreakIds: [hex('b')] },
      { matchId: hex('c'), closesBreakIds: [hex('D')] },
    ];
    await deps.reports.put(key, `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`);
    const verify = (matchId: string, breakId: string, resultsKey = key) =>
      acts.verifyBreakCounterpart({ resultsKey, matchId, breakIds: [hex('0'), breakId] });
    expect(await verify(hex('C'), hex('d'))).toEqual({ proven: true, why: 'proven' });
    expect(await verify(hex('a'), hex('d'))).toEqual({ proven: false, why: 'not_named' });
    expect(await verify(hex('e'), hex('d'))).toEqual({ proven: false, why: 'no_match' });
    expect(await verify(hex('c'), hex('d'), 'recon/none.ndjson')).toEqual({ proven: false, why: 'no_results' });
  });

  test('when the bank is asked for a return, then only one of exactly that amount and currency is listed', async () => {
    const ids = isoIdsFor(`payout-rail-check-${Date.now()}:initiate`);
    const check = (amountMinor: number, currency: 'EUR' | 'USD' = 'EUR') =>
      acts.confirmReturnAtRail({ endToEndId: ids.endToEndId, amountMinor, currency });
    expect(await check(4_000)).toEqual({ listed: false, unknownTransfer: true });

    const bankIso = createIso20022Bank({ apiBase: bank.url, debtor: loadDebtor() });
    await bankIso.initiateCreditTransfer({
      ...ids,
      amount: { amountMinor: 4_000, currency: 'EUR' },
      creditorName: 'Creator',
      accountRef: 'GB33BUKB20201555555555',
      remittance: 'payout',
    });
    expect(await check(4_000)).toEqual({ listed: false, unknownTransfer: false });
    // Only a settled transfer can come back (the sandbox settles after its settle delay).
    await until(async () => ((await bankIso.getStatus(ids.endToEndId)).status === 'settled' ? true : undefined), 5_000);
    await admin(`${bank.url}/__admin/returns`, { endToEndId: ids.endToEndId, code: 'AC04', amountMinor: 1_500 });
    expect(await check(4_000)).toEqual({ listed: false, unknownTransfer: false });
    expect(await check(1_500)).toEqual({ listed: true, unknownTransfer: false });
    expect(await check(1_500, 'USD')).toEqual({ listed: false, unknownTransfer: false });
  });

  test('when a late return is rebooked, then the creator comes from the payout postings and it posts once; a reversed payout is refused', async () => {
    const payout = 'creator-payout-c-77-2026-11';
    const e2e = 'E2EREBOOK0001';
    const input = {
      breakWorkflowId: 'recon-return-1',
      breakId: hex('f'),
      payoutWorkflowId: payout,
      endToEndId: e2e.toLowerCase(),
      amountMinor: 3_000,
      currency: 'EUR' as const,
      effectiveDate: '2026-12-03',
    };
    expect(await acts.rebookLateReturn(input)).toEqual({ outcome: 'payout_unknown' });

    const amount = { amountMinor: 3_000, currency: 'EUR' as const };
    const base = { creatorId: 'c-77', amount, payoutId: payout, effectiveDate: '2026-11-20' };
    await deps.ledger.post({
      postingId: 'seed',
      currency: 'EUR',
      description: 'earnings',
      legs: [
        { account: Accounts.platformCash, amountMinor: 3_000 },
        { account: Accounts.creatorAvailable('c-77'), amountMinor: -3_000 },
      ],
      effectiveDate: '2026-11-01',
      refs: { workflowId: payout },
    });
    await deps.ledger.post(
      payoutPosting('reserve', { ...base, postingId: `${payout}:reserve`, refs: { workflowId: payout } }),
    );
    const settleRefs = { workflowId: payout, rail: 'bank' as const, endToEndId: e2e };
    await deps.ledger.post(payoutPosting('settle', { ...base, postingId: `${payout}:settle`, refs: settleRefs }));

    expect(await acts.rebookLateReturn(input)).toEqual({
      outcome: 'posted',
      postingId: rebookPostingId(hex('f')),
      creatorId: 'c-77',
      alreadyPosted: false,
    });
    expect(await acts.rebookLateReturn(input)).toMatchObject({ outcome: 'posted', alreadyPosted: true });
    expect(await deps.ledger.balance(Accounts.creatorAvailable('c-77'), 'EUR')).toBe(-3_000);

    // Another payout whose own workflow already booked the return back: booking it again would pay twice.
    const other = 'creator-payout-c-78-2026-11';
    const otherBase = { ...base, creatorId: 'c-78', payoutId: other };
    const refs = { workflowId: other, rail: 'bank' as const, endToEndId: 'E2EREBOOK0002' };
    await deps.ledger.post({
      postingId: 'seed-78',
      currency: 'EUR',
      description: 'earnings',
      legs: [
        { account: Accounts.platformCash, amountMinor: 3_000 },
        { account: Accounts.creatorAvailable('c-78'), amountMinor: -3_000 },
      ],
      effectiveDate: '2026-11-01',
      refs: { workflowId: other },
    });
    await deps.ledger.post(
      payoutPosting('reserve', { ...otherBase, postingId: `${other}:reserve`, refs: { workflowId: other } }),
    );
    await deps.ledger.post(payoutPosting('settle', { ...otherBase, postingId: `${other}:settle`, refs }));
    await deps.ledger.post(payoutPosting('reverse', { ...otherBase, postingId: `${other}:reverse`, refs }));
    const again = { ...input, breakId: hex('9'), payoutWorkflowId: other, endToEndId: 'E2EREBOOK0002' };
    expect(await acts.rebookLateReturn(again)).toEqual({ outcome: 'already_reversed' });
    expect(deps.ledger.postings.has(rebookPostingId(hex('9')))).toBe(false);
  });
});

function loadDebtor() {
  const config = loadConfig({});
  return { name: config.BANK_DEBTOR_NAME, iban: config.BANK_DEBTOR_IBAN, bic: config.BANK_DEBTOR_BIC };
}

async function admin(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
}
