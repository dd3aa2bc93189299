import {
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { formatMoney } from '../shared/money';
import { SA } from '../shared/search-attributes';
import type { AwaitingActor, CreatorPayoutInput, PayoutStateName, PayoutStatus, Rail } from './contract';
import { reportPayoutOutcomeSignal, type PayoutOutcome } from './run-contract';

/** The outcome a state means to the batch run that started the payout (states absent here are not decisive). */
const RUN_OUTCOME: Partial<Record<PayoutStateName, PayoutOutcome>> = {
  awaiting_payability: 'parked',
  paid_in_return_window: 'paid',
  completed: 'paid',
  resolved_manually: 'paid',
  failed: 'failed',
  cancelled: 'cancelled',
};

const TIMELINE_MAX = 40;

/**
 * The search attributes a payout starts with (identity plus the `validating` state), set by whoever starts it (the
 * typed client, a payout run) so the Web UI lists it correctly from its first moment and the workflow's first task
 * has nothing to upsert.
 */
export function initialPayoutSearchAttributes(
  input: Pick<CreatorPayoutInput, 'creatorId' | 'amount' | 'runId'>,
): SearchAttributePair[] {
  return [
    { key: SA.PayoutState, value: 'validating' },
    { key: SA.AwaitingActor, value: 'none' },
    { key: SA.LastErrorCode, value: 'none' },
    { key: SA.CreatorId, value: input.creatorId },
    { key: SA.AmountMinor, value: input.amount.amountMinor },
    { key: SA.Currency, value: input.amount.currency },
    ...(input.runId ? [{ key: SA.PayoutRunId, value: [input.runId] }] : []),
  ];
}

/** Search attribute values compare by content: dates by time, keyword lists element by element, null as unset. */
function sameValue(current: unknown, next: unknown): boolean {
  if (current instanceof Date || next instanceof Date)
    return current instanceof Date && next instanceof Date && current.getTime() === next.getTime();
  if (Array.isArray(current) || Array.isArray(next))
    return (
      Array.isArray(current) &&
      Array.isArray(next) &&
      current.length === next.length &&
      current.every((v, i) => v === next[i])
    );
  return (current ?? null) === (next ?? null);
}

/**
 * The payout's visible state in one place: the `getPayoutState` snapshot, the search attributes ops list by, and the
 * current details the Web UI shows. Every state change goes through `set`, so the three never disagree.
 */
export class PayoutTracker {
  readonly status: PayoutStatus;

  /**
   * Payouts started since patch `payout-fewer-commands` upsert only the search attributes whose value changes, once per
   * workflow task (every upsert is a history event and a visibility write), and send the creator's email and the
   * payout event together. Histories recorded before replay with the old behaviour.
   */
  readonly fewerCommands: boolean;
  /** Changes not yet sent, flushed with the next state change. */
  private pending: SearchAttributeUpdatePair[] = [];

  constructor(input: CreatorPayoutInput) {
    this.fewerCommands = patched('payout-fewer-commands');
    this.status = {
      payoutId: input.payoutId,
      creatorId: input.creatorId,
      period: input.period,
      amount: input.amount,
      ...(input.runId ? { runId: input.runId } : {}),
      state: 'validating',
      attempt: 1,
      timeline: [],
    };
    if (this.fewerCommands) {
      this.pending = initialPayoutSearchAttributes(input) as SearchAttributeUpdatePair[];
    } else {
      const identity: SearchAttributeUpdatePair[] = [
        { key: SA.CreatorId, value: input.creatorId },
        { key: SA.AmountMinor, value: input.amount.amountMinor },
        { key: SA.Currency, value: input.amount.currency },
      ];
      // A run that set PayoutRunId at start keeps its own value.
      if (input.runId && workflowInfo().typedSearchAttributes.get(SA.PayoutRunId) === undefined)
        identity.push({ key: SA.PayoutRunId, value: [input.runId] });
      upsertSearchAttributes(identity);
    }
    this.set('validating');
  }

  get state(): PayoutStateName {
    return this.status.state;
  }

  /**
   * Moves to `state`. `awaiting` says who must act, why and until when; omitted means nobody in particular.
   * `errorCode` replaces the last error code (`null` clears it; omitted keeps it).
   */
  set(
    state: PayoutStateName,
    opts: {
      awaiting?: { actor: AwaitingActor; reason: string; untilMs?: number; sinceMs?: number };
      errorCode?: string | null;
    } = {},
  ): void {
    const now = Date.now();
    const prev = this.status.awaiting;
    this.status.state = state;
    if (opts.awaiting) {
      const same = prev && prev.actor === opts.awaiting.actor && prev.reason === opts.awaiting.reason;
      const sinceMs = opts.awaiting.sinceMs ?? (same ? Date.parse(prev.since) : now);
      this.status.awaiting = {
        actor: opts.awaiting.actor,
        reason: opts.awaiting.reason,
        since: new Date(sinceMs).toISOString(),
        ...(opts.awaiting.untilMs !== undefined ? { until: new Date(opts.awaiting.untilMs).toISOString() } : {}),
      };
    } else delete this.status.awaiting;
    if (opts.errorCode === null) delete this.status.lastErrorCode;
    else if (opts.errorCode !== undefined) this.status.lastErrorCode = opts.errorCode;
    this.step(state, opts.awaiting?.reason);
    this.publish();
    this.reportToRun();
  }

  private runReport: Promise<void> | undefined;

  /** Resolves once the report to the run (if any) was delivered; awaited before the payout closes. */
  async runReported(): Promise<void> {
    await this.runReport;
  }

  /** Tells the run that started this payout its first decisive outcome, once: the run's sliding window moves on. */
  private reportToRun(): void {
    const { runId, payoutId, state, lastErrorCode } = this.status;
    const outcome = RUN_OUTCOME[state];
    if (!runId || !outcome || this.runReport) return;
    this.runReport = getExternalWorkflowHandle(runId)
      .signal(reportPayoutOutcomeSignal, { payoutId, outcome, ...(lastErrorCode ? { errorCode: lastErrorCode } : {}) })
      .catch((err: unknown) =>
        log.warn('could not report to the payout run', {
          runId,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
  }

  setRail(rail: Rail): void {
    this.status.rail = rail;
    if (this.fewerCommands) this.pending.push({ key: SA.Rail, value: rail });
    else upsertSearchAttributes([{ key: SA.Rail, value: rail }]);
  }

  step(step: string, detail?: string): void {
    this.status.timeline.push({ at: new Date().toISOString(), step, ...(detail ? { detail } : {}) });
    if (this.status.timeline.length > TIMELINE_MAX)
      this.status.timeline.splice(0, this.status.timeline.length - TIMELINE_MAX);
  }

  snapshot(): PayoutStatus {
    return JSON.parse(JSON.stringify(this.status)) as PayoutStatus;
  }

  private upsert(pairs: SearchAttributeUpdatePair[]): void {
    if (!this.fewerCommands) return upsertSearchAttributes(pairs);
    const current = workflowInfo().typedSearchAttributes;
    const latest = new Map([...this.pending, ...pairs].map((p) => [p.key.name, p]));
    const changed = [...latest.values()].filter((p) => !sameValue(current.get(p.key as never), p.value));
    this.pending = [];
    if (changed.length > 0) upsertSearchAttributes(changed);
  }

  private publish(): void {
    const s = this.status;
    const a = s.awaiting;
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.PayoutState, value: s.state },
      { key: SA.AwaitingActor, value: a?.actor ?? 'none' },
      { key: SA.AwaitingSince, value: a ? new Date(a.since) : null },
      { key: SA.DeadlineAt, value: a?.until ? new Date(a.until) : null },
      { key: SA.LastErrorCode, value: s.lastErrorCode ?? 'none' },
    ];
    this.upsert(pairs);
    const lines = [
      `**${s.state}** · payout ${s.payoutId} · ${formatMoney(s.amount)}${s.rail ? ` via ${s.rail}` : ''}${s.attempt > 1 ? ` · attempt ${s.attempt}` : ''}`,
      a ? `Waiting on **${a.actor}** since ${a.since}${a.until ? ` until ${a.until}` : ''}: ${a.reason}` : undefined,
      s.held ? `On compliance hold since ${s.held.since}: ${s.held.reason}` : undefined,
      s.lastErrorCode ? `Last error: \`${s.lastErrorCode}\`` : undefined,
      s.railReference ? `Rail reference: ${s.railReference}` : undefined,
    ];
    setCurrentDetails(lines.filter((l): l is string => l !== undefined).join('\n\n'));
  }
}
