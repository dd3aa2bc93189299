import type { UpdateDefinition } from '@temporalio/common';
import { currentUpdateInfo, log, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { FailureType, refusal } from '../shared/failures';
import { describeZodError, parseOrRefuse } from '../shared/parse';
import {
  cancelPayoutUpdate,
  holdPayoutUpdate,
  opsCommandInput,
  payoutAuditStream,
  probeFromRunSignal,
  PayoutRefusal,
  railEventSchema,
  recheckPayabilitySignal,
  releasePayoutUpdate,
  reportRailEventSignal,
  resolvePayoutInput,
  resolvePayoutUpdate,
  retryPayoutNowUpdate,
  updatePayoutMethodSignal,
  type OpsCommand,
  type OpsCommandResult,
  type RailEvent,
} from './contract';
import { cancellable, holdable, resolvable, wakeable } from './policy';
import type { Payout } from './state';
import { books } from './steps';

/** A rule an ops command must pass: the refusal when it does not (nothing changes then). */
type Rule = () => { type: FailureType; code: string; message: string } | undefined;
const conflict = (code: string, message: string) => ({ type: FailureType.Conflict, code, message });

/**
 * Registers the payout's signals and updates (its queries are registered by the state's `VisibleState`). Called
 * before the workflow's first await. Validators are synchronous and refuse with a typed refusal and a code.
 */
export function registerHandlers(p: Payout): void {
  setHandler(reportRailEventSignal, (raw: RailEvent) => {
    const parsed = railEventSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('ignored malformed rail event', { issues: describeZodError(parsed.error) });
      return;
    }
    p.receive(parsed.data);
  });
  setHandler(recheckPayabilitySignal, () => p.wake());
  setHandler(probeFromRunSignal, () => undefined);
  setHandler(updatePayoutMethodSignal, () => p.wake());

  opsUpdate(
    p,
    cancelPayoutUpdate,
    'cancel',
    opsCommandInput,
    (c) => p.requestStop({ kind: 'cancel', command: c }),
    () =>
      cancellable(p.state) && !p.initiated
        ? undefined
        : conflict(PayoutRefusal.AlreadyInitiated, 'the payout has already been sent to a rail; use resolvePayout'),
  );
  opsUpdate(
    p,
    holdPayoutUpdate,
    'hold',
    opsCommandInput,
    (c) => p.hold(c),
    () =>
      p.held
        ? conflict(PayoutRefusal.AlreadyOnHold, 'already on hold')
        : holdable(p.state)
          ? undefined
          : conflict(PayoutRefusal.WrongState, `cannot hold a payout in state ${p.state}`),
  );
  opsUpdate(
    p,
    releasePayoutUpdate,
    'release',
    opsCommandInput,
    () => p.release(),
    () => (p.held ? undefined : conflict(PayoutRefusal.NotOnHold, 'the payout is not on hold')),
  );
  opsUpdate(
    p,
    retryPayoutNowUpdate,
    'retry_now',
    opsCommandInput,
    () => p.wake(),
    () => (wakeable(p.state) ? undefined : conflict(PayoutRefusal.WrongState, `nothing to retry in state ${p.state}`)),
  );
  opsUpdate(
    p,
    resolvePayoutUpdate,
    'resolve',
    resolvePayoutInput,
    (c) => p.requestStop({ kind: 'resolve', command: c }),
    () =>
      resolvable(p.state)
        ? undefined
        : conflict(
            PayoutRefusal.WrongState,
            `cannot resolve a payout in state ${p.state}; wait for it to settle into a waiting state`,
          ),
  );
}

/** An ops update: validate (input, not already closing, the command's rule), apply, then audit. */
function opsUpdate<C extends OpsCommand>(
  p: Payout,
  def: UpdateDefinition<OpsCommandResult, [C]>,
  action: string,
  schema: z.ZodType,
  apply: (c: NoInfer<C>) => void,
  rule: Rule,
): void {
  setHandler(
    def,
    async (c: C) => {
      apply(c);
      await audit(p, action, c);
      return { state: p.state };
    },
    {
      validator: (c: C) => {
        parseOrRefuse(schema, c, def.name);
        if (p.stop)
          throw refusal(FailureType.Conflict, PayoutRefusal.AlreadyClosing, 'the payout is already being closed');
        const refused = rule();
        if (refused) throw refusal(refused.type, refused.code, refused.message);
      },
    },
  );
}

/** Every ops command lands in the payout's audit stream: who, why, and the state it found. */
async function audit(p: Payout, action: string, c: OpsCommand & { outcome?: string }): Promise<void> {
  p.step(`ops:${action}`, c.reason);
  await books.appendAudit({
    stream: payoutAuditStream(p.workflowId),
    eventId: currentUpdateInfo()?.id ?? `${action}-${p.timelineLength}`,
    at: new Date().toISOString(),
    type: `payout.ops.${action}`,
    data: { operator: c.operator, reason: c.reason, state: p.state, ...(c.outcome ? { outcome: c.outcome } : {}) },
  });
}
