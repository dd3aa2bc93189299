import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  approveBreakAdjustment,
  getBreakState,
  linkBreak,
  listBreaks,
  markBreakReceived,
  postBreakAdjustment,
  rebookToCreator,
  recoverDuplicate,
  reopenBreak,
  voidBreak,
} from '../../client/breaks';
import { stuckQuery } from '../../client/stuck';
import { Accounts } from '../../activities/adapters/ledger/port';
import {
  adjustmentPostingId,
  breakAuditStream,
  breakCounterpartMatchedSignal,
  lateReturnWorkflowId,
  creatorReceivablesStream,
  rebookPostingId,
  recoveryPostingId,
  type ReconBreakWorkflow,
} from '../../workflows/recon-breaks/contract';
import type { MatchRecord } from '../../workflows/recon/contract';
import { ClientInputError } from '../../client/errors';
import { recordHistoryIfAsked } from '../support/histories';
import { failureOf, until } from '../support/wait';
import { as, breakBed, breakFacts, DAY, freshHex } from './recon-breaks-support';

/** The break workflow on the dev server: observations, proven counterparts, and the verified staff commands. */
describe('reconciliation break workflow (dev server)', () => {
  const bed = breakBed();
  const handles: WorkflowHandle[] = [];
  const open = async (...args: Parameters<typeof bed.open>) => {
    const h = await bed.open(...args);
    handles.push(h);
    return h;
  };
  afterAll(async () => {
    for (const h of handles) await h.terminate('test done').catch(() => undefined);
  });
  const postingsNamed = (id: string) => [...bed.deps.ledger.postings.keys()].filter((k) => k === id);

  test('when a day run opens the same break twice, then it is one workflow with one observation, listed as open work', async () => {
    const facts = breakFacts();
    const first = await open(facts, { resultsKey: 'recon/bank-main/2026-12-01/matches.ndjson' });
    const again = await open(facts, { resultsKey: 'recon/bank-main/2026-12-01/matches.ndjson' });
    expect(again.workflowId).toBe(first.workflowId);
    const { runId: r1 } = await first.describe();
    const { runId: r2 } = await again.describe();
    expect(r2).toBe(r1);

    const view = await getBreakState(bed.client, first.workflowId);
    expect(view.observations).toHaveLength(1);
    expect(view).toMatchObject({ status: 'open', awaiting: { actor: 'ops' }, amount: { amountMinor: 500 } });

    const row = await until(
      async () => (await listBreaks(bed.client, { open: true })).find((r) => r.workflowId === first.workflowId),
      15_000,
      'the break in the open list',
    );
    expect(row).toMatchObject({
      breakClass: 'unexpected_external',
      awaitingActor: 'ops',
      amountMinor: 500,
      currency: 'EUR',
    });
    expect(row.deadlineAt?.getTime()).toBe(facts.dueAtMs);
  });

  test('when a break is past its due time, then the sweeper counts it as overdue person work', async () => {
    const h = await open(breakFacts({ class: 'amount_under', amountMinor: -1_200, dueAtMs: Date.now() - DAY }));
    const query = `${stuckQuery('overdue_person', new Date())} AND WorkflowId = '${h.workflowId}'`;
    const listed = await until(
      async () => {
        for await (const wf of bed.client.workflow.list({ query })) return wf;
        return undefined;
      },
      15_000,
      'the overdue break in the overdue_person category',
    );
    expect(listed.workflowId).toBe(h.workflowId);
    expect((await getBreakState(bed.client, h.workflowId)).awaiting.actor).toBe('finance');
  });

  test('when a counterpart claim is not proven by the day results, then it is refused; when it is, then the break closes as matched', async () => {
    const facts = breakFacts({ class: 'missing_external', amountMinor: 2_000 });
    const h = await open(facts);
    const key = `recon/bank-main/2026-12-02/${freshHex()}.ndjson`;
    const proven: Partial<MatchRecord> = { matchId: freshHex(), closesBreakIds: [facts.breakId.toUpperCase()] };
    const other: Partial<MatchRecord> = { matchId: freshHex(), closesBreakIds: [freshHex()] };
    await bed.deps.reports.put(key, `${JSON.stringify(other)}\n${JSON.stringify(proven)}\n`);

    const claim = (matchId: string, resultsKey = key) =>
      h.signal(breakCounterpartMatchedSignal, { businessDate: '2026-12-02', matchId, resultsKey });
    await claim(other.matchId!);
    await claim(freshHex(), `recon/bank-main/2026-12-02/${freshHex()}.ndjson`);
    const refused = await bed.until(
      h,
      (v) => v.trail.filter((e) => e.type === 'counterpart_refused').length === 2,
      'two refused claims',
    );
    expect(refused.status).toBe('open');
    expect(refused.trail.map((e) => e.data['why'])).toEqual(['not_named', 'no_results']);

    await claim(proven.matchId!);
    const matched = await bed.until(h, (v) => v.status === 'resolved', 'the proven match resolves the break');
    expect(matched.resolution).toMatchObject({ kind: 'matched', by: 'system', matchId: proven.matchId });
    expect(matched.awaiting.actor).toBe('none');
    const audit = await bed.deps.audit.list(breakAuditStream(h.workflowId));
    expect(audit.map((e) => e.type)).toEqual(['counterpart_refused', 'counterpart_refused', 'counterpart_matched']);
    await recordHistoryIfAsked(h, 'recon-break-counterpart');
  });

  test('when a late return opened by the ingress is matched under the statement breakId, then the match proves it', async () => {
    const endToEndId = `E2E${freshHex().slice(0, 20)}`;
    const railFacts = breakFacts({ hint: 'late_return', amountMinor: 3_300, refs: { endToEndId } });
    const h = await open(railFacts, { source: 'rail_event' });
    const statementFacts = { ...railFacts, breakId: freshHex(), businessDate: '2026-12-03' };
    await bed.open(statementFacts, { source: 'statement' });
    await bed.until(h, (v) => v.observations.length === 2, 'the statement observation');

    const key = `recon/bank-main/2026-12-04/${freshHex()}.ndjson`;
    const match = { matchId: freshHex(), closesBreakIds: [statementFacts.breakId] };
    await bed.deps.reports.put(key, `${JSON.stringify(match)}\n`);
    await h.signal(breakCounterpartMatchedSignal, {
      businessDate: '2026-12-04',
      matchId: match.matchId,
      resultsKey: key,
    });
    const matched = await bed.until(h, (v) => v.status === 'resolved', 'the match under the statement breakId');
    expect(matched.resolution).toMatchObject({ kind: 'matched', matchId: match.matchId });
  });

  test('when ops link, reopen, mark received, reopen and void a break, then each is audited and a second resolution is refused', async () => {
    const h = await open(breakFacts());
    const id = h.workflowId;
    const linked = await linkBreak(bed.client, id, {
      workflowId: 'creator-payout-c1-2026-11',
      note: 'the payout of c1',
      sign: as('Ops.Cy'),
    });
    expect(linked).toMatchObject({
      accepted: true,
      value: { status: 'resolved', resolution: { kind: 'linked', by: 'ops.cy' } },
    });
    expect(await voidBreak(bed.client, id, { reason: 'twice', sign: as('ops.cy') })).toMatchObject({
      accepted: false,
      code: 'not_open',
    });
    expect(await reopenBreak(bed.client, id, { reason: 'wrong payout', sign: as('ops.cy') })).toMatchObject({
      accepted: true,
      value: { status: 'open', reopens: 1 },
    });
    expect(await reopenBreak(bed.client, id, { reason: 'again', sign: as('ops.cy') })).toMatchObject({
      accepted: false,
      code: 'not_resolved',
    });
    expect(
      await markBreakReceived(bed.client, id, {
        externalRef: 'BANK-REF-77',
        note: 'credited late',
        sign: as('fin.ann'),
      }),
    ).toMatchObject({ accepted: true, value: { resolution: { kind: 'received', externalRef: 'BANK-REF-77' } } });
    await reopenBreak(bed.client, id, { reason: 'not that one', sign: as('ops.cy') });
    const voided = await voidBreak(bed.client, id, { reason: 'bank error, reversed by the bank', sign: as('ops.cy') });
    expect(voided).toMatchObject({ accepted: true, value: { resolution: { kind: 'voided' }, reopens: 2 } });

    const audit = await bed.deps.audit.list(breakAuditStream(id));
    expect(audit.map((e) => e.type)).toEqual(['linked', 'reopened', 'received', 'reopened', 'voided']);
    expect(audit[0]?.data).toMatchObject({ by: 'ops.cy', workflowId: 'creator-payout-c1-2026-11' });
    await recordHistoryIfAsked(h, 'recon-break-commands');
  });

  test('when someone without the role resolves a break, then it is refused for who sent it', async () => {
    const h = await open(breakFacts());
    expect(await linkBreak(bed.client, h.workflowId, { lineId: 'L1', note: 'x', sign: as('cs.di') })).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'missing_role',
    });
    const adjust = { amountMinor: 500, currency: 'EUR', account: 'fees:bank', note: 'bank fee' };
    expect(await postBreakAdjustment(bed.client, h.workflowId, { ...adjust, sign: as('ops.cy') })).toMatchObject({
      accepted: false,
      code: 'missing_role',
    });
    expect((await getBreakState(bed.client, h.workflowId)).status).toBe('open');
  });

  test('when an adjustment is above the threshold, then it needs a second distinct finance member and posts exactly once', async () => {
    const facts = breakFacts({ class: 'amount_under', amountMinor: -25_000, hint: 'fee' });
    const h = await open(facts);
    const id = h.workflowId;
    const adjust = { amountMinor: 25_000, currency: 'EUR', account: 'fees:bank', note: 'correspondent fee' };
    expect(
      await postBreakAdjustment(bed.client, id, { ...adjust, currency: 'USD', sign: as('fin.ann') }),
    ).toMatchObject({
      accepted: false,
      code: 'currency_mismatch',
    });
    const proposed = await postBreakAdjustment(bed.client, id, { ...adjust, sign: as('fin.ann') });
    expect(proposed).toMatchObject({
      accepted: true,
      value: { status: 'open', proposal: { kind: 'adjust', proposedBy: 'fin.ann' }, awaiting: { actor: 'finance' } },
    });
    expect(postingsNamed(adjustmentPostingId(facts.breakId))).toHaveLength(0);
    expect(await approveBreakAdjustment(bed.client, id, { sign: as('FIN.ANN') })).toMatchObject({
      accepted: false,
      code: 'own_proposal',
    });
    expect(await approveBreakAdjustment(bed.client, id, { sign: as('ops.cy') })).toMatchObject({
      accepted: false,
      code: 'missing_role',
    });
    expect(await postBreakAdjustment(bed.client, id, { ...adjust, sign: as('fin.bo') })).toMatchObject({
      accepted: false,
      code: 'proposal_pending',
    });
    const approved = await approveBreakAdjustment(bed.client, id, { note: 'fee schedule checked', sign: as('fin.bo') });
    expect(approved).toMatchObject({
      accepted: true,
      value: { status: 'resolved', resolution: { kind: 'adjusted', by: 'fin.ann', approvedBy: 'fin.bo' } },
    });
    expect(await approveBreakAdjustment(bed.client, id, { sign: as('fin.bo') })).toMatchObject({
      accepted: false,
      code: 'not_open',
    });
    expect(postingsNamed(adjustmentPostingId(facts.breakId))).toHaveLength(1);
    expect(bed.deps.ledger.postings.get(adjustmentPostingId(facts.breakId))).toMatchObject({
      currency: 'EUR',
      legs: [
        { account: 'fees:bank', amountMinor: 25_000 },
        { account: Accounts.payoutsSettled, amountMinor: -25_000 },
      ],
      refs: { workflowId: id },
    });
  });

  test('when a reopened break is adjusted again, then the same money is not posted twice and other money is refused', async () => {
    const facts = breakFacts({ class: 'amount_under', amountMinor: -800, hint: 'fee' });
    const h = await open(facts);
    const adjust = { amountMinor: 800, currency: 'EUR', account: 'fees:bank', note: 'fee' };
    expect(await postBreakAdjustment(bed.client, h.workflowId, { ...adjust, sign: as('fin.ann') })).toMatchObject({
      accepted: true,
      value: { resolution: { kind: 'adjusted', postingId: adjustmentPostingId(facts.breakId) } },
    });
    await reopenBreak(bed.client, h.workflowId, { reason: 'wrong account?', sign: as('ops.cy') });
    expect(
      await postBreakAdjustment(bed.client, h.workflowId, { ...adjust, amountMinor: 900, sign: as('fin.ann') }),
    ).toMatchObject({ accepted: false, code: 'posting_conflict' });
    expect((await getBreakState(bed.client, h.workflowId)).status).toBe('open');
    expect(await postBreakAdjustment(bed.client, h.workflowId, { ...adjust, sign: as('fin.bo') })).toMatchObject({
      accepted: true,
    });
    expect(bed.deps.ledger.postings.get(adjustmentPostingId(facts.breakId))?.legs[0]).toEqual({
      account: 'fees:bank',
      amountMinor: 800,
    });
    expect(await bed.deps.ledger.balance('fees:bank', 'EUR')).toBeGreaterThanOrEqual(800);
  });

  test('when a late return is rebooked, then it is refused until the bank lists it and then posts once to the creator', async () => {
    const payoutWf = `creator-payout-c-${freshHex().slice(0, 8)}-2026-11`;
    const endToEndId = `E2E${freshHex().slice(0, 20)}`;
    const creatorId = `c-${freshHex().slice(0, 8)}`;
    await bed.paidPayout(payoutWf, creatorId, endToEndId, 7_500);
    const facts = breakFacts({
      class: 'unexpected_external',
      hint: 'late_return',
      amountMinor: 7_500,
      refs: { workflowId: payoutWf, endToEndId, returnReason: 'AC04' },
    });
    const h = await open(facts, { source: 'rail_event' });
    expect(h.workflowId).toBe(lateReturnWorkflowId(endToEndId, 7_500, 'EUR'));
    // The day run sees the same return on the statement (its own breakId): the same workflow, a second observation.
    const onStatement = await bed.open({ ...facts, breakId: freshHex() }, { source: 'statement' });
    expect(onStatement.workflowId).toBe(h.workflowId);
    expect((await getBreakState(bed.client, h.workflowId)).observations.map((o) => o.source)).toEqual([
      'rail_event',
      'statement',
    ]);
    expect((await getBreakState(bed.client, h.workflowId)).awaiting.actor).toBe('finance');

    // The bank does not know the transfer (nor, then, any return of it): nothing is booked.
    expect(
      await rebookToCreator(bed.client, h.workflowId, { note: 'return after close', sign: as('fin.ann') }),
    ).toMatchObject({
      accepted: false,
      code: 'return_not_at_rail',
    });
    const amount = { amountMinor: 7_500, currency: 'EUR' as const };
    const transfer = {
      messageId: `M${endToEndId}`,
      endToEndId,
      amount,
      creditorName: 'C',
      accountRef: 'X',
      remittance: 'r',
    };
    await bed.deps.bank.initiateCreditTransfer(transfer);
    bed.deps.bank.returnTransfer(endToEndId, 'AC04', 7_000); // a return of another amount is not this one
    expect(
      await rebookToCreator(bed.client, h.workflowId, { note: 'return after close', sign: as('fin.ann') }),
    ).toMatchObject({
      accepted: false,
      code: 'return_not_at_rail',
    });
    expect(postingsNamed(rebookPostingId(facts.breakId))).toHaveLength(0);

    bed.deps.bank.transfers.get(endToEndId)!.returns = [{ amountMinor: 7_500, reasonCode: 'AC04' }];
    const before = await bed.deps.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR');
    const rebooked = await rebookToCreator(bed.client, h.workflowId, {
      note: 'return after close',
      sign: as('fin.ann'),
    });
    expect(rebooked).toMatchObject({ accepted: true, value: { status: 'resolved', resolution: { kind: 'rebooked' } } });
    expect(postingsNamed(rebookPostingId(facts.breakId))).toHaveLength(1);
    expect(bed.deps.ledger.postings.get(rebookPostingId(facts.breakId))).toMatchObject({
      legs: [
        { account: Accounts.payoutsSettled, amountMinor: 7_500 },
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -7_500 },
      ],
      refs: { workflowId: payoutWf, rail: 'bank', endToEndId },
    });
    expect(await bed.deps.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR')).toBe(before - 7_500);

    // Reopened and rebooked again: the same posting ID, so the creator is not paid twice.
    await reopenBreak(bed.client, h.workflowId, { reason: 'check again', sign: as('ops.cy') });
    expect(await rebookToCreator(bed.client, h.workflowId, { note: 'again', sign: as('fin.bo') })).toMatchObject({
      accepted: true,
    });
    expect(await bed.deps.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR')).toBe(before - 7_500);
    const audit = (await bed.deps.audit.list(breakAuditStream(h.workflowId))).map((e) => e.type);
    expect(audit.filter((t) => t === 'command_refused')).toHaveLength(2);
    expect(audit.filter((t) => t === 'rebooked')).toHaveLength(2);
    await recordHistoryIfAsked(h, 'recon-break-rebook');
  });

  test('when a late return above the threshold is rebooked, then it is a proposal a second finance member approves, booked once', async () => {
    const payoutWf = `creator-payout-c-${freshHex().slice(0, 8)}-2026-11`;
    const endToEndId = `E2E${freshHex().slice(0, 20)}`;
    const creatorId = `c-${freshHex().slice(0, 8)}`;
    await bed.paidPayout(payoutWf, creatorId, endToEndId, 15_000);
    const amount = { amountMinor: 15_000, currency: 'EUR' as const };
    await bed.deps.bank.initiateCreditTransfer({
      messageId: `M${endToEndId}`,
      endToEndId,
      amount,
      creditorName: 'C',
      accountRef: 'X',
      remittance: 'r',
    });
    bed.deps.bank.returnTransfer(endToEndId, 'AC04');
    const facts = breakFacts({ hint: 'late_return', amountMinor: 15_000, refs: { workflowId: payoutWf, endToEndId } });
    const h = await open(facts, { source: 'rail_event' });

    const proposed = await rebookToCreator(bed.client, h.workflowId, { note: 'late AC04', sign: as('fin.ann') });
    expect(proposed).toMatchObject({ accepted: true, value: { status: 'open', proposal: { kind: 'rebook' } } });
    expect(postingsNamed(rebookPostingId(facts.breakId))).toHaveLength(0);
    expect(await approveBreakAdjustment(bed.client, h.workflowId, { sign: as('fin.ann') })).toMatchObject({
      accepted: false,
      code: 'own_proposal',
    });
    const approved = await approveBreakAdjustment(bed.client, h.workflowId, { sign: as('fin.bo') });
    expect(approved).toMatchObject({
      accepted: true,
      value: { resolution: { kind: 'rebooked', by: 'fin.ann', approvedBy: 'fin.bo' } },
    });
    expect(postingsNamed(rebookPostingId(facts.breakId))).toHaveLength(1);
    expect(await bed.deps.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR')).toBe(-15_000);
  });

  /** A duplicate transfer at the (fake) PSP, as a late success at A after B paid leaves it, and its break. */
  async function duplicateAt(accountId: string, amountMinor: number) {
    const payout = `payout-dup-${freshHex().slice(0, 12)}`;
    const { transferId } = await bed.deps.psp.createTransfer({
      idempotencyKey: `${payout}:initiate:late`,
      amount: { amountMinor, currency: 'EUR' },
      destinationAccount: 'acct_creator_dup',
      reference: payout,
    });
    const facts = breakFacts({
      class: 'duplicate_disbursement',
      accountId,
      amountMinor: -amountMinor,
      reason: `payout ${payout} was paid already; this transfer paid it again`,
      refs: { workflowId: payout, railRef: transferId },
    });
    return { payout, transferId, facts, h: await open(facts) };
  }
  const reversalsOf = (transferId: string) =>
    bed.deps.psp.calls.filter(
      (c) => c.method === 'reverseTransfer' && (c.input as { transferId: string }).transferId === transferId,
    );

  test('when ops recover a duplicate at Stripe by reversal, then the reversal is confirmed at the PSP, posted once, and a second command is refused', async () => {
    const { transferId, facts, h } = await duplicateAt('psp-platform', 700);

    const recovered = await recoverDuplicate(bed.client, h.workflowId, {
      mode: 'reverse',
      note: 'late success at Stripe after Adyen paid',
      sign: as('ops.cy'),
    });

    expect(recovered).toMatchObject({
      accepted: true,
      value: {
        status: 'resolved',
        resolution: {
          kind: 'recovered',
          by: 'ops.cy',
          postingId: recoveryPostingId(facts.breakId),
          recovery: { mode: 'reverse', provider: 'stripe', reversalId: expect.stringMatching(/^trr_/) },
        },
      },
    });
    expect(await bed.deps.psp.getTransfer(transferId)).toMatchObject({ status: 'reversed', amountReversedMinor: 700 });
    expect(reversalsOf(transferId)).toEqual([
      expect.objectContaining({ idempotencyKey: recoveryPostingId(facts.breakId) }),
    ]);
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(1);
    expect(bed.deps.ledger.postings.get(recoveryPostingId(facts.breakId))).toMatchObject({
      currency: 'EUR',
      legs: [
        { account: Accounts.duplicatesReversed, amountMinor: 700 },
        { account: Accounts.duplicatesPaid, amountMinor: -700 },
      ],
      refs: { workflowId: facts.refs.workflowId, rail: 'psp', railRef: transferId },
    });
    const trail = (await bed.deps.audit.list(breakAuditStream(h.workflowId))).map((e) => e.type);
    expect(trail).toEqual(['recovery_requested', 'duplicate_reversed', 'recovered']);

    expect(
      await recoverDuplicate(bed.client, h.workflowId, { mode: 'offset', note: 'again', sign: as('ops.cy') }),
    ).toMatchObject({ accepted: false, code: 'not_open' });
    expect(reversalsOf(transferId)).toHaveLength(1);
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(1);
    await recordHistoryIfAsked(h, 'recon-break-recover-reverse');
  });

  test('when the duplicate was paid at Adyen, then a reversal is refused reversal_unsupported naming Adyen and nothing moves; an offset posts the receivable once for the next payout', async () => {
    const creatorId = `cr-${freshHex().slice(0, 10)}`;
    const { payout, transferId, facts, h } = await duplicateAt('psp-adyen', 900);
    await bed.paidPayout(payout, creatorId, `E2E-${freshHex().slice(0, 10)}`, 900);

    const reverse = await recoverDuplicate(bed.client, h.workflowId, {
      mode: 'reverse',
      note: 'take it back',
      sign: as('ops.cy'),
    });
    expect(reverse).toMatchObject({ accepted: false, code: 'reversal_unsupported' });
    expect((reverse as { message: string }).message).toContain('adyen has no transfer reversal');
    expect(reversalsOf(transferId)).toEqual([]);
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(0);
    expect((await getBreakState(bed.client, h.workflowId)).status).toBe('open');

    const offset = await recoverDuplicate(bed.client, h.workflowId, {
      mode: 'offset',
      note: 'net it on the next payout',
      sign: as('fin.ann'),
    });

    expect(offset).toMatchObject({
      accepted: true,
      value: {
        status: 'resolved',
        resolution: { kind: 'recovered', recovery: { mode: 'offset', provider: 'adyen', creatorId } },
      },
    });
    expect(bed.deps.ledger.postings.get(recoveryPostingId(facts.breakId))).toMatchObject({
      legs: [
        { account: Accounts.creatorReceivable(creatorId), amountMinor: 900 },
        { account: Accounts.payoutsSettled, amountMinor: -900 },
      ],
      refs: { workflowId: payout, rail: 'psp-adyen', railRef: transferId },
    });
    expect(await bed.deps.ledger.balance(Accounts.creatorReceivable(creatorId), 'EUR')).toBe(900);
    expect(await bed.deps.audit.list(creatorReceivablesStream(creatorId))).toEqual([
      expect.objectContaining({
        eventId: recoveryPostingId(facts.breakId),
        type: 'creator.receivable_opened',
        data: expect.objectContaining({ amountMinor: 900, currency: 'EUR', payoutWorkflowId: payout }),
      }),
    ]);

    // Reopened and recovered again: the receivable is not posted a second time.
    await reopenBreak(bed.client, h.workflowId, { reason: 'check', sign: as('ops.cy') });
    expect(
      await recoverDuplicate(bed.client, h.workflowId, { mode: 'offset', note: 'again', sign: as('ops.cy') }),
    ).toMatchObject({ accepted: true, value: { resolution: { kind: 'recovered' } } });
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(1);
    expect(await bed.deps.ledger.balance(Accounts.creatorReceivable(creatorId), 'EUR')).toBe(900);
    expect(await bed.deps.audit.list(creatorReceivablesStream(creatorId))).toHaveLength(1);
    await recordHistoryIfAsked(h, 'recon-break-recover-offset');
  });

  test('when a duplicate recovered by offset is reopened and reversed, then nothing is asked of the PSP and the receivable stands', async () => {
    const creatorId = `cr-${freshHex().slice(0, 10)}`;
    const { payout, transferId, facts, h } = await duplicateAt('psp-platform', 650);
    await bed.paidPayout(payout, creatorId, `E2E-${freshHex().slice(0, 10)}`, 650);
    expect(
      await recoverDuplicate(bed.client, h.workflowId, { mode: 'offset', note: 'net it', sign: as('ops.cy') }),
    ).toMatchObject({ accepted: true });
    await reopenBreak(bed.client, h.workflowId, { reason: 'reverse instead?', sign: as('ops.cy') });

    expect(
      await recoverDuplicate(bed.client, h.workflowId, { mode: 'reverse', note: 'take it back', sign: as('ops.cy') }),
    ).toMatchObject({ accepted: false, code: 'already_recovered' });
    expect(reversalsOf(transferId)).toEqual([]);
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(1);
    expect(await bed.deps.ledger.balance(Accounts.creatorReceivable(creatorId), 'EUR')).toBe(650);
  });

  test('when a recovery is above the threshold, then it is a proposal a second finance member approves, reversed once', async () => {
    const { transferId, facts, h } = await duplicateAt('psp-platform', 25_000);
    const proposed = await recoverDuplicate(bed.client, h.workflowId, {
      mode: 'reverse',
      note: 'large duplicate',
      sign: as('ops.cy'),
    });
    expect(proposed).toMatchObject({
      accepted: true,
      value: { status: 'open', proposal: { kind: 'recover', mode: 'reverse', proposedBy: 'ops.cy' } },
    });
    expect(reversalsOf(transferId)).toEqual([]);
    expect(await approveBreakAdjustment(bed.client, h.workflowId, { sign: as('ops.cy') })).toMatchObject({
      accepted: false,
      code: 'missing_role',
    });
    const approved = await approveBreakAdjustment(bed.client, h.workflowId, { sign: as('fin.bo') });
    expect(approved).toMatchObject({
      accepted: true,
      value: { resolution: { kind: 'recovered', by: 'ops.cy', approvedBy: 'fin.bo', recovery: { mode: 'reverse' } } },
    });
    expect(reversalsOf(transferId)).toHaveLength(1);
    expect(postingsNamed(recoveryPostingId(facts.breakId))).toHaveLength(1);
  });

  test('when someone without the role, a break that is no duplicate, or a malformed recovery is sent, then each is refused naming why', async () => {
    const { h } = await duplicateAt('psp-platform', 300);
    expect(
      await recoverDuplicate(bed.client, h.workflowId, { mode: 'offset', note: 'x', sign: as('cs.di') }),
    ).toMatchObject({ accepted: false, type: 'Unauthorized', code: 'missing_role' });
    const other = await open(breakFacts());
    expect(
      await recoverDuplicate(bed.client, other.workflowId, { mode: 'offset', note: 'x', sign: as('ops.cy') }),
    ).toMatchObject({ accepted: false, code: 'not_duplicate' });
    const bad = await recoverDuplicate(bed.client, h.workflowId, {
      mode: 'refund' as 'offset',
      note: ' ',
      sign: as('ops.cy'),
    }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ClientInputError);
    expect((bad as ClientInputError).issues).toEqual([
      { path: 'mode', message: 'mode must be one of reverse, offset' },
      { path: 'note', message: 'note must not be empty' },
    ]);
    expect((await getBreakState(bed.client, h.workflowId)).status).toBe('open');
  });

  test('when a break is resolved and its reopen window passes, then the workflow closes with its resolution', async () => {
    const facts = breakFacts({ class: 'amount_over', amountMinor: 12_000 });
    const h = (await open(facts, { policy: { reopenWindowMs: 3_000 } })) as WorkflowHandle<ReconBreakWorkflow>;
    await bed.open(facts); // the re-run of the day: nothing changes
    const adjust = { amountMinor: 12_000, currency: 'EUR', account: 'recon:unexplained', note: 'bank credited twice' };
    await postBreakAdjustment(bed.client, h.workflowId, { ...adjust, sign: as('fin.ann') });
    await approveBreakAdjustment(bed.client, h.workflowId, { sign: as('fin.bo') });
    const result = await h.result();
    expect(result).toMatchObject({
      breakId: facts.breakId,
      reopens: 0,
      resolution: { kind: 'adjusted', approvedBy: 'fin.bo' },
    });
    expect(bed.deps.ledger.postings.get(adjustmentPostingId(facts.breakId))?.legs).toEqual([
      { account: Accounts.payoutsSettled, amountMinor: 12_000 },
      { account: 'recon:unexplained', amountMinor: -12_000 },
    ]);
    await recordHistoryIfAsked(h, 'recon-break');

    // A re-run of the day after the break closed: the day run starts with ALLOW_DUPLICATE_FAILED_ONLY, so a closed
    // (completed) break is not opened again; the start is rejected and the day run counts it as already resolved.
    const rerun = await failureOf(
      bed.open(facts, { workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY }),
    );
    expect(rerun).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });
});
