import { ClientInputError } from '../../client/errors';
import { compensationsListQuery, decideCompensation, startCompensation } from '../../client/approvals';
import {
  approvalRefusals,
  compensationRequestSchema,
  financeDecisionSchema,
  refused,
} from '../../workflows/approvals/contract';
import { FailureType, refuseWith } from '../../workflows/shared/failures';
import { staffRefusals } from '../../workflows/shared/verified-staff';
import type { Client } from '@temporalio/client';

const valid = {
  requestId: 'req-1',
  orderId: 'ord-1',
  customerId: 'cus-1',
  requester: { agentId: 'agent-1', role: 'cs_agent' },
  reasonCode: 'late_delivery',
  currency: 'EUR',
  remedies: { storeCreditMinor: 1_000 },
};
/** A client that must never be reached: bad input is refused before any call. */
const unreachable = new Proxy(
  {},
  {
    get: () => {
      throw new Error('the client must not be used');
    },
  },
) as Client;

describe('compensation contract: input validation', () => {
  test('when a request leaves the policy version out, then none is filled in (the workflow decides it at the start)', () => {
    expect(compensationRequestSchema.parse(valid).policyVersion).toBeUndefined();
  });

  test('when a request names an unknown policy version, then the field is named', () => {
    const r = compensationRequestSchema.safeParse({ ...valid, policyVersion: '2024-01.1' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['policyVersion']);
    expect(r.error?.issues[0]?.message).toContain('leave it out');
  });

  test('when amounts are fractional, negative or missing, then each bad field is named', async () => {
    const bad = { ...valid, currency: 'XXX', remedies: { storeCreditMinor: 10.5, voucherMinor: -1 } };
    const err = await startCompensation(unreachable, bad as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientInputError);
    const paths = (err as ClientInputError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['currency', 'remedies.storeCreditMinor', 'remedies.voucherMinor']));
    expect((err as ClientInputError).message).toMatch(/whole number of minor units/);
  });

  test('when nothing is asked for, then the request says what is missing', () => {
    const r = compensationRequestSchema.safeParse({ ...valid, remedies: {} });
    expect(r.error?.issues[0]?.message).toBe('ask for at least one of refund, storeCreditMinor, voucherMinor');
  });

  test('when an ID looks like an email, then it is refused without echoing it', () => {
    const r = compensationRequestSchema.safeParse({ ...valid, customerId: 'jane@example.com' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).not.toContain('jane@example.com');
  });

  test('when a decision has no reason, an unknown role or no amount, then it is refused before reaching Temporal', async () => {
    const err = await decideCompensation(unreachable, 'req-1', 'approve', {
      sign: async () => 'never-signed',
      approverId: 'fin-1',
      role: 'boss',
      reason: '',
    } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientInputError);
    expect((err as ClientInputError).issues.map((i) => i.path)).toEqual(['role', 'reason', 'amount']);
    expect(
      financeDecisionSchema.safeParse({
        approverId: 'fin-1',
        role: 'finance_approver',
        reason: 'ok fine',
        amount: { amountMinor: 1, currency: 'EUR' },
      }).success,
    ).toBe(true);
  });

  test('when a command has no signer, then the typed client refuses it naming the field; a garbage assertion names requester.token', async () => {
    const { requester: _, ...noRequester } = valid;
    const err = await startCompensation(unreachable, { ...noRequester, requester: {} } as never).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClientInputError);
    expect((err as ClientInputError).issues.map((i) => i.path)).toEqual(['sign']);
    const garbage = await startCompensation(unreachable, {
      ...noRequester,
      requester: {},
      sign: async () => 'not-a-jwt',
    } as never).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(ClientInputError);
    expect((garbage as ClientInputError).message).toBe(
      'invalid compensation request: requester.token: not a staff token (JWT)',
    );
    expect((garbage as ClientInputError).message).not.toContain('not-a-jwt');
  });

  test('when a staff ID has a dot (fin.carol), then it is a valid agentId / approverId', () => {
    const r = compensationRequestSchema.safeParse({ ...valid, requester: { agentId: 'Cs.Alice', role: 'cs_agent' } });
    expect(r.success).toBe(true);
  });

  test('when the finance list is built, then it filters by workflow type, state and tier', () => {
    expect(compensationsListQuery()).toBe(`WorkflowType = 'compensationApproval' AND ApprovalState = 'pending'`);
    expect(compensationsListQuery({ tier: 'dual_control' })).toContain(`AwaitingTier = 'dual_control'`);
  });
});

describe('approvals refusal table: every code a command refuses with, its failure type and summary', () => {
  test('when a decision or plan is refused, then its failure type is the one callers have always branched on', () => {
    const types = Object.fromEntries(Object.entries(approvalRefusals).map(([code, r]) => [code, r.type]));
    expect(types).toMatchObject({
      self_approval: FailureType.PolicyViolation,
      role_below_tier: FailureType.PolicyViolation,
      over_role_limit: FailureType.PolicyViolation,
      duplicate_vote: FailureType.Conflict,
      amount_changed: FailureType.Conflict,
      already_decided: FailureType.Conflict,
      not_open: FailureType.Conflict,
      expired: FailureType.Expired,
      not_requester: FailureType.PolicyViolation,
      invalid_input: FailureType.InvalidInput,
      policy_not_in_effect: FailureType.InvalidInput,
      currency_not_covered: FailureType.PolicyViolation,
      currency_mismatch: FailureType.PolicyViolation,
      customer_mismatch: FailureType.PolicyViolation,
      nothing_left_to_refund: FailureType.PolicyViolation,
      refund_exceeds_captured: FailureType.PolicyViolation,
      above_all_limits: FailureType.PolicyViolation,
    });
  });

  test('when the staff check refuses, then its codes come from the one shared table (Unauthorized), not a copy', () => {
    for (const [code, rule] of Object.entries(staffRefusals)) {
      expect(approvalRefusals[code as keyof typeof approvalRefusals]).toBe(rule);
      expect(rule.type).toBe(FailureType.Unauthorized);
    }
  });

  test('when a refusal is thrown, then it reads `<code>: <detail>` with the code in details and the table type', () => {
    const err = refuseWith(approvalRefusals, refused('duplicate_vote', 'this approver has already approved'));
    expect(err).toMatchObject({
      type: 'Conflict',
      message: 'duplicate_vote: this approver has already approved',
      nonRetryable: true,
      details: [{ code: 'duplicate_vote' }],
    });
  });

  test('when the table is read, then every code has a summary for people', () => {
    for (const rule of Object.values(approvalRefusals)) expect(rule.summary.length).toBeGreaterThan(10);
  });
});
