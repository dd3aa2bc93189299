import { condition, patched, setHandler } from '@temporalio/workflow';
import type { ApplicationFailure } from '@temporalio/common';
import { FailureType, refusal } from '../shared/failures';
import { caseFold, decidedBy } from '../shared/identity';
import {
  acceptStaffCommand,
  checkClaims,
  checkLegacyStaffToken,
  requireStaffCommand,
  takeStaffCommand,
  thisRun,
  type StaffCheck,
} from '../shared/verified-staff';
import { describeZodError, parseOrRefuse } from '../shared/parse';
import {
  amendCompensationSchema,
  amendCompensationUpdate,
  approveCompensationSignal,
  approveCompensationUpdate,
  financeDecisionSchema,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type AmendCompensationInput,
  type DecisionRecord,
  type DecisionRejectCode,
  type FinanceDecisionInput,
  type Role,
} from './contract';
import { actorAfter, actorOf, checkDecision, type ActorCheck, type DecisionCheck, type Plan } from './policy';
import type { ApprovalCase, DecisionActor } from './state';
import { settleAmendment } from './steps';

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

const identityRefusal = (who: Extract<ActorCheck | StaffCheck, { ok: false }>): ApplicationFailure =>
  refusal(FailureType.Unauthorized, who.code, `${who.code}: ${who.message}`);

/** Patch marker: signals recorded since it carry command assertions; before it, identity providers' tokens. */
const SIGNAL_ASSERTIONS_PATCH = 'approvals-command-assertions';

/**
 * Who decides, in an update's handler: the command assertion's subject and role (recorded as used, synchronously);
 * in histories recorded before assertions, the identity provider's token's. A message without a token can only come
 * from a history recorded before tokens (validators refuse new ones), so the body's fields are used as they were then.
 */
function deciderOf(c: ApprovalCase, command: string, raw: unknown, d: FinanceDecisionInput): DecisionActor {
  if (d.token === undefined) {
    if (d.approverId === undefined || d.role === undefined)
      throw refusal(FailureType.InvalidInput, 'invalid_input', 'invalid_input: approverId and role are required');
    return { id: d.approverId, role: d.role };
  }
  const identity = acceptStaffCommand(d.token, Date.now(), thisRun(command, raw), c.accepted);
  if (!identity) throw identityRefusal({ ok: false, code: 'token_bad_signature', message: 'token does not verify' });
  const who = actorAfter(checkClaims(identity, { id: { field: 'approverId', value: d.approverId } }), d.role);
  if (!who.ok) throw identityRefusal(who);
  return who.value;
}

/** Only the verified requester may amend. */
function requesterOnly(c: ApprovalCase, subject: string): void {
  if (subject !== caseFold(c.request.requester.agentId))
    throw refusal(
      FailureType.PolicyViolation,
      'not_requester',
      'not_requester: only the requester may amend the request',
    );
}

/**
 * The amender an accepted amendment names, in its handler: the assertion's subject (recorded as used), the identity
 * provider's token's in older histories, or the body's agent in histories from before tokens.
 */
function amenderOf(c: ApprovalCase, raw: unknown, a: AmendCompensationInput): Omit<DecisionActor, 'role'> {
  if (a.token === undefined) return { id: a.agentId ?? '' };
  const who = acceptStaffCommand(a.token, Date.now(), thisRun(amendCompensationUpdate.name, raw), c.accepted);
  if (!who) throw identityRefusal({ ok: false, code: 'token_bad_signature', message: 'token does not verify' });
  requesterOnly(c, who.subject);
  return { id: who.subject, by: decidedBy(who) };
}

/**
 * A signalled decision's actor, checked in the handler (a signal has no validator): a command assertion for this
 * signal (recorded as used) since {@link SIGNAL_ASSERTIONS_PATCH}, an identity provider's token before it.
 */
function signalledActor(c: ApprovalCase, command: string, raw: unknown, d: FinanceDecisionInput): ActorCheck {
  const claims = { id: { field: 'approverId', value: d.approverId } };
  const check = patched(SIGNAL_ASSERTIONS_PATCH)
    ? takeStaffCommand(d.token, Date.now(), thisRun(command, raw), c.accepted, claims)
    : checkLegacyStaffToken(d.token, Date.now(), claims);
  return actorAfter(check, d.role);
}

