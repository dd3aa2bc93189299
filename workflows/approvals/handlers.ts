import { condition, patched, setHandler } from '@temporalio/workflow';
import { refuseWith } from '../shared/failures';
import { decidedBy } from '../shared/identity';
import {
  acceptStaffCommand,
  checkClaims,
  checkLegacyStaffToken,
  requireStaffCommand,
  takeStaffCommand,
  thisRun,
} from '../shared/verified-staff';
import { describeZodError, parseOrRefuse } from '../shared/parse';
import {
  amendCompensationSchema,
  amendCompensationUpdate,
  approvalRefusals,
  approveCompensationSignal,
  approveCompensationUpdate,
  financeDecisionSchema,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type AmendCompensationInput,
  refused,
  type DecisionRecord,
  type FinanceDecisionInput,
  type Role,
} from './contract';
import { actorAfter, actorOf, checkAmender, checkAmendment, checkDecision, type ActorCheck, type Plan } from './policy';
import type { ApprovalCase, DecisionActor } from './state';
import { settleAmendment } from './steps';

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
      throw refuseWith(approvalRefusals, refused('invalid_input', 'approverId and role are required'));
    return { id: d.approverId, role: d.role };
  }
  const identity = acceptStaffCommand(d.token, Date.now(), thisRun(command, raw), c.accepted);
  if (!identity) throw refuseWith(approvalRefusals, refused('token_bad_signature', 'token does not verify'));
  const who = actorAfter(checkClaims(identity, { id: { field: 'approverId', value: d.approverId } }), d.role);
  if (!who.ok) throw refuseWith(approvalRefusals, who);
  return who.value;
}

/**
 * The amender an accepted amendment names, in its handler: the assertion's subject (recorded as used), the identity
 * provider's token's in older histories, or the body's agent in histories from before tokens.
 */
function amenderOf(c: ApprovalCase, raw: unknown, a: AmendCompensationInput): Omit<DecisionActor, 'role'> {
  if (a.token === undefined) return { id: a.agentId ?? '' };
  const who = acceptStaffCommand(a.token, Date.now(), thisRun(amendCompensationUpdate.name, raw), c.accepted);
  if (!who) throw refuseWith(approvalRefusals, refused('token_bad_signature', 'token does not verify'));
  const notRequester = checkAmender(c.request.requester.agentId, who.subject);
  if (notRequester) throw refuseWith(approvalRefusals, notRequester);
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
  c.retrying.register(() => c.retryingChanged());
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
        await audit(c.refuseUnverified(kind, who.code, who.message));
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
        const { refusal, record } = c.decide(kind, actor, d, 'update');
        // Taken before the audit write: by then the workflow may already be carrying the decision out.
        const result = c.outcome(record);
        await audit(record);
        if (refusal) throw refuseWith(approvalRefusals, refusal);
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
          if (!who.ok) throw refuseWith(approvalRefusals, who);
          const early = c.status === 'evaluating';
          const d = { kind, ...decision, approverId: who.value.id, role: who.value.role };
          const refusal = checkDecision(c.policy, c.context(), d, early);
          if (refusal) throw refuseWith(approvalRefusals, refusal);
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
      if (plan.kind === 'reject') throw refuseWith(approvalRefusals, plan);
      // Settling may have waited on the store: finance may have decided meanwhile.
      const late = checkAmendment(c.status, plan, c.alternative !== undefined);
      if (late) throw refuseWith(approvalRefusals, late);
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
        const refusal =
          checkAmender(c.request.requester.agentId, who.subject) ??
          checkAmendment(c.status, c.planAmendment(amendment.remedies), c.alternative !== undefined);
        if (refusal) throw refuseWith(approvalRefusals, refusal);
      },
      description: 'The requester (command assertion required) changes what to give; approvals so far no longer count.',
    },
  );
}
