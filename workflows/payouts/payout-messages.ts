import {
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { ActivityPresets } from '../shared/activity-options';
import { describeZodError } from '../shared/parse';
import {
  cancelPayoutUpdate,
  getPayoutStateQuery,
  getStateQuery,
  holdPayoutUpdate,
  opsCommandInput,
  railEventSchema,
  recheckPayabilitySignal,
  releasePayoutUpdate,
  reportRailEventSignal,
  resolvePayoutInput,
  resolvePayoutUpdate,
  retryPayoutNowUpdate,
  updatePayoutMethodSignal,
  type OpsCommand,
  type PayoutStateName,
  type RailEvent,
  type ResolvePayoutCommand,
} from './contract';
import { cancellable, mergeRailStatus, type RailStatus } from './payout-policy';
import type { PayoutTracker } from './payout-tracker';

const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);

const WAKEABLE: readonly PayoutStateName[] = ['awaiting_payability', 'awaiting_confirmation', 'awaiting_new_details'];
const HOLDABLE: readonly PayoutStateName[] = ['validating', 'awaiting_payability', 'reserving', 'awaiting_new_details'];
const RESOLVABLE: readonly PayoutStateName[] = [
  'awaiting_payability',
  'on_hold',
  'awaiting_confirmation',
  'paid_in_return_window',
  'awaiting_new_details',
];

/** Why a wait ended early: an operator cancelled or resolved the payout. */
export type StopRequest = { kind: 'cancel'; command: OpsCommand } | { kind: 'resolve'; command: ResolvePayoutCommand };

interface Received {
  status: RailStatus;
  code?: string;
  /** The attempt that was current when an event without a reference arrived. */
  attempt: number;
}

/**
 * The payout's inbox: provider events (deduplicated, ordered by rank so a late "paid" never undoes a "returned"),
 * creator/ops wake-ups, holds, and stop requests. Handlers are registered in the constructor, before the first await.
 */
export class PayoutInbox {
  private readonly seen = new Set<string>();
  private readonly byReference = new Map<string, Received>();
  private readonly loose: Received[] = [];
  /** Incremented by every wake-up (recheck, new details, retry now); waits compare against the value they started with. */
  wakes = 0;
  hold: (OpsCommand & { since: string }) | undefined;
  stop: StopRequest | undefined;
  /** True once a rail was asked to move money for the current attempt (cancel is refused from then on). */
  initiated = false;

  constructor(private readonly t: PayoutTracker) {
    setHandler(getPayoutStateQuery, () => t.snapshot());
    setHandler(getStateQuery, () => t.snapshot());

    setHandler(reportRailEventSignal, (raw: RailEvent) => {
      const parsed = railEventSchema.safeParse(raw);
      if (!parsed.success) {
        log.warn('ignored malformed rail event', { issues: describeZodError(parsed.error) });
        return;
      }
      this.receive(parsed.data);
    });
    setHandler(recheckPayabilitySignal, () => {
      this.wakes++;
    });
    setHandler(updatePayoutMethodSignal, () => {
      this.wakes++;
    });

    this.opsUpdate(
      cancelPayoutUpdate,
      'cancel',
      (state) =>
        cancellable(state) && !this.initiated
          ? undefined
          : 'the payout has already been sent to a rail; use resolvePayout',
      (c) => {
        this.stop = { kind: 'cancel', command: c };
      },
    );
    this.opsUpdate(
      holdPayoutUpdate,
      'hold',
      (state) =>
        this.hold ? 'already on hold' : HOLDABLE.includes(state) ? undefined : `cannot hold a payout in state ${state}`,
      (c) => {
        this.hold = { ...c, since: new Date().toISOString() };
        t.status.held = { operator: c.operator, reason: c.reason, since: this.hold.since };
      },
    );
    this.opsUpdate(
      releasePayoutUpdate,
      'release',
      () => (this.hold ? undefined : 'the payout is not on hold'),
      () => {
        this.hold = undefined;
        delete t.status.held;
      },
    );
    this.opsUpdate(
      retryPayoutNowUpdate,
      'retry_now',
      (state) => (WAKEABLE.includes(state) ? undefined : `nothing to retry in state ${state}`),
      () => {
        this.wakes++;
      },
    );
    setHandler(
      resolvePayoutUpdate,
      async (c) => {
        this.stop = { kind: 'resolve', command: c };
        await this.audit('resolve', c);
        return { state: t.state };
      },
      {
        validator: (c) => {
          const parsed = resolvePayoutInput.safeParse(c);
          if (!parsed.success) throw new Error(`invalid resolvePayout: ${describeZodError(parsed.error)}`);
          if (this.stop) throw new Error('the payout is already being closed');
          if (!RESOLVABLE.includes(t.state))
            throw new Error(`cannot resolve a payout in state ${t.state}; wait for it to settle into a waiting state`);
        },
      },
    );
  }

