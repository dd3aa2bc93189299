import type { RequestFacts, Route } from '../../workflows/approvals/contract';
import { APPROVAL_POLICIES } from '../../workflows/approvals/policies';
import {
  checkAmendment,
  checkDecision,
  evaluateRequest,
  type DecisionContext,
  type FinanceDecision,
} from '../../workflows/approvals/policy';
import { alternativeRemedies, impossibleRefund, planAlternative } from '../../workflows/approvals/refund-alternative';

const policy = APPROVAL_POLICIES['2025-06.1'];
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  orderCustomerId: 'cus-1',
  captured: { amountMinor: 1_000_000, currency: 'EUR' },
  refundedMinor: 0,
  priorClaims: 0,
  disputeOpened: false,
  agentSpentTodayMinor: 0,
  ...over,
});
const request = { customerId: 'cus-1', currency: 'EUR' as const };

describe('impossible refund: which PSP answers make a refund impossible', () => {
  test('when the PSP refuses because the charge is too old, then the refund is impossible with its code and request ID', () => {
    const details = { provider: 'stripe', code: 'charge_expired_for_refund', requestId: 'req_1', statusCode: 400 };
    expect(impossibleRefund({ type: 'ProviderPermanent', details })).toEqual({
      provider: 'stripe',
      code: 'charge_expired_for_refund',
      requestId: 'req_1',
      failureType: 'ProviderPermanent',
    });
  });

  test('when the charge was charged back, then the refund is impossible', () => {
    const details = { provider: 'stripe', code: 'charge_disputed', requestId: 'req_2' };
    expect(impossibleRefund({ type: 'ProviderPermanent', details })).toMatchObject({ code: 'charge_disputed' });
  });

  test('when the payment method declines the refund, then it is impossible under the decline code', () => {
    const details = { provider: 'stripe', code: 'card_declined', declineCode: 'expired_card', requestId: 'req_3' };
    expect(impossibleRefund({ type: 'Declined', details })).toMatchObject({
      code: 'expired_card',
      failureType: 'Declined',
    });
    // A refund the PSP created and failed at once: its status is the code, and it has no request ID.
    expect(impossibleRefund({ type: 'Declined', details: { refundId: 're_1', status: 'failed' } })).toEqual({
      provider: 'psp',
      code: 'failed',
      failureType: 'Declined',
    });
  });

  test('when the PSP refuses for a reason about the request or the order, then it is not an impossible refund', () => {
    for (const [type, code] of [
      ['Conflict', 'charge_already_refunded'],
      ['Conflict', 'amount_too_large'],
      ['ProviderPermanent', 'resource_missing'],
      ['ProviderPermanent', undefined],
      ['PolicyViolation', 'refund_exceeds_captured'],
      ['ProviderTransientError', 'PSP_UNAVAILABLE'],
      [undefined, undefined],
    ] as const)
      expect(impossibleRefund({ type, details: code ? { code } : undefined })).toBeUndefined();
  });
});

