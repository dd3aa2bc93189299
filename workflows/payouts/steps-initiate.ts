import { log } from '@temporalio/workflow';
import { typedFailure } from '../shared/failures';
import type { Money } from '../shared/money';
import type { Rail } from './contract';
import { moneyMayHaveMoved, railStatusFromPoll, type RailStatus } from './policy';
import type { Payout } from './state';
import { lookup, money, poll, pspMoney, pspPoll, reviewBy, waitFor } from './steps';

/** Sending one attempt's transfer exactly once, and what to do when the rail's answer is unknown. */

/** What the rail said about the attempt's transfer. */
export interface Sent {
  reference: string;
  status: RailStatus;
}

/**
 * Reads the creator's payout method once for this attempt and keeps it under an opaque ID: a retried initiation
 * pays where the first one did, even if the method changed or the creator vanished meanwhile.
 */
export async function fixDestination(p: Payout, rail: Rail, key: string): Promise<string> {
  const { destinationId } = await lookup.fixPayoutDestination({
    creatorId: p.input.creatorId,
    rail,
    idempotencyKey: key,
  });
  return destinationId;
}

/** One initiation call (the same idempotency key every time). */
export async function initiate(
  p: Payout,
  rail: Rail,
  key: string,
  amount: Money,
  destinationId?: string,
): Promise<Sent> {
  const { input, workflowId: wf } = p;
  const destination = destinationId ? { destinationId } : {};
  if (rail === 'psp') {
    const r = await pspMoney().initiatePspPayout({
      idempotencyKey: key,
      creatorId: input.creatorId,
      amount,
      reference: wf,
      ...destination,
    });
    return { reference: r.transferId, status: railStatusFromPoll(r.status) };
  }
  const r = await money.initiateBankPayout({
    idempotencyKey: key,
    workflowId: wf,
    creatorId: input.creatorId,
    amount,
    remittance: `Payout ${input.payoutId} ${input.period}`,
    ...destination,
  });
  return { reference: r.endToEndId, status: railStatusFromPoll(r.status) };
}

/** The attempt's transfer as the rail knows it; undefined when there is none or the rail cannot tell now. */
export async function findAtRail(p: Payout, rail: Rail, key: string): Promise<Sent | 'none' | undefined> {
  try {
    const r = await (rail === 'psp' ? pspPoll() : poll).findRailPayout({
      rail,
      idempotencyKey: key,
      reference: p.workflowId,
    });
    return r.found ? { reference: r.reference, status: r.status } : 'none';
  } catch (err) {
    log.warn('rail look-up failed; the outcome stays unknown', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/**
 * Initiates with a fixed destination. A failure after a possibly-sent request (no typed refusal by the rail) is an
 * unknown outcome, never a failure: the rail is asked whether the transfer exists; if it does the payout goes on with
 * it, otherwise the payout parks for ops with its reservation kept (`retryPayoutNow` sends again with the same key,
 * `resolvePayout` closes it).
 */
export async function initiateOnce(
  p: Payout,
  rail: Rail,
  key: string,
  amount: Money,
  destinationId: string,
): Promise<Sent> {
  for (;;) {
    try {
      return await initiate(p, rail, key, amount, destinationId);
    } catch (err) {
      if (!moneyMayHaveMoved(true, typedFailure(err)?.type ?? undefined)) throw err;
      const found = await findAtRail(p, rail, key);
      if (found && found !== 'none') {
        p.step('found_at_rail', found.reference);
        return found;
      }
      p.moveTo('awaiting_confirmation', {
        awaiting: {
          actor: 'ops',
          reason: `outcome unknown at the ${rail} (${found === 'none' ? 'no transfer found' : 'look-up failed'}); retry now re-sends with the same key, or resolve`,
          ...reviewBy(p),
        },
        errorCode: 'outcome_unknown',
      });
      await waitFor(p, () => false, undefined, 'ops: outcome unknown at the rail');
    }
  }
}
