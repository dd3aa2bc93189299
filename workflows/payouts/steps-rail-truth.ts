import { log } from '@temporalio/workflow';
import type { Rail } from './contract';
import { isPartialReturn, railStatusFromPoll, type RailStatus } from './policy';
import type { Payout } from './state';
import { poll, post, pspPoll, reviewBy } from './steps';

/**
 * The rail's own word before money moves (since `rail-event-confirm`): a provider event that would book a return or
 * release a reservation is only a claim; the payout asks the rail (PSP: the transfer with what was reversed of it;
 * bank: the status inquiry with every return booked) and goes by the answer. An event the rail does not confirm moves
 * nothing and parks the payout visibly for ops, which keeps waiting.
 */

/** What the rail says about a transfer; returns summed in the transfer's currency. */
export interface RailAnswer {
  status: RailStatus;
  code?: string;
  /** For a return: what came back in all, in the transfer's minor units. */
  returnedAmountMinor?: number;
  /** A return was booked in another currency than the transfer's: nothing can be compared, ops decide. */
  currencyMismatch?: boolean;
}

/** Asks the rail; undefined when it cannot be asked now (the next poll, or ops, will tell). */
export async function askRail(p: Payout, rail: Rail, reference: string): Promise<RailAnswer | undefined> {
  try {
    if (rail === 'psp') {
      const r = await pspPoll().pollPspPayout({ transferId: reference });
      const back = r.returnedAmountMinor ?? 0;
      const status = back > 0 ? 'returned' : railStatusFromPoll(r.status);
      return {
        status,
        ...(r.failureCode ? { code: r.failureCode } : status === 'returned' ? { code: 'transfer_reversed' } : {}),
        ...(status === 'returned' && r.returnedAmountMinor !== undefined ? { returnedAmountMinor: back } : {}),
        ...(r.amount && r.amount.currency !== p.sentCurrency ? { currencyMismatch: true } : {}),
      };
    }
    const r = await poll.pollBankPayout({ endToEndId: reference });
    const status = railStatusFromPoll(r.status);
    if (status !== 'returned') return { status, ...(r.reasonCode ? { code: r.reasonCode } : {}) };
    const returns = r.returns ?? [];
    const back = returns
      .filter((x) => x.amount.currency === p.sentCurrency)
      .reduce((s, x) => s + x.amount.amountMinor, 0);
    return {
      status,
      ...(r.reasonCode ? { code: r.reasonCode } : {}),
      returnedAmountMinor: back,
      ...(returns.some((x) => x.amount.currency !== p.sentCurrency) ? { currencyMismatch: true } : {}),
    };
  } catch (err) {
    log.warn('the rail could not be asked; the next poll or ops will tell', {
      reference,
      error: err instanceof Error ? err.message : String(err),
    });
    p.step('poll_failed');
    return undefined;
  }
}

/** Records the rail's answer as what the payout goes by; a currency mismatch is recorded as nothing (ops decide). */
export function recordAnswer(p: Payout, reference: string, a: RailAnswer | undefined): void {
  if (!a || a.currencyMismatch) return;
  p.railAnswered(reference, {
    status: a.status,
    ...(a.code ? { code: a.code } : {}),
    ...(a.returnedAmountMinor !== undefined ? { returnedAmountMinor: a.returnedAmountMinor } : {}),
  });
}

/** Visible park for ops in the current state: nothing moved, the payout keeps waiting. */
export function parkForOps(p: Payout, code: string, reason: string, untilMs?: number): void {
  p.step(code, reason);
  p.moveTo(p.state, {
    awaiting: { actor: 'ops', reason, ...(untilMs !== undefined ? { untilMs } : reviewBy(p)) },
    errorCode: code,
  });
}

/**
 * Confirms the waiting claims of the current transfer at the rail: a confirmed failure or return is recorded as the
 * rail's answer (with the amount the rail says came back); anything else parks for ops. Claims about other transfers
 * (an earlier attempt) change nothing.
 */
export async function examineClaims(p: Payout, rail: Rail, reference: string, untilMs?: number): Promise<void> {
  const claims = p.takeClaims();
  if (claims.length === 0) return;
  const ours = claims.filter((c) => (c.reference ? c.reference === reference : c.attempt === p.attempt));
  if (ours.length === 0) {
    p.step('rail_event_other_transfer');
    return;
  }
  const claimed = ours.some((c) => c.kind === 'returned') ? 'returned' : 'failed';
  const asked = await askRail(p, rail, reference);
  // The rail confirms that money came back; the signed event may name the reason more precisely (a PSP reversal
  // carries none of its own).
  const reason = ours.find((c) => c.code)?.code;
  const answer =
    asked && reason && (asked.status === 'returned' || asked.status === 'failed') ? { ...asked, code: reason } : asked;
  recordAnswer(p, reference, answer);
  if (answer?.currencyMismatch) {
    parkForOps(
      p,
      'return_currency_mismatch',
      `a return was booked in another currency than ${p.sentCurrency}`,
      untilMs,
    );
    return;
  }
  if (answer && (answer.status === 'returned' || answer.status === 'failed')) {
    p.step('rail_event_confirmed', answer.status);
    return;
  }
  const says = answer ? `the ${rail} says ${answer.status}` : `the ${rail} could not be asked`;
  parkForOps(p, 'rail_event_unconfirmed', `a ${claimed} event was not confirmed: ${says}; nothing booked`, untilMs);
}

/** What came back of a partially returned transfer, as the rail confirmed it; undefined when none is known. */
export function partialReturnMinor(p: Payout): number | undefined {
  const e = p.railReference ? p.eventFor(p.railReference) : undefined;
  return e?.status === 'returned' && e.returnedAmountMinor !== undefined && e.returnedAmountMinor > 0
    ? isPartialReturn(e.returnedAmountMinor, p.sentAmountMinor)
      ? e.returnedAmountMinor
      : undefined
    : undefined;
}

/**
 * Ops resolved a partial return: books exactly what came back (in the balance currency; converted back at the
 * payout's rate when it was converted, rounded down) from settled to the creator's balance.
 */
export async function bookPartialReturn(p: Payout): Promise<void> {
  const back = partialReturnMinor(p);
  if (back === undefined || p.ledger !== 'settled') {
    p.step('partial_return_not_booked', back === undefined ? 'no confirmed partial return' : `ledger ${p.ledger}`);
    return;
  }
  const { amount } = p.input;
  const amountMinor = p.converted ? Math.floor((amount.amountMinor * back) / p.sentAmountMinor) : back;
  await post(p, 'reverse_partial', {
    amountMinor: Math.min(amountMinor, amount.amountMinor),
    currency: amount.currency,
  });
  p.step('partial_return_booked', `${amountMinor} ${amount.currency}`);
}