  /** Latest status of `reference` from provider events, including reference-less events of this attempt. */
  statusOf(reference: string | undefined, attempt: number): Received | undefined {
    let best = reference ? this.byReference.get(reference) : undefined;
    for (const e of this.loose) {
      if (e.attempt === attempt && (!best || mergeRailStatus(best.status, e.status) !== best.status)) best = e;
    }
    return best;
  }

  /** Waits up to `ms` (or forever) for `done`, a wake-up or a stop; true when `done` held. */
  async waitFor(
    done: () => boolean,
    ms: number | undefined,
    summary: string,
  ): Promise<'done' | 'woken' | 'stopped' | 'timeout'> {
    const wakes = this.wakes;
    const fired = () => done() || this.wakes !== wakes || this.stop !== undefined;
    let ok = true;
    if (ms === undefined) await condition(fired);
    else ok = await condition(fired, Math.max(1, ms), { summary });
    if (this.stop) return 'stopped';
    if (!ok) return 'timeout';
    return done() ? 'done' : 'woken';
  }

  async allFinished(): Promise<void> {
    await condition(allHandlersFinished);
  }

  currentAttempt = 1;

  private receive(e: RailEvent): void {
    if (this.seen.has(e.eventId)) return;
    this.seen.add(e.eventId);
    const next: Received = { status: e.kind, ...(e.code ? { code: e.code } : {}), attempt: this.currentAttempt };
    if (!e.reference) {
      this.loose.push(next);
    } else {
      const prev = this.byReference.get(e.reference);
      if (!prev || mergeRailStatus(prev.status, next.status) !== prev.status) this.byReference.set(e.reference, next);
    }
    this.t.step(`rail_event:${e.kind}`, e.code);
  }

  private opsUpdate(
    def: typeof cancelPayoutUpdate,
    action: string,
    refuse: (state: PayoutStateName) => string | undefined,
    apply: (c: OpsCommand) => void,
  ): void {
    setHandler(
      def,
      async (c) => {
        apply(c);
        await this.audit(action, c);
        return { state: this.t.state };
      },
      {
        validator: (c) => {
          const parsed = opsCommandInput.safeParse(c);
          if (!parsed.success) throw new Error(`invalid ${def.name}: ${describeZodError(parsed.error)}`);
          if (this.stop) throw new Error('the payout is already being closed');
          const why = refuse(this.t.state);
          if (why) throw new Error(why);
        },
      },
    );
  }

  private async audit(action: string, c: OpsCommand & { outcome?: string }): Promise<void> {
    const { workflowId } = workflowInfo();
    this.t.step(`ops:${action}`, c.reason);
    await books.appendAudit({
      stream: `payout:${workflowId}`,
      eventId: currentUpdateInfo()?.id ?? `${action}-${this.t.status.timeline.length}`,
      at: new Date().toISOString(),
      type: `payout.ops.${action}`,
      data: {
        operator: c.operator,
        reason: c.reason,
        state: this.t.state,
        ...(c.outcome ? { outcome: c.outcome } : {}),
      },
    });
  }
}
