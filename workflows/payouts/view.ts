import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { formatMoney } from '../shared/money';
import { SA } from '../shared/search-attributes';
import type { AwaitingActor, CreatorPayoutInput, CreatorPayoutResult, PayoutStatus } from './contract';

/** How a payout's state reads in the Web UI and in list queries (what `Payout` publishes). */

/** A payout's status when it starts. */
export function initialStatus(input: CreatorPayoutInput): PayoutStatus {
  return {
    payoutId: input.payoutId,
    creatorId: input.creatorId,
    period: input.period,
    amount: input.amount,
    ...(input.runId ? { runId: input.runId } : {}),
    state: 'validating',
    attempt: 1,
    timeline: [],
  };
}

/** Sets `state` and what it waits on (shown since it began); `errorCode` replaces the last one (`null` clears it). */
export function moveStatus(
  s: PayoutStatus,
  state: PayoutStatus['state'],
  opts: { awaiting?: Awaiting; errorCode?: string | null },
): void {
  s.state = state;
  const awaiting = opts.awaiting ? shownAwaiting(s.awaiting, opts.awaiting) : undefined;
  if (awaiting) s.awaiting = awaiting;
  else delete s.awaiting;
  if (opts.errorCode === null) delete s.lastErrorCode;
  else if (opts.errorCode !== undefined) s.lastErrorCode = opts.errorCode;
}

const TIMELINE_MAX = 40;
/** Appends a step to the timeline, which keeps the last 40. */
export function appendStep(timeline: PayoutStatus['timeline'], step: string, detail?: string): void {
  timeline.push({ at: new Date().toISOString(), step, ...(detail ? { detail } : {}) });
  if (timeline.length > TIMELINE_MAX) timeline.splice(0, timeline.length - TIMELINE_MAX);
}

/** Who the payout is. On a legacy start (before `payout-fewer-commands`) a `PayoutRunId` set at start is kept. */
export function identityAttributes(input: CreatorPayoutInput, legacy = false): SearchAttributeUpdatePair[] {
  const { creatorId, amount, runId } = input;
  const keepRunId = legacy && workflowInfo().typedSearchAttributes.get(SA.PayoutRunId) !== undefined;
  return [
    { key: SA.CreatorId, value: creatorId },
    { key: SA.AmountMinor, value: amount.amountMinor },
    { key: SA.Currency, value: amount.currency },
    ...(runId && !keepRunId ? [{ key: SA.PayoutRunId, value: [runId] }] : []),
  ];
}

/**
 * Every attribute (the shared `VisibleState` sends only those that changed); histories from before
 * `payout-fewer-commands` re-send only the state's five on each change (identity and rail are upserted on their own).
 */
export function payoutSearchAttributes(
  s: PayoutStatus,
  input: CreatorPayoutInput,
  fewerCommands: boolean,
): SearchAttributeUpdatePair[] {
  const a = s.awaiting;
  const current: SearchAttributeUpdatePair[] = [
    { key: SA.PayoutState, value: s.state },
    { key: SA.AwaitingActor, value: a?.actor ?? 'none' },
    { key: SA.AwaitingSince, value: a ? new Date(a.since) : null },
    { key: SA.DeadlineAt, value: a?.until ? new Date(a.until) : null },
    { key: SA.LastErrorCode, value: s.lastErrorCode ?? 'none' },
  ];
  if (!fewerCommands) return current;
  return [...identityAttributes(input), ...(s.rail ? [{ key: SA.Rail, value: s.rail }] : []), ...current];
}

/**
 * The current details: state, amount and rail, the platform's notices (a PSP pause, retrying activities), who it waits
 * on, a hold, the last error, the rail reference.
 */
export function payoutDetails(s: PayoutStatus, notices: string[] = []): string {
  const a = s.awaiting;
  const lines = [
    `**${s.state}** · payout ${s.payoutId} · ${formatMoney(s.amount)}${s.rail ? ` via ${s.rail}` : ''}${s.attempt > 1 ? ` · attempt ${s.attempt}` : ''}`,
    ...notices,
    a ? `Waiting on **${a.actor}** since ${a.since}${a.until ? ` until ${a.until}` : ''}: ${a.reason}` : undefined,
    s.held ? `On compliance hold since ${s.held.since}: ${s.held.reason}` : undefined,
    s.lastErrorCode ? `Last error: \`${s.lastErrorCode}\`` : undefined,
    s.railReference ? `Rail reference: ${s.railReference}` : undefined,
  ];
  return lines.filter((l): l is string => l !== undefined).join('\n\n');
}

/** Who must act, why and until when; `sinceMs` keeps the start of a wait that goes on. */
export interface Awaiting {
  actor: AwaitingActor;
  reason: string;
  untilMs?: number;
  sinceMs?: number;
}

/** How a wait shows: the same actor and reason keep their `since`; times as ISO strings. */
export function shownAwaiting(prev: PayoutStatus['awaiting'], next: Awaiting): NonNullable<PayoutStatus['awaiting']> {
  const same = prev && prev.actor === next.actor && prev.reason === next.reason;
  const sinceMs = next.sinceMs ?? (same ? Date.parse(prev.since) : Date.now());
  return {
    actor: next.actor,
    reason: next.reason,
    since: new Date(sinceMs).toISOString(),
    ...(next.untilMs !== undefined ? { until: new Date(next.untilMs).toISOString() } : {}),
  };
}

/** The value a payout completes with. */
export function payoutResult(s: PayoutStatus, state: CreatorPayoutResult['state']): CreatorPayoutResult {
  const { rail, railReference } = s;
  return {
    payoutId: s.payoutId,
    state,
    ...(rail ? { rail } : {}),
    attempts: s.attempt,
    ...(railReference ? { railReference } : {}),
  };
}
