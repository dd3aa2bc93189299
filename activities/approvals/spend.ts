import type { CompensationBooking, SpendActivities } from '../../workflows/approvals/spend-facts';
import {
  COMPENSATION_ACCOUNTS,
  compensationExpenseAccount,
  compensationPostingId,
  factKey,
  type CompensationFact,
} from '../../workflows/shared/report-facts';
import type { LedgerLeg, NewPosting } from '../adapters/ledger/port';
import type { ActivityDeps } from '../deps';

/**
 * The ledger twin and the report fact of a compensation. Executed: one posting, the cost on `comp:expense:<reason>`
 * against each instrument's account. Failed after issuing: the issue and, for what the saga took back, its reverse,
 * so the expense nets to what was really given (a voucher whose void failed stays a cost and a liability).
 */
export function compensationPostings(b: CompensationBooking): NewPosting[] {
  const legsOf = (refund: number, credit: number, voucher: number, sign: 1 | -1): LedgerLeg[] => {
    const legs: LedgerLeg[] = [
      { account: COMPENSATION_ACCOUNTS.refund, amountMinor: -sign * refund },
      { account: COMPENSATION_ACCOUNTS.storeCredit, amountMinor: -sign * credit },
      { account: COMPENSATION_ACCOUNTS.voucher, amountMinor: -sign * voucher },
    ].filter((l) => l.amountMinor !== 0);
    return [
      { account: compensationExpenseAccount(b.reasonCode), amountMinor: sign * (refund + credit + voucher) },
      ...legs,
    ];
  };
  const base = { currency: b.currency, effectiveDate: b.effectiveDate, refs: { workflowId: b.workflowId } };
  const { refundMinor, storeCreditMinor, voucherMinor } = b.issued;
  const issue: NewPosting = {
    ...base,
    postingId: compensationPostingId(b.workflowId, b.outcome === 'executed' ? 'executed' : 'issued'),
    description: `compensation ${b.outcome === 'executed' ? 'executed' : 'issued'} (${b.reasonCode})`,
    legs: legsOf(refundMinor, storeCreditMinor, voucherMinor, 1),
  };
  const { storeCreditMinor: c, voucherMinor: v } = b.undone;
  if (c + v === 0) return [issue];
  const undo: NewPosting = {
    ...base,
    postingId: compensationPostingId(b.workflowId, 'undone'),
    description: `compensation undone after a failure (${b.reasonCode})`,
    legs: legsOf(0, c, v, -1),
  };
  return [issue, undo];
}

/** The fact reports read, from the booking and its postings. */
export function compensationFact(b: CompensationBooking, postings: NewPosting[]): CompensationFact {
  const { refundMinor, storeCreditMinor, voucherMinor } = b.issued;
  const totalMinor = refundMinor + storeCreditMinor + voucherMinor;
  const undoneMinor = b.undone.storeCreditMinor + b.undone.voucherMinor;
  return {
    factId: b.workflowId,
    outcome: b.outcome,
    at: b.at,
    day: b.at.slice(0, 10),
    requestId: b.requestId,
    orderId: b.orderId,
    customerId: b.customerId,
    reasonCode: b.reasonCode,
    agentId: b.agentId,
    agentRole: b.agentRole,
    team: b.team ?? null,
    approvers: b.approvers,
    tier: b.tier,
    autoApproved: b.autoApproved,
    policyVersion: b.policyVersion,
    currency: b.currency,
    refundMinor,
    storeCreditMinor,
    voucherMinor,
    totalMinor,
    undoneMinor,
    undoneStoreCreditMinor: b.undone.storeCreditMinor,
    undoneVoucherMinor: b.undone.voucherMinor,
    netMinor: totalMinor - undoneMinor,
    postingIds: postings.map((p) => p.postingId),
  };
}

export function createSpendActivities(deps: ActivityDeps) {
  return {
    /** Posts first (a posting ID posts once), then writes the fact (a put of the same key replaces it). */
    async bookCompensation(b) {
      const postings = compensationPostings(b);
      for (const p of postings) await deps.ledger.post(p);
      const fact = compensationFact(b, postings);
      const key = factKey('compensation', fact.day, fact.factId);
      await deps.reports.put(key, `${JSON.stringify(fact)}\n`, 'application/x-ndjson');
      return { postingIds: fact.postingIds, factKey: key };
    },
  } satisfies SpendActivities;
}
