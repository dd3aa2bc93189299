import type { RequestFacts, Route } from '../../workflows/approvals/contract';
import {
  APPROVAL_POLICIES,
  approvalPolicySchema,
  POLICY_EFFECTIVE_FROM,
  policyVersionAt,
} from '../../workflows/approvals/policies';
import {
  checkAmender,
  checkAmendment,
  checkDecision,
  evaluateRequest,
  handOff,
  tally,
  type DecisionContext,
  type FinanceDecision,
} from '../../workflows/approvals/policy';

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
const request = (remedies: Parameters<typeof evaluateRequest>[1]['remedies']) => ({
  customerId: 'cus-1',
  currency: 'EUR' as const,
  remedies,
});

describe('approval policy: routing a request', () => {
  test('when the total is under the auto-approval threshold and nothing is flagged, then it is auto-approved', () => {
    const plan = evaluateRequest(policy, request({ storeCreditMinor: 1_000, voucherMinor: 1_500 }), facts());
    expect(plan).toMatchObject({
      kind: 'auto_approve',
      remedies: { refundMinor: 0, storeCreditMinor: 1_000, voucherMinor: 1_500 },
      flags: [],
    });
  });

  test('when the total is just above the threshold, then one finance approver is needed', () => {
    const plan = evaluateRequest(policy, request({ refund: { kind: 'partial', amountMinor: 2_501 } }), facts());
    expect(plan).toMatchObject({
      kind: 'needs_approval',
      route: { tier: 'finance', minRole: 'finance_approver', approvalsRequired: 1 },
    });
  });

  test('when the total is above the finance limit, then a finance manager is needed, and above the manager tier two approvers', () => {
    expect(evaluateRequest(policy, request({ storeCreditMinor: 60_000 }), facts())).toMatchObject({
      route: { tier: 'finance_manager', minRole: 'finance_manager', approvalsRequired: 1 },
    });
    expect(
      evaluateRequest(policy, request({ refund: { kind: 'partial', amountMinor: 300_000 } }), facts()),
    ).toMatchObject({
      route: { tier: 'dual_control', minRole: 'finance_manager', approvalsRequired: 2 },
    });
  });

  test('when a full refund is asked, then it resolves to what was captured and not yet refunded', () => {
    const plan = evaluateRequest(
      policy,
      request({ refund: { kind: 'full' } }),
      facts({ captured: { amountMinor: 40_000, currency: 'EUR' }, refundedMinor: 10_000 }),
    );
    expect(plan.remedies.refundMinor).toBe(30_000);
    expect(plan).toMatchObject({ kind: 'needs_approval', route: { tier: 'finance' } });
  });

  test('when the refund exceeds the captured amount minus earlier refunds, then the policy rejects it', () => {
    const plan = evaluateRequest(
      policy,
      request({ refund: { kind: 'partial', amountMinor: 5_001 } }),
      facts({ captured: { amountMinor: 10_000, currency: 'EUR' }, refundedMinor: 5_000 }),
    );
    expect(plan).toMatchObject({ kind: 'reject', code: 'refund_exceeds_captured' });
  });

  test('when the order is already fully refunded and a full refund is asked, then the policy rejects it', () => {
    const plan = evaluateRequest(
      policy,
      request({ refund: { kind: 'full' } }),
      facts({ captured: { amountMinor: 10_000, currency: 'EUR' }, refundedMinor: 10_000 }),
    );
    expect(plan).toMatchObject({ kind: 'reject', code: 'nothing_left_to_refund' });
  });

  test('when the currency or the customer does not match the order, or the policy has no thresholds for it, then it is rejected', () => {
    expect(evaluateRequest(policy, { ...request({ storeCreditMinor: 100 }), currency: 'USD' }, facts())).toMatchObject({
      code: 'currency_mismatch',
    });
    expect(
      evaluateRequest(policy, { ...request({ storeCreditMinor: 100 }), customerId: 'cus-2' }, facts()),
    ).toMatchObject({ code: 'customer_mismatch' });
    expect(
      evaluateRequest(
        policy,
        { ...request({ storeCreditMinor: 100 }), currency: 'JPY' },
        facts({ captured: { amountMinor: 100, currency: 'JPY' } }),
      ),
    ).toMatchObject({ code: 'currency_not_covered' });
  });

  test('when the order has an open dispute, then the request is flagged and climbs one tier', () => {
    const plan = evaluateRequest(policy, request({ storeCreditMinor: 1_000 }), facts({ disputeOpened: true }));
    expect(plan).toMatchObject({
      kind: 'needs_approval',
      flags: ['dispute_open'],
      route: { tier: 'finance_manager', minRole: 'finance_manager' },
    });
  });

  test('when the order was claimed before, then the request is flagged and not auto-approved', () => {
    const plan = evaluateRequest(policy, request({ storeCreditMinor: 1_000 }), facts({ priorClaims: 1 }));
    expect(plan).toMatchObject({ kind: 'needs_approval', flags: ['repeat_claim'], route: { tier: 'finance' } });
    expect(
      evaluateRequest(APPROVAL_POLICIES['2025-09.1'], request({ storeCreditMinor: 1_000 }), facts({ priorClaims: 1 })),
    ).toMatchObject({ route: { tier: 'finance_manager' } });
  });

  test("when the agent's daily budget would be exceeded, then even a small request needs a person", () => {
    const plan = evaluateRequest(policy, request({ voucherMinor: 1_000 }), facts({ agentSpentTodayMinor: 19_500 }));
    expect(plan).toMatchObject({
      kind: 'needs_approval',
      flags: ['agent_budget_exceeded'],
      route: { tier: 'finance' },
    });
  });

  test('when no role may approve the amount, then the policy rejects it up front', () => {
    const plan = evaluateRequest(policy, request({ storeCreditMinor: 20_000_000 }), facts());
    expect(plan).toMatchObject({ kind: 'reject', code: 'above_all_limits' });
  });
});

