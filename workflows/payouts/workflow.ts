import {
  allHandlersFinished,
  condition,
  ContinueAsNew,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { SA } from '../shared/search-attributes';
import {
  creatorPayoutInput,
  type CreatorPayoutInput,
  type CreatorPayoutResult,
  type CreatorPayoutWorkflow,
} from './contract';
import type { PayoutCarry } from './carry';
import { registerHandlers } from './handlers';
import { recordServiceLevel } from './service-level';
import { Payout } from './state';
import {
  announce,
  checkCarriedLedger,
  closeWithFailure,
  netReceivable,
  pay,
  refuseForgedCarry,
  reserve,
  resolveByHand,
  resumeConfirmation,
  reverse,
  settle,
  Stopped,
  untilNewDetails,
  untilPayable,
  untilReleased,
  watchReturnWindow,
  type Confirmed,
} from './steps';

/**
 * One creator payout, workflow ID = `payout-<payoutId>`: check payability (parking visibly when a check fails),
 * reserve funds, lock FX, pay on the creator's rail, await confirmation, settle, then stay open through the rail's
 * return window; a return reverses the ledger and, for account problems, waits for new details and pays again.
 * Ops may hold, release, cancel (before a rail has the money), wake or resolve it by hand at any point. A long wait
 * for confirmation continues as new with `carry` (see `awaitConfirmation` in `steps.ts`).
 */
export async function creatorPayout(rawInput: unknown, carry?: PayoutCarry): Promise<CreatorPayoutResult> {
  const input = parseInputOrFail(rawInput);
  refuseForgedCarry(carry);
  const payout = new Payout(input);
  if (carry) payout.resume(carry);
  registerHandlers(payout);
  let continued = false;
  try {
    for (let resumed = carry; ; resumed = undefined) {
      const confirmed = resumed ? await resumeChecked(payout, resumed) : await reserveAndPay(payout);
      if (!confirmed) {
        // The creator is told where the payout went (histories from before sent no email here).
        const email = patched(NETTED_EMAIL_PATCH) ? 'netted' : undefined;
        await announce(payout, 'netted', email, { netted: payout.netted });
        return payout.completeNetted();
      }
      await settle(payout, confirmed);
      const returned = await watchReturnWindow(payout, confirmed);
      if (!returned) return payout.complete();
      payout.returnCode = returned.code;
      await reverse(payout, returned);
      await untilNewDetails(payout, returned.code);
      payout.nextAttempt();
    }
  } catch (err) {
    continued = err instanceof ContinueAsNew;
    if (continued) throw err;
    if (err instanceof Stopped && err.request.kind === 'resolve') return resolveByHand(payout, err.request.command);
    throw await closeWithFailure(payout, err);
  } finally {
    if (!continued) await recordServiceLevel(payout);
    await payout.runReported();
    await condition(allHandlersFinished);
  }
}

/** The patch since which a payout the creator's receivable took whole emails the creator (`netted`). */
export const NETTED_EMAIL_PATCH = 'payout-netted-email';

/**
 * Payable, released from any hold, what the creator owes netted, the rest reserved: then pay it. Undefined when the
 * receivable took the whole amount (nothing for a rail).
 */
async function reserveAndPay(payout: Payout): Promise<Confirmed | undefined> {
  const profile = await untilPayable(payout);
  await untilReleased(payout);
  if (!(await netReceivable(payout, profile))) return undefined;
  await reserve(payout);
  return pay(payout, profile);
}

/** A continued payout goes on waiting for its confirmation once its carried ledger position is what the ledger says. */
async function resumeChecked(payout: Payout, carry: PayoutCarry): Promise<Confirmed> {
  await checkCarriedLedger(payout, carry);
  return resumeConfirmation(payout, carry);
}

/** Bad input fails the workflow at once (InvalidInput naming each field); before any state exists, ops see why. */
function parseInputOrFail(raw: unknown): CreatorPayoutInput {
  try {
    return parseOrFail(creatorPayoutInput, raw, 'creator payout input');
  } catch (err) {
    upsertSearchAttributes([
      { key: SA.PayoutState, value: 'failed' },
      { key: SA.LastErrorCode, value: 'invalid_input' },
    ]);
    setCurrentDetails('**failed** · invalid input (see the failure for the fields)');
    throw err;
  }
}

/** Keeps the contract's signature (what typed clients see) in step with the function. */
const _signature: CreatorPayoutWorkflow = creatorPayout;
