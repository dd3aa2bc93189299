import type { Currency } from '../shared/money';
import { RECON_RULES, RECON_RULE_VERSIONS } from '../recon/contract';
import { digestId } from '../recon/ids';
import {
  BREAK_OBSERVED,
  RECON_BREAK_WORKFLOW,
  breakWorkflowId,
  type BreakFacts,
  type BreakObserved,
  type ReconBreakInput,
} from './contract';

/**
 * A rail event for a payout that has closed (a bank return after the payout completed, a Stripe reversal, an Adyen
 * return or failure after booking) becomes owned work: a
 * `reconBreak` of class `unexpected_external` (hint `late_return`), opened by the webhook ingress at once instead of
 * only a parked audit record. A return is keyed by its transfer's EndToEndId and amount (`breakWorkflowId`), so the
 * day run that later finds the same return on the camt.053 statement signals the same break instead of opening a
 * second one. The event is not believed: the break books the money back only after the bank lists the return.
 */

/**
 * The reconciliation accounts rail events land on (the day run's configuration names the same IDs): Stripe's platform
 * balance, and Adyen's balance account under the account ID docs/reconciliation.md configures it with (`psp-adyen`,
 * the rail name its ledger postings carry).
 */
export const RAIL_EVENT_ACCOUNTS = { bank: 'bank-main', psp: 'psp-platform', 'psp-adyen': 'psp-adyen' } as const;

export interface LateRailEvent {
  /** The rail as the ledger names it (`refs.rail`): `psp` is Stripe, `psp-adyen` Adyen. */
  rail: keyof typeof RAIL_EVENT_ACCOUNTS;
  /** The provider's event ID (per booking for a bank file): one break observation per event. */
  providerEventId: string;
  /** The closed workflow the event was meant for. */
  workflowId: string;
  kind: 'returned' | 'failed';
  /** What came back (returned) or the transfer's amount, in minor units, with its currency when the event says it. */
  amountMinor: number;
  currency: Currency;
  endToEndId?: string;
  railRef?: string;
  reasonCode?: string;
  /** When the ingress received it (ms). */
  atMs: number;
}

/** How the break's reason names the rail (unchanged for the bank and Stripe: their breaks' reasons stay as they were). */
const RAIL_NAMES: Record<LateRailEvent['rail'], string> = { bank: 'bank', psp: 'psp', 'psp-adyen': 'Adyen' };

/** The break facts of a late rail event, due by the current rule set's `unexpected_external` SLA. */
export function lateEventFacts(e: LateRailEvent): BreakFacts {
  const version = RECON_RULE_VERSIONS[RECON_RULE_VERSIONS.length - 1] as (typeof RECON_RULE_VERSIONS)[number];
  const rules = RECON_RULES[version];
  // Seen from the account: money coming back (a return, a failed transfer) is a credit the ledger did not expect.
  return {
    breakId: digestId(['rail_event', e.rail, e.providerEventId]),
    class: 'unexpected_external',
    accountId: RAIL_EVENT_ACCOUNTS[e.rail],
    businessDate: new Date(e.atMs).toISOString().slice(0, 10),
    amountMinor: e.amountMinor,
    currency: e.currency,
    lineIds: [],
    itemIds: [],
    reason: `a ${RAIL_NAMES[e.rail]} ${e.kind === 'returned' ? 'return' : 'failure'} arrived after its payout closed`,
    hint: e.kind === 'returned' ? 'late_return' : 'late_failure',
    dueAtMs: e.atMs + Math.round(rules.slaHours.unexpected_external * 3_600_000),
    ruleVersion: rules.version,
    refs: {
      workflowId: e.workflowId,
      ...(e.endToEndId ? { endToEndId: e.endToEndId } : {}),
      ...(e.railRef ? { railRef: e.railRef } : {}),
      ...(e.reasonCode ? { returnReason: e.reasonCode } : {}),
    },
  };
}

/** The signalWithStart that hands a late rail event to its break. */
export function lateEventOwner(e: LateRailEvent): {
  workflowType: string;
  workflowId: string;
  args: [ReconBreakInput];
  signal: string;
  signalArgs: [BreakObserved];
} {
  const facts = lateEventFacts(e);
  return {
    workflowType: RECON_BREAK_WORKFLOW,
    workflowId: breakWorkflowId(facts),
    args: [{ facts, source: 'rail_event' }],
    signal: BREAK_OBSERVED,
    signalArgs: [{ source: 'rail_event', facts }],
  };
}