describe('impossible refund: the alternative under the approval policy', () => {
  test('when a refund is moved to store credit, then the total stays and the voucher is kept', () => {
    expect(alternativeRemedies({ refundMinor: 1_000, storeCreditMinor: 500, voucherMinor: 200 })).toEqual({
      storeCreditMinor: 1_500,
      voucherMinor: 200,
    });
    expect(alternativeRemedies({ refundMinor: 1_000, storeCreditMinor: 0, voucherMinor: 0 })).toEqual({
      storeCreditMinor: 1_000,
    });
  });

  test('when the alternative is under the auto-approval threshold and nothing is flagged, then it is auto-approved', () => {
    const plan = planAlternative(policy, request, facts(), {
      refundMinor: 2_000,
      storeCreditMinor: 0,
      voucherMinor: 0,
    });
    expect(plan).toMatchObject({
      kind: 'auto_approve',
      remedies: { refundMinor: 0, storeCreditMinor: 2_000, voucherMinor: 0 },
    });
  });

  test('when the alternative is above the threshold, then it needs the tier its amount asks for', () => {
    const plan = planAlternative(policy, request, facts(), {
      refundMinor: 60_000,
      storeCreditMinor: 0,
      voucherMinor: 0,
    });
    expect(plan).toMatchObject({
      kind: 'needs_approval',
      route: { tier: 'finance_manager', minRole: 'finance_manager', approvalsRequired: 1 },
      remedies: { refundMinor: 0, storeCreditMinor: 60_000 },
    });
  });

  test('when a dispute opened on the order meanwhile, then even a small alternative goes to finance one tier up', () => {
    const plan = planAlternative(policy, request, facts({ disputeOpened: true }), {
      refundMinor: 1_000,
      storeCreditMinor: 0,
      voucherMinor: 0,
    });
    expect(plan).toMatchObject({ kind: 'needs_approval', flags: ['dispute_open'], route: { tier: 'finance_manager' } });
  });

  test('when the agent spent their day meanwhile, then the alternative is flagged and not auto-approved', () => {
    const plan = planAlternative(policy, request, facts({ agentSpentTodayMinor: 19_500 }), {
      refundMinor: 1_000,
      storeCreditMinor: 0,
      voucherMinor: 0,
    });
    expect(plan).toMatchObject({ kind: 'needs_approval', flags: ['agent_budget_exceeded'] });
  });

  test('when the alternative is above every limit, then the policy rejects it', () => {
    const plan = planAlternative(policy, request, facts({ captured: { amountMinor: 20_000_000, currency: 'EUR' } }), {
      refundMinor: 20_000_000,
      storeCreditMinor: 0,
      voucherMinor: 0,
    });
    expect(plan).toMatchObject({ kind: 'reject', code: 'above_all_limits' });
  });
});

describe('impossible refund: a decision must name the alternative it decides on', () => {
  const route: Route = { tierIndex: 0, tier: 'finance', minRole: 'finance_approver', approvalsRequired: 1 };
  const alternative = { refundMinor: 0, storeCreditMinor: 10_000, voucherMinor: 0 };
  const ctx = (over: Partial<DecisionContext> = {}): DecisionContext => ({
    status: 'pending',
    requesterId: 'agent-1',
    route,
    totalMinor: 10_000,
    currency: 'EUR',
    approvedBy: [],
    remedies: alternative,
    alternative: true,
    ...over,
  });
  const d = (over: Partial<FinanceDecision> = {}): FinanceDecision => ({
    kind: 'approve',
    approverId: 'fin-1',
    role: 'finance_approver',
    amount: { amountMinor: 10_000, currency: 'EUR' },
    ...over,
  });

  test('when a decision for the same total names no remedies while an alternative waits, then it is refused', () => {
    expect(checkDecision(policy, ctx(), d())).toMatchObject({ code: 'remedies_changed' });
    expect(checkDecision(policy, ctx(), d({ kind: 'reject' }))).toMatchObject({ code: 'remedies_changed' });
  });

  test('when a decision names the original refund, then it is refused for the alternative', () => {
    const original = { refundMinor: 10_000, storeCreditMinor: 0, voucherMinor: 0 };
    expect(checkDecision(policy, ctx(), d({ remedies: original }))).toMatchObject({ code: 'remedies_changed' });
  });

  test('when a decision names the alternative shown, then it counts', () => {
    expect(checkDecision(policy, ctx(), d({ remedies: alternative }))).toBeUndefined();
  });

  test('when no alternative waits, then a decision without remedies counts as before', () => {
    expect(checkDecision(policy, ctx({ alternative: false }), d())).toBeUndefined();
    expect(checkDecision(policy, ctx({ alternative: undefined, remedies: undefined }), d())).toBeUndefined();
  });
});

describe('impossible refund: no amendment while the alternative waits', () => {
  test('when the requester amends while finance decides on the alternative, then it is refused as already decided', () => {
    const plan = evaluateRequest(policy, { ...request, remedies: { storeCreditMinor: 1_000 } }, facts());
    expect(checkAmendment('pending', plan, true)).toMatchObject({ code: 'already_decided' });
    expect(checkAmendment('pending', plan, false)).toBeUndefined();
  });
});
