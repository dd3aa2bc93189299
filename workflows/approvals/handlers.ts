import { condition, setHandler } from '@temporalio/workflow';
import type { ApplicationFailure } from '@temporalio/common';
import { FailureType, refusal } from '../shared/failures';
import { describeZodError, parseOrRefuse } from '../shared/parse';
import {
  amendCompensationSchema,
  amendCompensationUpdate,
  approveCompensationSignal,
  approveCompensationUpdate,
  financeDecisionSchema,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type DecisionRecord,
  type DecisionRejectCode,
} from './contract';
import { checkDecision, type DecisionCheck, type Plan } from './policy';
import type { ApprovalCase } from './state';

/** How a refused decision surfaces to an update caller: the failure type says the family, the code the rule. */
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

const decisionRefusal = (check: Extract<DecisionCheck, { ok: false }>): ApplicationFailure =>
  refusal(FAILURE_OF[check.code], check.code, `${check.code}: ${check.message}`);
const planRefusal = (plan: Extract<Plan, { kind: 'reject' }>): ApplicationFailure =>
  refusal(FailureType.PolicyViolation, plan.code, `${plan.code}: ${plan.message}`);

/**
 * Registers the signals and updates (before the workflow's first await; the queries are the state's). Decisions that
 * arrive while the request is still being evaluated wait inside their handler and are checked once the wait begins,
 * so none is lost. `audit` appends a record outside history.
 */
export function registerApprovalHandlers(c: ApprovalCase, audit: (r: DecisionRecord) => Promise<unknown>): void {
  for (const [signal, kind] of [
    [approveCompensationSignal, 'approve'],
    [rejectCompensationSignal, 'reject'],
  ] as const) {
    setHandler(signal, async (raw) => {
      const parsed = financeDecisionSchema.safeParse(raw);
      if (!parsed.success) {
        // A signal cannot be refused at the door: keep the attempt visible, without echoing unchecked input.
        await audit(c.refuseUnparseable(kind, `invalid input: ${describeZodError(parsed.error)}`.slice(0, 280)));
        return;
      }
      await condition(() => c.status !== 'evaluating');
      await audit(c.decide(kind, parsed.data, 'signal').record);
    });
  }

  for (const [update, kind] of [
    [approveCompensationUpdate, 'approve'],
    [rejectCompensationUpdate, 'reject'],
  ] as const) {
    setHandler(
      update,
      async (input) => {
        await condition(() => c.status !== 'evaluating');
        // Parsed as on the signal path (the validator already accepted it), so the recorded reason is trimmed the same way.
        const { check, record } = c.decide(kind, financeDecisionSchema.parse(input), 'update');
        // Taken before the audit write: by then the workflow may already be carrying the decision out.
        const result = c.outcome(record);
        await audit(record);
        if (!check.ok) throw decisionRefusal(check);
        return result;
      },
      {
        // Synchronous: refuses before anything is written to history.
        validator: (raw) => {
          const decision = parseOrRefuse(financeDecisionSchema, raw, 'decision');
          const early = c.status === 'evaluating';
          const check = checkDecision(c.policy, c.context(), { kind, ...decision }, early);
          if (!check.ok) throw decisionRefusal(check);
        },
        description: `Finance ${kind}s the request; returns where it stands.`,
      },
    );
  }

  setHandler(
    amendCompensationUpdate,
    async (input) => {
      const plan = c.planAmendment(input.remedies) as Plan;
      if (plan.kind === 'reject') throw planRefusal(plan);
      const record = c.amend(input, plan);
      const result = c.outcome(record);
      await audit(record);
      return result;
    },
    {
      validator: (raw) => {
        const amendment = parseOrRefuse(amendCompensationSchema, raw, 'amendment');
        if (amendment.agentId !== c.request.requester.agentId)
          throw refusal(
            FailureType.PolicyViolation,
            'not_requester',
            'not_requester: only the requester may amend the request',
          );
        const plan = c.planAmendment(amendment.remedies);
        if (c.status !== 'pending' || !plan)
          throw refusal(FailureType.Conflict, 'already_decided', `already_decided: the request is ${c.status}`);
        if (plan.kind === 'reject') throw planRefusal(plan);
      },
      description: 'The requester changes what to give; approvals so far no longer count.',
    },
  );
}