/**
 * Registers the signals and updates (before the workflow's first await; the queries are the state's). Decisions that
 * arrive while the request is still being evaluated wait inside their handler and are checked once the wait begins,
 * so none is lost. `audit` appends a record outside history. Identity is resolved when a message arrives (workflow
 * time then), before any wait.
 */
export function registerApprovalHandlers(c: ApprovalCase, audit: (r: DecisionRecord) => Promise<unknown>): void {
  c.retrying.register(() => c.publish());
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
      const d = parsed.data;
      // Tokenless signals were accepted before verification existed; their histories keep the body's identity.
      const verified = patched('approvals-verified-identity');
      const who = verified ? signalledActor(c, signal.name, raw, d) : undefined;
      if (who && !who.ok) {
        await audit(c.refuseUnverified(kind, who.code, `${who.code}: ${who.message}`));
        return;
      }
      if (!who && (d.approverId === undefined || d.role === undefined)) {
        await audit(c.refuseUnparseable(kind, 'invalid input: approverId and role are required'));
        return;
      }
      const actor = who ? who.value : { id: d.approverId as string, role: d.role as Role };
      await condition(() => c.status !== 'evaluating');
      await audit(c.decide(kind, actor, d, 'signal').record);
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
        const d = financeDecisionSchema.parse(input);
        const actor = deciderOf(c, update.name, input, d);
        await condition(() => c.status !== 'evaluating');
        const { check, record } = c.decide(kind, actor, d, 'update');
        // Taken before the audit write: by then the workflow may already be carrying the decision out.
        const result = c.outcome(record);
        await audit(record);
        if (!check.ok) throw decisionRefusal(check);
        return result;
      },
      {
        // Synchronous: refuses before anything is written to history; the token first, so strangers learn nothing.
        validator: (raw) => {
          const decision = parseOrRefuse(financeDecisionSchema, raw, 'decision');
          const identity = requireStaffCommand(decision.token, Date.now(), thisRun(update.name, raw), c.accepted, {
            id: { field: 'approverId', value: decision.approverId },
          });
          const who = actorOf(identity, decision.role);
          if (!who.ok) throw identityRefusal(who);
          const early = c.status === 'evaluating';
          const d = { kind, ...decision, approverId: who.value.id, role: who.value.role };
          const check = checkDecision(c.policy, c.context(), d, early);
          if (!check.ok) throw decisionRefusal(check);
        },
        description: `Finance ${kind}s the request (command assertion required); returns where it stands.`,
      },
    );
  }

  setHandler(
    amendCompensationUpdate,
    async (raw) => {
      const input = amendCompensationSchema.parse(raw);
      const actor = amenderOf(c, raw, input);
      const plan = await settleAmendment(c, input.remedies, c.planAmendment(input.remedies) as Plan);
      if (plan.kind === 'reject') throw planRefusal(plan);
      // Settling may have waited on the store: finance may have decided meanwhile.
      if (c.status !== 'pending')
        throw refusal(FailureType.Conflict, 'already_decided', `already_decided: the request is ${c.status}`);
      const record = c.amend(actor, input, plan);
      const result = c.outcome(record);
      await audit(record);
      return result;
    },
    {
      validator: (raw) => {
        const amendment = parseOrRefuse(amendCompensationSchema, raw, 'amendment');
        const who = requireStaffCommand(
          amendment.token,
          Date.now(),
          thisRun(amendCompensationUpdate.name, raw),
          c.accepted,
          { id: { field: 'agentId', value: amendment.agentId } },
        );
        requesterOnly(c, who.subject);
        const plan = c.planAmendment(amendment.remedies);
        if (c.status !== 'pending' || !plan)
          throw refusal(FailureType.Conflict, 'already_decided', `already_decided: the request is ${c.status}`);
        if (plan.kind === 'reject') throw planRefusal(plan);
      },
      description: 'The requester (command assertion required) changes what to give; approvals so far no longer count.',
    },
  );
}