describe('approval policy: finance decisions', () => {
  const route: Route = { tierIndex: 0, tier: 'finance', minRole: 'finance_approver', approvalsRequired: 1 };
  const ctx = (over: Partial<DecisionContext> = {}): DecisionContext => ({
    status: 'pending',
    requesterId: 'agent-1',
    route,
    totalMinor: 10_000,
    currency: 'EUR',
    approvedBy: [],
    ...over,
  });
  const d = (over: Partial<FinanceDecision> = {}): FinanceDecision => ({
    kind: 'approve',
    approverId: 'fin-1',
    role: 'finance_approver',
    amount: { amountMinor: 10_000, currency: 'EUR' },
    ...over,
  });

  test('when a finance approver approves within their limit, then it counts', () => {
    expect(checkDecision(policy, ctx(), d())).toBeUndefined();
  });

  test('when the requester approves their own request, then it is refused', () => {
    expect(checkDecision(policy, ctx(), d({ approverId: 'agent-1', role: 'finance_manager' }))).toMatchObject({
      code: 'self_approval',
    });
  });

  test('when the role is below the tier, then it is refused', () => {
    expect(checkDecision(policy, ctx(), d({ role: 'cs_lead' }))).toMatchObject({ code: 'role_below_tier' });
  });

  test('when the amount is above the approver role limit, then it is refused', () => {
    const high = { ...route, tier: 'finance', minRole: 'finance_approver' as const };
    expect(
      checkDecision(
        policy,
        ctx({ route: high, totalMinor: 60_000 }),
        d({ amount: { amountMinor: 60_000, currency: 'EUR' } }),
      ),
    ).toMatchObject({ code: 'over_role_limit' });
  });

  test('when the same approver votes twice, then the second vote is refused', () => {
    expect(checkDecision(policy, ctx({ approvedBy: ['fin-1'] }), d())).toMatchObject({ code: 'duplicate_vote' });
  });

  test('when the decision carries an amount the request no longer has, then it is refused', () => {
    expect(checkDecision(policy, ctx(), d({ amount: { amountMinor: 9_000, currency: 'EUR' } }))).toMatchObject({
      code: 'amount_changed',
    });
  });

  test('when the request is decided or expired, then further decisions are refused', () => {
    expect(checkDecision(policy, ctx({ status: 'approved' }), d())).toMatchObject({ code: 'already_decided' });
    expect(checkDecision(policy, ctx({ status: 'expired' }), d())).toMatchObject({ code: 'expired' });
  });

  test('when the request is still being evaluated, then only what is known is checked', () => {
    expect(
      checkDecision(policy, ctx({ status: 'evaluating', route: undefined }), d({ role: 'cs_agent' }), true),
    ).toBeUndefined();
    expect(
      checkDecision(policy, ctx({ status: 'evaluating', route: undefined }), d({ approverId: 'agent-1' }), true),
    ).toMatchObject({ code: 'self_approval' });
  });

  test('when two different approvers approve at dual control, then it is approved; one rejection ends it', () => {
    const dual: Route = { tierIndex: 2, tier: 'dual_control', minRole: 'finance_manager', approvalsRequired: 2 };
    expect(tally(dual, ['m-1'], false)).toBe('pending');
    expect(tally(dual, ['m-1', 'm-2'], false)).toBe('approved');
    expect(tally(dual, ['m-1'], true)).toBe('rejected');
  });

  test('when a request is handed off, then the next tier is never weaker, and the top has nowhere to go', () => {
    const dual: Route = { tierIndex: 2, tier: 'dual_control', minRole: 'finance_manager', approvalsRequired: 2 };
    expect(handOff(policy, route)).toEqual({
      tierIndex: 1,
      tier: 'finance_manager',
      minRole: 'finance_manager',
      approvalsRequired: 1,
    });
    expect(handOff(policy, dual)).toEqual({
      tierIndex: 3,
      tier: 'director',
      minRole: 'finance_director',
      approvalsRequired: 2,
    });
    expect(handOff(policy, { ...dual, tierIndex: 3 })).toBeUndefined();
  });
});

