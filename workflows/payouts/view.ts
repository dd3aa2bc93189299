import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { formatMoney } from '../shared/money';
import { PROVIDER_RAIL } from '../shared/provider-queue';
import { SA } from '../shared/search-attributes';
import type { CreatorPayoutInput, CreatorPayoutResult, PayoutStatus } from './contract';

/**
 * How a payout's state reads in the Web UI and in list queries (what `Payout` publishes). Pure renderings of a
 * read-only snapshot: every change to the status is a method of `Payout` (`state.ts`), which this file never imports.
 */

/** Who the payout is. On a legacy start (before `payout-fewer-commands`) a `PayoutRunId` set at start is kept. */
export function identityAttributes(input: Readonly<CreatorPayoutInput>, legacy = false): SearchAttributeUpdatePair[] {
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
  s: Readonly<PayoutStatus>,
  input: Readonly<CreatorPayoutInput>,
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
  const rail = railAttribute(s);
  return [...identityAttributes(input), ...(rail ? [{ key: SA.Rail, value: rail }] : []), ...current];
}

/**
 * The `Rail` attribute: `bank`; `psp` for a payout paid through Stripe (every Stripe-era payout, and a routed one the
 * table sent to Stripe); `psp-<provider>` for a payout routed to another provider (`psp-adyen`). Stripe keeps `psp` so
 * that ops' saved queries (`Rail = 'psp'`) keep meaning exactly what they meant, recorded histories never change
 * value, and a Stripe payout costs no extra search-attribute upsert; every PSP payout is `Rail IN ('psp',
 * 'psp-adyen')` (or `Rail STARTS_WITH 'psp'`). A failover shows: the value follows the provider the payout is at.
 */
export function railAttribute(s: Pick<PayoutStatus, 'rail' | 'provider'>): string | undefined {
  if (!s.rail) return undefined;
  return s.rail === 'psp' && s.provider ? PROVIDER_RAIL[s.provider] : s.rail;
}

/**
 * The current details: state, amount and rail, the platform's notices (a PSP pause, retrying activities), who it waits
 * on, a hold, the last error, the rail reference.
 */
export function payoutDetails(s: Readonly<PayoutStatus>, notices: readonly string[] = []): string {
  const a = s.awaiting;
  const lines = [
    `**${s.state}** · payout ${s.payoutId} · ${formatMoney(s.amount)}${s.rail ? ` via ${railAttribute(s)}` : ''}${s.attempt > 1 ? ` · attempt ${s.attempt}` : ''}`,
    ...notices,
    a ? `Waiting on **${a.actor}** since ${a.since}${a.until ? ` until ${a.until}` : ''}: ${a.reason}` : undefined,
    s.held ? `On compliance hold since ${s.held.since}: ${s.held.reason}` : undefined,
    s.lastErrorCode ? `Last error: \`${s.lastErrorCode}\`` : undefined,
    s.railReference ? `Rail reference: ${s.railReference}` : undefined,
    s.netted ? `Netted against what the creator owed: ${formatMoney(s.netted)} (the rail is paid the rest)` : undefined,
  ];
  return lines.filter((l): l is string => l !== undefined).join('\n\n');
}

/** The value a payout completes with. */
export function payoutResult(s: Readonly<PayoutStatus>, state: CreatorPayoutResult['state']): CreatorPayoutResult {
  const { rail, railReference } = s;
  return {
    payoutId: s.payoutId,
    state,
    ...(rail ? { rail } : {}),
    attempts: s.attempt,
    ...(railReference ? { railReference } : {}),
  };
}
