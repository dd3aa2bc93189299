import { patched } from '@temporalio/workflow';
import { failure, FailureType } from '../shared/failures';
import type { Money } from '../shared/money';
import { idempotencyKey } from '../shared/task-queue';
import type { PayoutProfile } from './contract-activities';
import { isPartialReturn, needsFx, stepName } from './policy';
import type { Payout } from './state';
import { awaitConfirmation, pollRail } from './steps-confirm';
import { askRail, examineClaims, parkForOps, recordAnswer } from './steps-rail-truth';
import { fixDestination, initiate, initiateOnce } from './steps-initiate';
import { announce, lookup, post, reviewBy, Stopped, untilReleased, waitFor, type Confirmed } from './steps';

/** The steps at the rail: paying, awaiting the rail's confirmation, settling, and watching the return window. */

/** FX (when needed), then one transfer on the creator's rail with a step-scoped idempotency key, then its confirmation. */
export async function pay(p: Payout, profile: PayoutProfile): Promise<Confirmed> {
  const { input, workflowId: wf, attempt } = p;
  const method = profile.payoutMethod;
  if (!method)
    throw failure(FailureType.NotPayable, `payout ${input.payoutId}: no payout method on file`, {
      code: 'payout_method_missing',
    });
  const rail = method.rail;
  p.useRail(rail);
  let amount: Money = input.amount;
  if (needsFx(input.amount.currency, method.currency)) {
    const lock = await lookup.lockPayoutFx({
      idempotencyKey: idempotencyKey(wf, stepName('fx', attempt)),
      source: input.amount,
      targetCurrency: method.currency,
    });
    p.fxLocked(lock);
    amount = lock.target;
  }
  await untilReleased(p);
  if (p.stop) throw new Stopped(p.stop);
  const key = idempotencyKey(wf, stepName('initiate', attempt));
  // Since this patch the destination is fixed once per attempt and an unknown outcome is looked up at the rail.
  const fixed = patched('payout-fixed-destination');
  const destinationId = fixed ? await fixDestination(p, rail, key) : undefined;
  // A hold accepted while the destination was being fixed (the state is still `reserving`, so holds are accepted)
  // must stop the payout before the rail has it; without a hold this issues no command.
  if (fixed) await untilReleased(p);
  if (p.stop) throw new Stopped(p.stop);
  p.initiating(rail);
  const { reference, status } = destinationId
    ? await initiateOnce(p, rail, key, amount, destinationId)
    : await initiate(p, rail, key, amount);
  p.transferSent(reference);
  return awaitConfirmation(p, rail, reference, status);
}

export async function settle(p: Payout, c: Confirmed): Promise<void> {
  await post(p, 'settle');
  await announce(p, 'paid', 'paid', { railReference: c.reference });
}

/**
 * Stays open through the rail's return window; a full return (webhook, or the closing poll) ends the wait. A partial
 * return (less than the transfer came back) reverses nothing: it parks the payout for ops until they resolve it or
 * the rest comes back.
 */
export async function watchReturnWindow(p: Payout, c: Confirmed): Promise<Confirmed | undefined> {
  if (patched('rail-event-confirm')) return watchConfirmed(p, c);
  const end = Date.now() + p.timing.returnWindowMs;
  const partial = () => {
    const e = p.eventFor(c.reference);
    return e?.status === 'returned' && isPartialReturn(e.returnedAmountMinor, p.sentAmountMinor) ? e : undefined;
  };
  const returned = (): Confirmed | undefined => {
    const e = p.eventFor(c.reference);
    if (c.status === 'returned') return c;
    return e && (e.status === 'returned' || e.status === 'failed') && !partial()
      ? { ...c, status: 'returned', ...(e.code ? { code: e.code } : {}) }
      : undefined;
  };
  p.moveTo('paid_in_return_window', {
    awaiting: { actor: c.rail, reason: 'return window open', untilMs: end },
    errorCode: null,
  });
  for (;;) {
    if (returned()) return returned();
    const part = partial();
    if (part) {
      // Histories from before partial returns were told apart booked every return in full.
      if (!patched('payout-partial-return'))
        return { ...c, status: 'returned', ...(part.code ? { code: part.code } : {}) };
      p.moveTo('paid_in_return_window', {
        awaiting: {
          actor: 'ops',
          reason: `partial return: ${part.returnedAmountMinor} of ${p.sentAmountMinor} minor units came back; resolve by hand`,
          ...reviewBy(p),
        },
        errorCode: 'partial_return',
      });
      await waitFor(p, () => returned() !== undefined, undefined, 'ops: partial return');
      continue;
    }
    const woke = await waitFor(
      p,
      () => returned() !== undefined || partial() !== undefined,
      end - Date.now(),
      'return window',
    );
    if (woke === 'timeout') {
      const polled = await pollRail(p, c.rail, c.reference);
      return polled?.status === 'returned'
        ? { ...c, status: 'returned', ...(polled.code ? { code: polled.code } : {}) }
        : undefined;
    }
  }
}

/**
 * The return window since `rail-event-confirm`: only what the rail confirmed counts. A return event is asked about at
 * the rail (an unconfirmed one parks for ops and the window runs on); a full return ends the wait; a partial one (the
 * rail's own total, in the transfer's currency) parks for ops, who resolve it (`partial_return` books what came back)
 * unless the rest comes back. The window-end poll goes by the amounts too: a partial return seen there parks.
 */
async function watchConfirmed(p: Payout, c: Confirmed): Promise<Confirmed | undefined> {
  const end = Date.now() + p.timing.returnWindowMs;
  const truth = () => p.eventFor(c.reference);
  const back = (e: ReturnType<typeof truth>) => e?.status === 'returned' || e?.status === 'failed';
  const partial = () => {
    const e = truth();
    return e?.status === 'returned' && isPartialReturn(e.returnedAmountMinor, p.sentAmountMinor) ? e : undefined;
  };
  const full = (): Confirmed | undefined => {
    const e = truth();
    if (partial()) return undefined;
    if (back(e)) return { ...c, status: 'returned', ...(e?.code ? { code: e.code } : {}) };
    return c.status === 'returned' ? c : undefined;
  };
  p.moveTo('paid_in_return_window', {
    awaiting: { actor: c.rail, reason: 'return window open', untilMs: end },
    errorCode: null,
  });
  let shown: number | undefined;
  let forOps = false;
  for (;;) {
    await examineClaims(p, c.rail, c.reference, end);
    const done = full();
    if (done) return done;
    const part = partial();
    if (part && part.returnedAmountMinor !== shown) {
      shown = part.returnedAmountMinor;
      p.moveTo('paid_in_return_window', {
        awaiting: {
          actor: 'ops',
          reason: `partial return: ${part.returnedAmountMinor} of ${p.sentAmountMinor} minor units came back; resolve by hand`,
          ...reviewBy(p),
        },
        errorCode: 'partial_return',
      });
    }
    const waitsForOps = part !== undefined || forOps;
    const woke = await waitFor(
      p,
      () => p.hasClaims || full() !== undefined,
      waitsForOps ? undefined : end - Date.now(),
      waitsForOps ? 'ops: partial return' : 'return window',
    );
    if (woke !== 'timeout') continue;
    const answer = await askRail(p, c.rail, c.reference);
    recordAnswer(p, c.reference, answer);
    if (answer?.currencyMismatch) {
      parkForOps(p, 'return_currency_mismatch', `a return was booked in another currency than ${p.sentCurrency}`);
      forOps = true;
      continue;
    }
    if (!full() && !partial()) return undefined;
  }
}
