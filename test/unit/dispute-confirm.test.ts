import type { DisputeFacts, PspDisputeEvent } from '../../workflows/disputes/contract';
import { confirmByPsp } from '../../workflows/disputes/policy';
import { LedgerMoves } from '../../workflows/disputes/books';

/** Whether a dispute webhook is confirmed at the PSP, and how the case's ledger postings are named. */

const readAt = Date.parse('2030-03-02T00:00:00Z');
const event = (over: Partial<PspDisputeEvent> = {}): PspDisputeEvent => ({
  eventId: 'evt_1',
  type: 'charge.dispute.closed',
  createdAt: '2030-03-01T00:00:00.000Z',
  disputeId: 'dp_1',
  status: 'won',
  dueBy: '2030-03-31T00:00:00.000Z',
  amount: { amountMinor: 1000, currency: 'USD' },
  reason: 'fraudulent',
  orderId: 'ord-1',
  submissionCount: 1,
  ...over,
});
const facts = (over: Partial<DisputeFacts> = {}): { facts: DisputeFacts } => ({
  facts: {
    disputeId: 'dp_1',
    status: 'won',
    dueBy: '2030-03-31T00:00:00.000Z',
    submissionCount: 1,
    amount: { amountMinor: 1000, currency: 'USD' },
    reason: 'fraudulent',
    ...over,
  },
});
const open = { terminal: false, baselineSubmissionCount: 0, readAt };

describe('dispute events confirmed at the PSP', () => {
  test('when the PSP holds the outcome an event claims, then the case applies the PSP facts, not the event amounts', () => {
    const c = confirmByPsp(event({ amount: { amountMinor: 9_999_999, currency: 'USD' } }), facts(), open);
    expect(c).toEqual({ type: 'confirmed', event: event() });
  });

  test('when a forged won or lost event meets a dispute still under review, then it is not confirmed', () => {
    for (const status of ['won', 'lost', 'warning_closed', 'prevented'] as const)
      expect(confirmByPsp(event({ status }), facts({ status: 'under_review' }), open)).toEqual({
        type: 'unconfirmed',
        claimed: status,
        pspStatus: 'under_review',
      });
  });

  test('when the PSP holds another outcome than the event claims, then the case uses the PSP outcome', () => {
    const c = confirmByPsp(event({ status: 'won' }), facts({ status: 'lost' }), open);
    expect(c).toMatchObject({ type: 'confirmed', event: { status: 'lost' } });
  });

  test('when the PSP does not know the dispute or cannot be asked, then nothing is confirmed', () => {
    expect(confirmByPsp(event(), { code: 'ProviderPermanent' }, open)).toEqual({
      type: 'unconfirmed',
      claimed: 'won',
      code: 'ProviderPermanent',
    });
    expect(confirmByPsp(event(), facts({ disputeId: 'dp_other' }), open)).toMatchObject({ type: 'unconfirmed' });
  });

  test('when an event claims a reopen, then the PSP must hold the dispute open again (and, on a case never closed, a submission it has seen)', () => {
    const reopen = event({ status: 'needs_response', previousStatus: 'won', type: 'charge.dispute.updated' });
    const closed = { ...open, terminal: true };
    expect(confirmByPsp(reopen, facts({ status: 'won' }), closed)).toMatchObject({ type: 'unconfirmed' });
    expect(confirmByPsp(reopen, facts({ status: 'needs_response' }), closed)).toMatchObject({ type: 'confirmed' });
    // An open case whose round saw no submission at the PSP was never decided: the "reopen" is made up.
    expect(confirmByPsp(reopen, facts({ status: 'needs_response', submissionCount: 0 }), open)).toMatchObject({
      type: 'unconfirmed',
      pspStatus: 'needs_response',
    });
    expect(confirmByPsp(reopen, facts({ status: 'needs_response', submissionCount: 1 }), open)).toMatchObject({
      type: 'confirmed',
    });
  });

  test('when an event says it was created after the PSP was read, then the case orders it at the read time', () => {
    const future = event({ createdAt: '2099-01-01T00:00:00.000Z' });
    const c = confirmByPsp(future, facts(), open);
    expect(c).toMatchObject({ type: 'confirmed', event: { createdAt: new Date(readAt).toISOString() } });
  });
});

describe('dispute ledger posting names', () => {
  const amount = { amountMinor: 1000, currency: 'USD' as const };
  const run = (byState: boolean, path: Array<[number, 'held' | 'released' | 'written_off']>) => {
    const moves = new LedgerMoves();
    let at: 'none' | 'held' | 'released' | 'written_off' = 'none';
    return path.map(([round, to]) => {
      const m = moves.plan(at, to, amount, { round, byState: () => byState });
      moves.started();
      moves.landed();
      at = to;
      return m?.step;
    });
  };

  test('when a case books by state, then each movement is named by round and position, whichever run books it', () => {
    const first = run(true, [
      [1, 'held'],
      [1, 'released'],
      [2, 'held'],
      [2, 'written_off'],
    ]);
    expect(first).toEqual(['r1:held', 'r1:released', 'r2:held', 'r2:written_off']);
    // A second run of the same case (a late event started it) names the loss as the first did: booked once.
    expect(run(true, [[1, 'written_off']])).toEqual(['r1:written_off']);
    expect(
      run(true, [
        [1, 'held'],
        [1, 'written_off'],
      ]),
    ).toEqual(['r1:held', 'r1:written_off']);
  });

  test('when a round comes back to a position, then the repeat gets its own name', () => {
    expect(
      run(true, [
        [1, 'held'],
        [1, 'released'],
        [1, 'written_off'],
        [1, 'released'],
      ]),
    ).toEqual(['r1:held', 'r1:released', 'r1:written_off', 'r1:released:2']);
  });

  test('when a history was recorded before the patch, then its postings keep their per-run numbers', () => {
    expect(
      run(false, [
        [1, 'held'],
        [1, 'released'],
      ]),
    ).toEqual(['ledger-1-held', 'ledger-2-released']);
  });
});