describe('approval policy: configuration', () => {
  test('when escalation marks are out of order or no tier is open-ended, then the config is refused with the field named', () => {
    const base = structuredClone(APPROVAL_POLICIES['2025-06.1']);
    const bad = approvalPolicySchema.safeParse({
      ...base,
      escalation: { ...base.escalation, remindAfterMs: base.escalation.expireAfterMs },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['escalation']);
    const closed = approvalPolicySchema.safeParse({ ...base, tiers: base.tiers.map((t) => ({ ...t, upToMinor: 1 })) });
    expect(closed.error?.issues[0]?.message).toMatch(/upToMinor: null/);
  });

  test('when every published version is parsed again, then it is valid and records its own version', () => {
    for (const [version, p] of Object.entries(APPROVAL_POLICIES)) {
      expect(approvalPolicySchema.parse(p).version).toBe(version);
    }
  });

  test('when a newer version takes effect, then requests started from that moment get it and earlier ones the older', () => {
    const table = { '2025-06.1': '2025-06-01T00:00:00Z', '2025-09.1': '2025-09-15T00:00:00Z' } as const;
    expect(policyVersionAt(Date.parse('2025-09-14T23:59:59Z'), table)).toBe('2025-06.1');
    expect(policyVersionAt(Date.parse('2025-09-15T00:00:00Z'), table)).toBe('2025-09.1');
    expect(() => policyVersionAt(Date.parse('2025-05-01T00:00:00Z'), table)).toThrow(/no approval policy/);
  });

  test('when a version has no effective date, then it is never in effect (published, not rolled out)', () => {
    expect(POLICY_EFFECTIVE_FROM['2025-09.1']).toBeNull();
    expect(policyVersionAt(Date.parse('2030-01-01T00:00:00Z'))).toBe('2025-06.1');
  });
});

describe('approvals policy: amendments', () => {
  test('when someone other than the requester (any spelling aside) amends, then not_requester', () => {
    expect(checkAmender('Cs.Alice', 'cs.alice')).toBeUndefined();
    expect(checkAmender('cs.alice', 'cs.bob')).toEqual({
      code: 'not_requester',
      message: 'not_requester: only the requester may amend the request',
    });
  });

  test('when the request no longer waits, then already_decided; when the amended plan is rejected, then its code', () => {
    const plan = evaluateRequest(policy, request({ storeCreditMinor: 1_000 }), facts());
    expect(checkAmendment('approved', plan)).toEqual({
      code: 'already_decided',
      message: 'already_decided: the request is approved',
    });
    expect(checkAmendment('pending', undefined)).toMatchObject({ code: 'already_decided' });
    expect(checkAmendment('pending', plan)).toBeUndefined();
    const rejected = evaluateRequest(policy, request({ refund: { kind: 'partial', amountMinor: 2_000_000 } }), facts());
    expect(checkAmendment('pending', rejected)).toMatchObject({
      code: 'refund_exceeds_captured',
      message: expect.stringMatching(/^refund_exceeds_captured: refund of 2000000 exceeds/),
    });
  });
});
