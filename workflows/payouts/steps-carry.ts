import { patched, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { failure, FailureType } from '../shared/failures';
import { SA } from '../shared/search-attributes';
import type { Payout } from './state';
import { ledgerFromPostings, payoutPostingIds, type PayoutCarry } from './carry';
import { lookup, reviewBy, waitFor } from './steps';

/**
 * What a continued-as-new execution is handed is checked before it is trusted: only a real continue-as-new may carry
 * state, and the carried ledger position must be what the ledger's own postings say.
 */

/** Why a carry is refused at start: no earlier execution of this workflow handed it over. */
export const CARRY_NOT_FROM_CONTINUE_AS_NEW = 'carry_not_from_continue_as_new';
/** Why a continued payout waits on ops: its carried ledger position is not what the ledger's postings say. */
export const CARRY_LEDGER_MISMATCH = 'carry_ledger_mismatch';

/**
 * A carry is the second argument of a start only when the payout continued as new (the server then names the run it
 * continued from). Anyone who may start workflows could otherwise start `creatorPayout(input, carry)` by hand and skip
 * payability, the reservation and the rail ("awaiting confirmation" of a transfer that never existed, then settle).
 * Refused at once, before any activity, visibly (`LastErrorCode`), since `payout-carry-origin`.
 */
export function refuseForgedCarry(carry: PayoutCarry | undefined): void {
  if (!carry || workflowInfo().continuedFromExecutionRunId) return;
  if (!patched('payout-carry-origin')) return;
  upsertSearchAttributes([
    { key: SA.PayoutState, value: 'failed' },
    { key: SA.LastErrorCode, value: CARRY_NOT_FROM_CONTINUE_AS_NEW },
  ]);
  setCurrentDetails('**failed** · started with a carry that no earlier execution handed over');
  throw failure(
    FailureType.InvalidInput,
    'invalid creator payout start: a carry is accepted only from a continue-as-new of the same payout',
    { code: CARRY_NOT_FROM_CONTINUE_AS_NEW },
  );
}

/**
 * Before a continued payout's next money step (settle, release), the ledger's own postings of this payout are read:
 * when they put the money elsewhere than the carry says, nothing moves; the payout waits on ops
 * (`carry_ledger_mismatch`) and goes on only once they agree (ops correct the books and retry now), or ops resolve it
 * (resolving books from where the ledger says the money is). Since `payout-carry-ledger-check`.
 */
export async function checkCarriedLedger(p: Payout, carry: PayoutCarry): Promise<void> {
  if (!patched('payout-carry-ledger-check')) return;
  const ids = payoutPostingIds(p.workflowId, carry.attempt);
  for (;;) {
    const { posted } = await lookup.readPayoutPostings({ postingIds: ids });
    const says = ledgerFromPostings(p.workflowId, carry.attempt, posted);
    p.ledgerSays(says);
    if (says === carry.ledger) return;
    p.step(CARRY_LEDGER_MISMATCH, `carried ${carry.ledger}, the ledger says ${says}`);
    p.moveTo('awaiting_confirmation', {
      awaiting: {
        actor: 'ops',
        reason: `the carried ledger position (${carry.ledger}) is not what the ledger says (${says}); nothing moves until the books agree (retry now) or ops resolve`,
        ...reviewBy(p),
      },
      errorCode: CARRY_LEDGER_MISMATCH,
    });
    await waitFor(p, () => false, undefined, 'ops: carried ledger position does not match the ledger');
  }
}
