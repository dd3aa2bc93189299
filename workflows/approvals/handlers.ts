import { condition, setHandler } from '@temporalio/workflow';
import type { ApplicationFailure } from '@temporalio/common';
import { failure, FailureType } from '../shared/failures';
import { describeZodError } from '../shared/parse';
import {
  checkDecision,
  evaluateRequest,
  tally,
  type DecisionCheck,
  type DecisionRejectCode,
  type FinanceDecision,
} from './approval-policy';
import type { ApprovalCase } from './approval-case';
import {
  amendCompensationSchema,
  amendCompensationUpdate,
  approveCompensationSignal,
  approveCompensationUpdate,
  financeDecisionSchema,
  getCompensationStatusQuery,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type DecisionOutcome,
  type DecisionRecord,
  type FinanceDecisionInput,
} from './contract';

/** How a refused decision surfaces to an update caller: the failure type says the family, `details.code` the rule. */
const FAILURE_OF: Record<DecisionRejectCode, FailureType> = {
  self_approval: FailureType.PolicyViolation,
  role_below_tier: FailureType.PolicyViolation,
  over_role_limit: FailureType.PolicyViolation,
  duplicate_vote: FailureType.Conflict,
  amount_changed: FailureType.Conflict,
  already_decided: FailureType.Conflict,
  not_open: FailureType.Conflict,
  expired: FailureType.Expired,
};

export function refusal(check: Extract<DecisionCheck, { ok: false }>): ApplicationFailure {
  return failure(FAILURE_OF[check.code], `${check.code}: ${check.message}`, { code: check.code });
}

type Kind = FinanceDecision['kind'];
const asDecision = (kind: Kind, d: FinanceDecisionInput): FinanceDecision => ({
  kind,
  approverId: d.approverId,
  role: d.role,
  amount: d.amount,
});

/**
 * Registers the query, signals and updates (before the workflow's first await). Decisions that arrive while the
 * request is still being evaluated wait inside their handler and are checked once the wait begins, so none is lost.
 * `audit` appends a record outside history.
 */
export function registerApprovalHandlers(c: ApprovalCase, audit: (r: DecisionRecord) => Promise<unknown>): void {
  setHandler(getCompensationStatusQuery, () => c.view());

  const outcome = (record: DecisionRecord): DecisionOutcome => ({
    seq: record.seq,
    status: c.status,
    approvalsReceived: c.approvals.length,
    approvalsRequired: c.route?.approvalsRequired ?? 0,
    policyVersion: c.request.policyVersion,
  });

  /** Applies a parsed decision; a refused one is logged and audited and changes nothing. */
  const decide = async (
    kind: Kind,
    d: FinanceDecisionInput,
    via: 'signal' | 'update',
  ): Promise<{ check: DecisionCheck; result: DecisionOutcome }> => {
    await condition(() => c.status !== 'evaluating');
    const check = checkDecision(c.policy, c.context(), asDecision(kind, d));
    const record = c.log({
      actorId: d.approverId,
      role: d.role,
      decision: kind,
      via,
      reason: d.reason,
      accepted: check.ok,
      ...(check.ok ? {} : { refusal: check.code }),
    });
    if (check.ok && c.route) {
      if (kind === 'approve') c.approvals.push({ approverId: d.approverId, role: d.role });
      const next = tally(
        c.route,
        c.approvals.map((a) => a.approverId),
        kind === 'reject',
      );
      if (next !== 'pending') c.status = next;
    }
    // Taken before the audit write: by then the workflow may already be carrying the decision out.
    const result = outcome(record);
    await audit(record);
    return { check, result };
  };

  for (const [signal, kind] of [
    [approveCompensationSignal, 'approve'],
    [rejectCompensationSignal, 'reject'],
  ] as const) {
    setHandler(signal, async (raw) => {
      const parsed = financeDecisionSchema.safeParse(raw);
      if (!parsed.success) {
        // A signal cannot be refused at the door: keep the attempt visible, without echoing unchecked input.
        await audit(
          c.log({
            actorId: 'unparseable',
            role: 'policy',
            decision: kind,
            via: 'signal',
            reason: `invalid input: ${describeZodError(parsed.error)}`.slice(0, 280),
            accepted: false,
            refusal: 'invalid_input',
          }),
        );
        return;
      }
      await decide(kind, parsed.data, 'signal');
    });
  }

  for (const [update, kind] of [
    [approveCompensationUpdate, 'approve'],
    [rejectCompensationUpdate, 'reject'],
  ] as const) {
    setHandler(
      update,
      async (input) => {
        // Parsed as on the signal path (the validator already accepted it), so the recorded reason is trimmed the same way.
        const { check, result } = await decide(kind, financeDecisionSchema.parse(input), 'update');
        if (!check.ok) throw refusal(check);
        return result;
      },
      {
        // Synchronous: refuses before anything is written to history.
        validator: (raw) => {
          const parsed = financeDecisionSchema.safeParse(raw);
          if (!parsed.success)
            throw failure(FailureType.InvalidInput, `invalid decision: ${describeZodError(parsed.error)}`);
          const check = checkDecision(c.policy, c.context(), asDecision(kind, parsed.data), c.status === 'evaluating');
          if (!check.ok) throw refusal(check);
        },
        description: `Finance ${kind}s the request; returns where it stands.`,
      },
    );
  }

  setHandler(
    amendCompensationUpdate,
    async (input) => {
      const plan = evaluateRequest(
        c.policy,
        { ...c.request, remedies: input.remedies },
        c.facts as NonNullable<typeof c.facts>,
      );
      if (plan.kind === 'reject')
        throw failure(FailureType.PolicyViolation, `${plan.code}: ${plan.message}`, { code: plan.code });
      c.remedies = plan.remedies;
      c.flags = plan.flags;
      c.approvals = [];
      if (plan.kind === 'auto_approve') c.status = 'approved';
      else c.route = plan.route;
      const record = c.log({
        actorId: input.agentId,
        role: c.request.requester.role,
        decision: 'amend',
        via: 'update',
        reason: input.reason,
        accepted: true,
      });
      const result = outcome(record);
      await audit(record);
      return result;
    },
    {
      validator: (raw) => {
        const parsed = amendCompensationSchema.safeParse(raw);
        if (!parsed.success)
          throw failure(FailureType.InvalidInput, `invalid amendment: ${describeZodError(parsed.error)}`);
        if (parsed.data.agentId !== c.request.requester.agentId)
          throw failure(FailureType.PolicyViolation, 'not_requester: only the requester may amend the request', {
            code: 'not_requester',
          });
        if (c.status !== 'pending' || !c.facts)
          throw failure(FailureType.Conflict, `already_decided: the request is ${c.status}`, {
            code: 'already_decided',
          });
        const plan = evaluateRequest(c.policy, { ...c.request, remedies: parsed.data.remedies }, c.facts);
        if (plan.kind === 'reject')
          throw failure(FailureType.PolicyViolation, `${plan.code}: ${plan.message}`, { code: plan.code });
      },
      description: 'The requester changes what to give; approvals so far no longer count.',
    },
  );
}
