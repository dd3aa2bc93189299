import { log } from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import type { Money } from '../shared/money';
import { viaProviderQueue, viaPspQueue } from '../shared/psp-queue';
import type { AuditEvent } from '../shared/activities';
import type { ProviderId } from '../routing/contract';
import type { PayoutActivities, Rail } from './contract';
import { railStatusFromPoll, type RailStatus } from './policy';
import type { Payout } from './state';

/**
 * Everything that talks to a rail: initiating a transfer (with the attempt's fixed destination), looking it up,
 * status inquiries, and confirming provider events at the rail. The story's phases (`steps.ts`) call these; this file
 * never waits on people and never imports the phases.
 *
 * The rail's own word before money moves (since `rail-event-confirm`): a provider event that would book a return or
 * release a reservation is only a claim; the payout asks the rail (PSP: the transfer with what was reversed of it;
 * bank: the status inquiry with every return booked) and goes by the answer. An event the rail does not confirm moves
 * nothing and parks the payout visibly for ops, which keeps waiting.
 */

/** The rail-facing activity proxies (directory look-ups for the destination, bank money and polls). */
const { lookup, money, poll } = activityProxies<PayoutActivities>();
/** PSP money movement (create/look up a transfer) on the PSP's own paced task queue. */
const pspMoney = () => viaPspQueue<PayoutActivities>('moneyMovement');
/** PSP status polls and look-ups on the PSP's own paced task queue. */
const pspPoll = () => viaPspQueue<PayoutActivities>('statusPoll');

/** Adyen's money movement and polls on Adyen's own paced task queue (`<taskQueue>-psp-adyen`). */
const adyenMoney = (budgetMs?: number) =>
  viaProviderQueue<PayoutActivities>(
    'moneyMovement',
    ADYEN_QUEUE_SUFFIX,
    budgetMs ? { scheduleToCloseTimeout: budgetMs } : {},
  );
/** A routed Stripe initiation inside the failover budget (Stripe's queue is `-psp`, as for Stripe-era payouts). */
const stripeMoney = (budgetMs: number) =>
  viaProviderQueue<PayoutActivities>('moneyMovement', 'psp', { scheduleToCloseTimeout: budgetMs });
const adyenPoll = () => viaProviderQueue<PayoutActivities>('statusPoll', ADYEN_QUEUE_SUFFIX);
/** Adyen's queue suffix (the routing tables' `taskQueueSuffix` for Adyen; every published version has this one). */
const ADYEN_QUEUE_SUFFIX = 'psp-adyen';
/** How far back a look-up at Adyen searches when the attempt's routing time is unknown (Adyen keeps keys 7 days). */
const LOOKUP_WINDOW_MS = 40 * 86_400_000;

/** Whether the payout's current transfer is at Adyen (a routed PSP payout). */
const atAdyen = (p: Payout, rail: Rail) => rail === 'psp' && p.provider === 'adyen';

/** What the rail said about the attempt's transfer. */
export interface Sent {
  reference: string;
  status: RailStatus;
}

/**
 * Reads the creator's payout method once for this attempt and keeps it under an opaque ID: a retried initiation
 * pays where the first one did, even if the method changed or the creator vanished meanwhile.
 */
export async function fixDestination(
  p: Payout,
  rail: Rail,
  key: string,
  routed?: { provider: ProviderId; audit?: AuditEvent | undefined },
): Promise<string> {
  const { destinationId } = await lookup.fixPayoutDestination({
    creatorId: p.input.creatorId,
    rail,
    idempotencyKey: key,
    ...(routed ? { provider: routed.provider } : {}),
    ...(routed?.audit ? { audit: routed.audit } : {}),
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
  // A routed send inside the failover budget: the server stops retrying when it is spent (then the provider is fenced).
  const budget = p.sendBudgetMs;
  if (atAdyen(p, rail) && destinationId) {
    const r = await adyenMoney(budget).initiateAdyenPayout({
      idempotencyKey: key,
      workflowId: wf,
      amount,
      destinationId,
    });
    return { reference: r.transferId, status: railStatusFromPoll(r.status) };
  }
  if (rail === 'psp') {
    const r = await (budget ? stripeMoney(budget) : pspMoney()).initiatePspPayout({
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
    if (atAdyen(p, rail)) {
      const since = (p.routedAtMs ?? Date.now() - LOOKUP_WINDOW_MS) - 60_000;
      const r = await adyenPoll().findAdyenPayout({ idempotencyKey: key, sinceMs: since });
      return r.found ? { reference: r.reference, status: r.status } : 'none';
    }
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

/** One status poll; a failed poll is not a failed payout (the next poll or a webhook will tell). */
export async function pollRail(
  p: Payout,
  rail: Rail,
  reference: string,
): Promise<{ status: RailStatus; code?: string } | undefined> {
  try {
    if (rail === 'psp') {
      const r = await (atAdyen(p, rail) ? adyenPoll().pollAdyenPayout : pspPoll().pollPspPayout)({
        transferId: reference,
      });
      return { status: railStatusFromPoll(r.status), ...(r.failureCode ? { code: r.failureCode } : {}) };
    }
    const r = await poll.pollBankPayout({ endToEndId: reference });
    return { status: railStatusFromPoll(r.status), ...(r.reasonCode ? { code: r.reasonCode } : {}) };
  } catch (err) {
    log.warn('status poll failed; the next poll or a webhook will tell', {
      reference,
      error: err instanceof Error ? err.message : String(err),
    });
    p.step('poll_failed');
    return undefined;
  }
}

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
      const r = await (atAdyen(p, rail) ? adyenPoll().pollAdyenPayout : pspPoll().pollPspPayout)({
        transferId: reference,
      });
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
    p.parkForOps('return_currency_mismatch', `a return was booked in another currency than ${p.sentCurrency}`, untilMs);
    return;
  }
  if (answer && (answer.status === 'returned' || answer.status === 'failed')) {
    p.step('rail_event_confirmed', answer.status);
    return;
  }
  const says = answer ? `the ${rail} says ${answer.status}` : `the ${rail} could not be asked`;
  p.parkForOps('rail_event_unconfirmed', `a ${claimed} event was not confirmed: ${says}; nothing booked`, untilMs);
}
