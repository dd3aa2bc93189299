import { CancellationScope, patched, workflowInfo } from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import type { PayoutSlaFact } from '../shared/report-facts';
import type { PayoutStateName, Rail } from './contract';
import type { Payout } from './state';

/**
 * A payout's service-level fact, written once when it closes (paid and past its return window, failed, cancelled,
 * returned, or resolved by hand): the payout itself knows when it started, when it was paid, on which rail and
 * country, whom it waited on and why it failed or came back, so the fact costs one write and no read (visibility has
 * no room for rail and country, and the audit trail records only ops commands). Histories recorded before
 * `payout-sla-fact` write none.
 */

const DAY_MS = 86_400_000;
/** The time from start to paid each rail promises (the SLA a fact is judged against). */
export const SLA_MS: Record<Rail, number> = { psp: 2 * DAY_MS, bank: DAY_MS };

/** The activity that writes the fact (activities/payouts/service-level.ts). */
export interface ServiceLevelActivities {
  recordPayoutServiceLevel(fact: PayoutSlaFact): Promise<{ key: string }>;
}

const { mustBook } = activityProxies<ServiceLevelActivities>();

const OUTCOMES: Partial<Record<PayoutStateName, PayoutSlaFact['outcome']>> = {
  completed: 'paid',
  failed: 'failed',
  cancelled: 'cancelled',
  returned: 'returned',
};

/** The fact of a closed payout (undefined while it is not closed). Pure: call with workflow time. */
export function serviceLevelFact(p: Payout, startedMs: number, closedMs: number): PayoutSlaFact | undefined {
  const s = p.view();
  const resolved = s.resolution?.outcome;
  const outcome =
    s.state === 'resolved_manually'
      ? resolved === 'paid_elsewhere'
        ? 'paid'
        : resolved === 'partial_return'
          ? 'returned'
          : 'cancelled'
      : OUTCOMES[s.state];
  if (!outcome) return undefined;
  const rail = s.rail ?? 'none';
  const slaMs = s.rail ? SLA_MS[s.rail] : SLA_MS.psp;
  const paidMs = outcome === 'paid' ? p.paidAtMs : undefined;
  const startToPaidMs = paidMs !== undefined ? paidMs - startedMs : null;
  const closedAt = new Date(closedMs).toISOString();
  return {
    factId: p.workflowId,
    outcome,
    startedAt: new Date(startedMs).toISOString(),
    closedAt,
    day: closedAt.slice(0, 10),
    rail,
    country: p.country ?? 'unknown',
    currency: p.input.amount.currency,
    amountMinor: p.input.amount.amountMinor,
    startToPaidMs,
    slaMs,
    breached: startToPaidMs !== null ? startToPaidMs > slaMs : closedMs - startedMs > slaMs,
    waits: Object.entries(p.waits.snapshot()).map(([actor, ms]) => ({ actor, ms })),
    failureCode: outcome === 'failed' || outcome === 'cancelled' ? (s.lastErrorCode ?? null) : null,
    returnCode: p.returnCode ?? null,
  };
}

/** Writes the closed payout's fact (however the close came about: a cancellation cannot stop it). */
export async function recordServiceLevel(p: Payout): Promise<void> {
  if (!patched('payout-sla-fact')) return;
  const fact = serviceLevelFact(p, workflowInfo().startTime.getTime(), Date.now());
  if (fact) await CancellationScope.nonCancellable(() => mustBook.recordPayoutServiceLevel(fact));
}
