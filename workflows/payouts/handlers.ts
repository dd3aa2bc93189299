import type { UpdateDefinition } from '@temporalio/common';
import { currentUpdateInfo, log, patched, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { refuseWith, type Refusal } from '../shared/failures';
import { decidedBy, type StaffIdentity } from '../shared/identity';
import { describeZodError, parseOrRefuse } from '../shared/parse';
import { verifyRailEventProof } from '../shared/rail-proof';
import { acceptStaffCommand, requireStaffCommand, thisRun } from '../shared/verified-staff';
import {
  cancelPayoutUpdate,
  holdPayoutUpdate,
  opsCommandInput,
  payoutAuditStream,
  probeFromRunSignal,
  payoutRefusals,
  railEventSchema,
  recheckPayabilitySignal,
  releasePayoutUpdate,
  reportRailEventSignal,
  resolvePayoutInput,
  resolvePayoutUpdate,
  retryPayoutNowUpdate,
  updatePayoutMethodSignal,
  type OpsAct,
  type OpsCommand,
  type OpsCommandResult,
  type PayoutRefusalCode,
  type RailEvent,
} from './contract';
import { refuseCancel, refuseHold, refuseRelease, refuseResolve, refuseRetryNow, refuseWhileClosing } from './policy';
import type { Payout } from './state';
import { books } from './steps';

/**
 * The rule (in `policy.ts`) an ops command must pass, given the command and who sends it (undefined only for commands
 * replayed from histories recorded before tokens): the refusal when it does not (nothing changes then).
 */
type Rule<C = unknown> = (c: C, who: StaffIdentity | undefined) => Refusal<PayoutRefusalCode> | undefined;
/** Who may send each ops command (any one of the roles, in the command assertion). */
const HOLDERS = ['compliance', 'ops'] as const;
/** A hold is a compliance hold: only compliance releases it. */
const RELEASERS = ['compliance'] as const;
const OPS = ['ops'] as const;
/** Payouts started since this patch write an ops command's audit before the command takes effect. */
export const AUDIT_FIRST_PATCH = 'payout-ops-audit-first';

/**
 * Registers the payout's signals and updates (its queries are registered by the state's `VisibleState`). Called
 * before the workflow's first await. Validators are synchronous and refuse with a typed refusal and a code: first who
 * sends an ops command (a valid staff token with the command's role), then the payout's rules.
 */
export function registerHandlers(p: Payout): void {
  setHandler(reportRailEventSignal, (raw: RailEvent) => {
    const parsed = railEventSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('ignored malformed rail event', { issues: describeZodError(parsed.error) });
      return;
    }
    // Only an event the ingress vouches for may move money; histories from before proofs replay without the check.
    if (patched('rail-event-proof')) {
      const proof = verifyRailEventProof(raw, Date.now(), {
        workflowId: p.workflowId,
        signal: reportRailEventSignal.name,
      });
      if (!proof.ok) {
        log.warn('refused a rail event without a valid ingress proof', { code: proof.code });
        p.step('rail_event_refused', proof.code);
        return;
      }
    }
    p.receive(parsed.data);
  });
  setHandler(recheckPayabilitySignal, () => p.wake());
  setHandler(probeFromRunSignal, () => undefined);
  setHandler(updatePayoutMethodSignal, () => p.wake());
  p.notices.register(() => p.noticesChanged());

  opsUpdate(
    p,
    cancelPayoutUpdate,
    'cancel',
    opsCommandInput,
    OPS,
    (c) => p.requestStop({ kind: 'cancel', command: c }),
    () => refuseCancel(p),
  );
  opsUpdate(
    p,
    holdPayoutUpdate,
    'hold',
    opsCommandInput,
    HOLDERS,
    (c) => p.hold(c),
    () => refuseHold(p),
  );
  opsUpdate(
    p,
    releasePayoutUpdate,
    'release',
    opsCommandInput,
    RELEASERS,
    () => p.release(),
    (_c, who) => refuseRelease(p, who),
  );
  opsUpdate(
    p,
    retryPayoutNowUpdate,
    'retry_now',
    opsCommandInput,
    OPS,
    () => p.wake(),
    () => refuseRetryNow(p),
  );
  opsUpdate(
    p,
    resolvePayoutUpdate,
    'resolve',
    resolvePayoutInput,
    OPS,
    (c) => p.requestStop({ kind: 'resolve', command: c }),
    (c) => refuseResolve(p, c),
  );
}

/**
 * An ops update: validate (input, who sends it, not already closing, the command's rule), then audit, then apply: an
 * audit that cannot be written leaves the payout as it was (payouts started before {@link AUDIT_FIRST_PATCH} apply
 * first). The command audited and applied names the assertion's subject as the operator (never the token itself).
 */
function opsUpdate<C extends OpsCommand>(
  p: Payout,
  def: UpdateDefinition<OpsCommandResult, [C]>,
  action: string,
  schema: z.ZodType,
  roles: readonly string[],
  apply: (c: NoInfer<Omit<C, 'token'> & OpsAct>) => void,
  rule: Rule<NoInfer<C>>,
): void {
  /** Not already closing, and the command's rule holds: else the typed refusal. */
  const allowed = (c: C, who: StaffIdentity | undefined) => {
    const refused = refuseWhileClosing(p) ?? rule(c, who);
    if (refused) throw refuseWith(payoutRefusals, refused);
  };
  setHandler(
    def,
    async (c: C) => {
      // Synchronously, before the first await: the assertion is used up even if the audit waits.
      const who = acceptStaffCommand(c.token, Date.now(), thisRun(def.name, c), p.accepted);
      const { token: _token, ...body } = c;
      // Commands recorded before tokens were required name their operator in the body.
      const act = { ...body, operator: who?.subject ?? c.operator ?? 'unknown' };
      if (patched(AUDIT_FIRST_PATCH)) {
        await audit(p, action, act, who);
        // The payout may have moved on while the audit was written (another command, the rail): check again.
        allowed(c, who);
        apply(act);
      } else {
        apply(act);
        await audit(p, action, act, who);
      }
      return { state: p.state };
    },
    {
      validator: (c: C) => {
        parseOrRefuse(schema, c, def.name);
        const who = requireStaffCommand(c.token, Date.now(), thisRun(def.name, c), p.accepted, {
          id: { field: 'operator', value: c.operator },
          anyOf: roles,
        });
        allowed(c, who);
      },
    },
  );
}

/** Every ops command lands in the payout's audit stream: who (with the token's issuer and key), why, and the state. */
async function audit(
  p: Payout,
  action: string,
  c: OpsAct & { outcome?: string },
  who: StaffIdentity | undefined,
): Promise<void> {
  p.step(`ops:${action}`, c.reason);
  await books.appendAudit({
    stream: payoutAuditStream(p.workflowId),
    eventId: currentUpdateInfo()?.id ?? `${action}-${p.timelineLength}`,
    at: new Date().toISOString(),
    type: `payout.ops.${action}`,
    data: {
      operator: c.operator,
      reason: c.reason,
      state: p.state,
      ...(c.outcome ? { outcome: c.outcome } : {}),
      ...(who ? { decidedBy: decidedBy(who) } : {}),
    },
  });
}
