import { condition, log, patched } from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import { viaPspQueue } from '../shared/psp-queue';
import { failure, FailureType } from '../shared/failures';
import type { Money } from '../shared/money';
import { idempotencyKey } from '../shared/task-queue';
import type { Rail } from './contract';
import type { PayoutActivities, PayoutEmailTemplate, PayoutPostingKind, PayoutProfile } from './contract-activities';
import {
  awaitingActorFor,
  checkPayability,
  nextRecheckAt,
  parkDeadline,
  stepName,
  wantsReminder,
  type RailStatus,
} from './policy';
import type { Payout, StopRequest } from './state';

/** The payout's activity proxies, one per preset; declared once for the domain. */
export const { lookup, books, mustBook, money, poll, notify } = activityProxies<PayoutActivities>();
/** PSP money movement (create/look up a transfer) on the PSP's own paced task queue. */
export const pspMoney = () => viaPspQueue<PayoutActivities>('moneyMovement');
/** PSP status polls and look-ups on the PSP's own paced task queue. */
export const pspPoll = () => viaPspQueue<PayoutActivities>('statusPoll');

/** A transfer the rail has decided on (paid, or returned later). */
export interface Confirmed {
  rail: Rail;
  reference: string;
  status: RailStatus;
  code?: string;
}

/** An operator closed the payout while it waited; handled by the story's outer catch. */
export class Stopped extends Error {
  constructor(readonly request: StopRequest) {
    super(`stopped by ${request.kind}`);
  }
}

/**
 * By when a person should act on a wait that has no timer of its own (`DeadlineAt`): the payout's park deadline from
 * when the wait began. Since `payout-park-deadlines`; before, such waits showed no deadline.
 */
export function reviewBy(p: Payout, sinceMs = Date.now()): { untilMs?: number } {
  return patched('payout-park-deadlines') ? { untilMs: sinceMs + p.timing.parkDeadlineMs } : {};
}

/** Waits up to `ms` (or forever) for `done`, a wake-up or a stop; a stop throws {@link Stopped}. */
export async function waitFor(
  p: Payout,
  done: () => boolean,
  ms: number | undefined,
  summary: string,
): Promise<'done' | 'woken' | 'timeout'> {
  const wakes = p.wakes;
  const fired = () => done() || p.wakes !== wakes || p.stop !== undefined;
  let ok = true;
  if (ms === undefined) await condition(fired);
  else ok = await condition(fired, Math.max(1, ms), { summary });
  if (p.stop) throw new Stopped(p.stop);
  if (!ok) return 'timeout';
  return done() ? 'done' : 'woken';
}

/**
 * One ledger posting of the current attempt; the posting ID is workflow ID + step, so a retry posts once. Retried
 * through a ledger outage of any length (`mustBook`): a paid transfer must end up booked, never failed unbooked.
 */
export async function post(p: Payout, kind: PayoutPostingKind, part?: Money): Promise<void> {
  const { creatorId, payoutId } = p.input;
  const amount = part ?? p.input.amount;
  const postingId = idempotencyKey(p.workflowId, stepName(kind, p.attempt));
  await mustBook.postPayoutLedger({ kind, postingId, creatorId, amount, payoutId });
  p.booked(kind);
}

/** Re-reads the directory until every payability check passes; parks (visibly, with reminders and a deadline) meanwhile. */
export async function untilPayable(p: Payout): Promise<PayoutProfile> {
  const { input } = p;
  let parkedSince: number | undefined;
  let nextReminder = 0;
  for (;;) {
    const profile = await lookup.getPayoutProfile({ creatorId: input.creatorId });
    if (profile.balanceCurrency !== input.amount.currency) {
      throw failure(
        FailureType.InvalidInput,
        `invalid creator payout input: amount.currency: ${input.amount.currency} does not match the creator's balance currency ${profile.balanceCurrency}`,
        { code: 'currency_mismatch' },
      );
    }
    p.useTimingOf(profile.payoutMethod?.rail);
    const verdict = checkPayability(profile, input.amount, Date.now());
    if (verdict.payable) return profile;
    const codes = verdict.blockers.map((b) => b.code).join(',');
    if (verdict.permanent)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} is not payable: ${codes}`, { code: codes });
    const now = Date.now();
    const remind = wantsReminder(verdict.blockers);
    if (parkedSince === undefined) {
      parkedSince = now;
      nextReminder = now + p.timing.reminderEveryMs;
      if (remind) await emailCreator(p, 'action_required');
    }
    const deadline = parkDeadline(verdict.blockers, parkedSince, p.timing);
    p.moveTo('awaiting_payability', {
      awaiting: { actor: awaitingActorFor(verdict.blockers), reason: codes, sinceMs: parkedSince, untilMs: deadline },
      errorCode: verdict.blockers[0]?.code ?? null,
    });
    if (now >= deadline)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} still not payable at its deadline: ${codes}`, {
        code: codes,
      });
    const wakeAt = Math.min(nextRecheckAt(verdict.blockers, now, p.timing), deadline, remind ? nextReminder : Infinity);
    await waitFor(p, () => false, wakeAt - now, 'payability re-check');
    if (remind && Date.now() >= nextReminder) {
      await emailCreator(p, 'action_required');
      nextReminder += p.timing.reminderEveryMs;
    }
  }
}

/** A compliance hold stops the payout before its next money step until an operator releases it. */
export async function untilReleased(p: Payout): Promise<void> {
  const held = p.held;
  if (!held) return;
  p.moveTo('on_hold', {
    awaiting: {
      actor: 'compliance',
      reason: `compliance hold: ${held.reason}`,
      sinceMs: Date.parse(held.since),
      ...reviewBy(p, Date.parse(held.since)),
    },
  });
  await waitFor(p, () => p.held === undefined, undefined, 'compliance hold');
  p.step('hold_released');
}

export async function reserve(p: Payout): Promise<void> {
  p.moveTo('reserving', { errorCode: null });
  await post(p, 'reserve');
}

/** A creator email; a failed email never blocks money. */
export async function emailCreator(p: Payout, template: PayoutEmailTemplate): Promise<void> {
  const { creatorId, payoutId, amount } = p.input;
  try {
    await notify.emailCreator({ creatorId, payoutId, template, amount });
  } catch (err) {
    log.warn('creator email failed; the payout goes on', {
      template,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Email (optional) plus a domain event; neither may block money. */
export async function announce(
  p: Payout,
  kind: string,
  template: 'paid' | 'failed' | 'returned' | undefined,
  data: Record<string, unknown>,
): Promise<void> {
  const { input, attempt, rail } = p;
  const publish = async () => {
    try {
      await notify.publishEvent({
        type: `payout.${kind}`,
        dedupeKey: `${p.workflowId}:${kind}-${attempt}`,
        data: {
          payoutId: input.payoutId,
          creatorId: input.creatorId,
          period: input.period,
          amount: input.amount,
          attempt,
          ...(rail ? { rail } : {}),
          ...(input.runId ? { runId: input.runId } : {}),
          ...data,
        },
      });
    } catch (err) {
      log.warn('payout event failed to publish', { kind, error: err instanceof Error ? err.message : String(err) });
    }
  };
  // The email and the event are independent: sent together, one round trip (see Payout.fewerCommands).
  if (p.fewerCommands) {
    await Promise.all([template ? emailCreator(p, template) : undefined, publish()]);
    return;
  }
  if (template) await emailCreator(p, template);
  await publish();
}
