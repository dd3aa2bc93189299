import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { moneySchema, type Money } from '../shared/money';
import { SA } from '../shared/search-attributes';

const idPart = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: `${what} must be 1-64 letters, digits, '-' or '_'` });

/** A duration override in milliseconds (tests shorten timers; production uses the policy defaults). */
const durationMs = z
  .number()
  .int({ error: 'must be whole milliseconds' })
  .positive()
  .max(400 * 86_400_000);

/** Optional timing overrides; every field falls back to the rail's default in `policy.ts`. */
export const payoutTimingSchema = z
  .object({
    /** How long a paid payout stays open to catch returns (ACH returns: up to 60 days). */
    returnWindowMs: durationMs,
    /** First and largest delay between status polls while awaiting confirmation. */
    pollInitialMs: durationMs,
    pollMaxMs: durationMs,
    /** After this long unconfirmed, the payout is flagged to ops (it keeps polling: money may have moved). */
    confirmationDeadlineMs: durationMs,
    /** How long a payout may stay parked on a failed payability check before it ends as NotPayable. */
    parkDeadlineMs: durationMs,
    /** Reminder cadence to the person a parked payout waits on. */
    reminderEveryMs: durationMs,
    /** Periodic re-read of the creator directory while parked. */
    recheckEveryMs: durationMs,
    /** Status polls per execution while awaiting confirmation, before continuing as new (bounds the history). */
    pollsPerExecution: z.number().int().min(1).max(10_000),
  })
  .partial()
  .strict();
export type PayoutTiming = z.infer<typeof payoutTimingSchema>;

/**
 * Input of {@link creatorPayout}: one payout of `amount` (in the creator's balance currency) for `period`.
 * It carries a creator ID only; account details are looked up inside activities and never enter history.
 */
export const creatorPayoutInput = z
  .object({
    payoutId: idPart('payoutId'),
    creatorId: idPart('creatorId'),
    period: z
      .string({ error: 'period is required' })
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: "must be a month like '2026-11'" }),
    amount: moneySchema,
    /** The batch run that started this payout, when there is one. */
    runId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: "must be 1-128 letters, digits, '.', ':', '-' or '_'" })
      .optional(),
    timing: payoutTimingSchema.optional(),
  })
  .strict();
export type CreatorPayoutInput = z.infer<typeof creatorPayoutInput>;

/** Workflow ID of a payout: the business key, so starting the same payout twice finds the first. */
export const creatorPayoutWorkflowId = (payoutId: string) => `payout-${payoutId}`;

/** The conventional payout ID of a creator's payout for a period (what `payoutRun` uses). */
export const payoutIdFor = (creatorId: string, period: string) => `${creatorId}-${period}`;

/** The audit stream of a payout's ops commands. */
export const payoutAuditStream = (workflowId: string) => `payout:${workflowId}`;

/** Audit stream that maps a bank EndToEndId back to its payout workflow (written before sending, read by the ingress). */
export const bankE2eStream = (endToEndId: string) => `bank-e2e:${endToEndId}`;

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

/** Where a payout is in its story; also the `PayoutState` search attribute. */
export const PayoutStates = [
  'validating',
  'awaiting_payability',
  'on_hold',
  'reserving',
  'initiating',
  'awaiting_confirmation',
  'paid_in_return_window',
  'awaiting_new_details',
  'completed',
  'failed',
  'cancelled',
  'returned',
  'resolved_manually',
] as const;
export type PayoutStateName = (typeof PayoutStates)[number];
/** States a payout ends in. */
export const TERMINAL_STATES: readonly PayoutStateName[] = [
  'completed',
  'failed',
  'cancelled',
  'returned',
  'resolved_manually',
];

/** The way money reaches the creator: a PSP transfer to a connected account, or a bank credit transfer. */
export type Rail = 'bank' | 'psp';

/** Who a waiting payout waits on (`AwaitingActor`). */
export type AwaitingActor = 'creator' | 'compliance' | 'ops' | 'bank' | 'psp' | 'schedule' | 'none';

/** What `getState` (alias `getPayoutState`) returns: a snapshot safe to show to ops (no account data). */
export interface PayoutStatus {
  payoutId: string;
  creatorId: string;
  period: string;
  amount: Money;
  runId?: string;
  state: PayoutStateName;
  rail?: Rail;
  /** 1 for the first payment; +1 for each re-pay after a return. */
  attempt: number;
  awaiting?: { actor: AwaitingActor; reason: string; since: string; until?: string };
  held?: { operator: string; reason: string; since: string };
  lastErrorCode?: string;
  /** PSP transfer ID or bank EndToEndId of the current attempt. */
  railReference?: string;
  fx?: { lockId: string; rate: string; target: Money };
  resolution?: { operator: string; reason: string; outcome: 'paid_elsewhere' | 'abandoned' | 'partial_return' };
  /** Latest steps, newest last (bounded). */
  timeline: Array<{ at: string; step: string; detail?: string }>;
}

/** The value a payout workflow completes with (failures end it with a typed `ApplicationFailure` instead). */
export interface CreatorPayoutResult {
  payoutId: string;
  state: 'completed' | 'resolved_manually';
  rail?: Rail;
  attempts: number;
  railReference?: string;
}

// ---------- messages ----------

/** A provider event about this payout, from the ingress (PSP webhook or bank camt.054). Duplicates are ignored by `eventId`. */
export const railEventSchema = z.object({
  source: z.enum(['psp', 'bank']),
  eventId: z.string().min(1).max(255),
  kind: z.enum(['pending', 'paid', 'failed', 'returned']),
  /** PSP transfer ID or bank EndToEndId; absent when the provider event cannot name it (e.g. a connected-account payout). */
  reference: z.string().min(1).max(255).optional(),
  /** Failure or return reason code (R02, AC04, account_closed, …). */
  code: z.string().max(64).optional(),
  /**
   * On `kind: 'returned'`: the total amount returned so far, in the transfer's minor units (Stripe's cumulative
   * `amount_reversed`). A reversal can be partial: Stripe fires `transfer.reversed` for each part. The kind stays
   * `'returned'` (the enum is unchanged for replay safety); a return is full only when `returnedAmountMinor` is
   * absent (older events, rails that return only in full) or reaches the transfer's amount
   * ({@link railEventSchema} `transferAmountMinor`, else the amount the workflow sent). Less than that is a partial
   * return: book only what came back, or park for ops; never reverse the whole payout.
   */
  returnedAmountMinor: z.number().int().nonnegative().optional(),
  /** The transfer's amount in the same minor units, as the rail states it (to compare `returnedAmountMinor` to). */
  transferAmountMinor: z.number().int().positive().optional(),
  /**
   * The ingress's signature over this event for this workflow and signal (`workflows/shared/rail-proof.ts`). Since
   * patch `rail-event-proof` an event without a valid one is refused; optional only for histories from before.
   */
  proof: z.string().max(4_096).optional(),
});
export type RailEvent = z.infer<typeof railEventSchema>;
/** Webhook-driven status of the rail transfer. */
export const reportRailEventSignal = defineSignal<[RailEvent]>('reportRailEvent');

const reasonSchema = z.object({ reason: z.string().max(500).optional() }).strict();
/**
 * Sent by the payout run that started this payout to check that it is still open (the signal fails when it closed);
 * the payout does nothing with it.
 */
export const probeFromRunSignal = defineSignal('probeFromRun');

/** Payability facts changed (KYC done, sanctions cleared): re-check now instead of at the next periodic re-check. */
export const recheckPayabilitySignal = defineSignal<[z.infer<typeof reasonSchema>]>('recheckPayability');
/** Input of {@link recheckPayabilitySignal}: an optional reason for the timeline. */
export const recheckPayabilityInput = reasonSchema;
/** The creator saved new payout details in the directory (the signal carries none): re-read them. */
export const updatePayoutMethodSignal = defineSignal<[z.infer<typeof reasonSchema>]>('updatePayoutMethod');
/** Input of {@link updatePayoutMethodSignal}: an optional reason for the timeline. */
export const updatePayoutMethodInput = reasonSchema;

/** Outcome a child payout reports to its run once it is decided (or parked); each payout counts once. */
export const payoutOutcome = z.enum(['paid', 'failed', 'cancelled', 'parked', 'already-exists']);
export type PayoutOutcome = z.infer<typeof payoutOutcome>;

/** Input of {@link reportPayoutOutcomeSignal}. */
export const reportPayoutOutcomeInput = z.object({
  payoutId: z.string().min(1),
  outcome: payoutOutcome,
  errorCode: z.string().optional(),
});
export type ReportPayoutOutcomeInput = z.infer<typeof reportPayoutOutcomeInput>;

/** Sent by each `creatorPayout` started by a run to the run's workflow ID (the run, `payout-runs/`, handles it). */
export const reportPayoutOutcomeSignal = defineSignal<[ReportPayoutOutcomeInput]>('reportPayoutOutcome');

export * from './contract-commands';
import type { OpsCommand, ResolvePayoutCommand } from './contract-commands';

/** What an ops update returns: the state after the command. */
export interface OpsCommandResult {
  state: PayoutStateName;
}

/** Cancel a payout that has not been initiated at a rail yet (rejected afterwards). */
export const cancelPayoutUpdate = defineUpdate<OpsCommandResult, [OpsCommand]>('cancelPayout');
/** Compliance hold: the payout stops before the next money step until released. */
export const holdPayoutUpdate = defineUpdate<OpsCommandResult, [OpsCommand]>('holdPayout');
/** Lift a compliance hold: the payout goes on with its next step. */
export const releasePayoutUpdate = defineUpdate<OpsCommandResult, [OpsCommand]>('releasePayout');
/** Wake a waiting payout now: re-check payability or poll the rail immediately. */
export const retryPayoutNowUpdate = defineUpdate<OpsCommandResult, [OpsCommand]>('retryPayoutNow');
/** Close the payout by hand (paid elsewhere, or abandoned); releases a reservation when nothing was paid. */
export const resolvePayoutUpdate = defineUpdate<OpsCommandResult, [ResolvePayoutCommand]>('resolvePayout');

/**
 * Why an ops command was refused (`details.code` of the typed refusal, `code` of a refused verdict); nothing changed.
 */
export const PayoutRefusal = {
  /** The command did not parse (type `InvalidInput`). */
  InvalidInput: 'invalid_input',
  /** A cancel or resolve is already closing the payout (type `Conflict`). */
  AlreadyClosing: 'already_closing',
  /** A rail was already asked to move money: cancel is refused, resolve instead (type `Conflict`). */
  AlreadyInitiated: 'already_initiated',
  AlreadyOnHold: 'already_on_hold',
  NotOnHold: 'not_on_hold',
  /**
   * A hold is a compliance hold: it is released by a compliance officer other than the one who held it, four eyes
   * (type `PolicyViolation`).
   */
  ReleaseByHolder: 'release_by_holder',
  /** The payout's current state does not allow the command (type `Conflict`). */
  WrongState: 'wrong_state',
  /** `partial_return` needs a partial return the rail confirmed, on a settled payout (type `Conflict`). */
  NoPartialReturn: 'no_partial_return',
} as const;
export type PayoutRefusalCode = (typeof PayoutRefusal)[keyof typeof PayoutRefusal];

/** Snapshot of the payout for ops and the batch run, under the name every domain answers. */
export const getStateQuery = defineQuery<PayoutStatus>('getState');
/** The same snapshot under its older name, kept for running payouts and existing tooling. */
export const getPayoutStateQuery = defineQuery<PayoutStatus>('getPayoutState');

/** The payout workflow's signature, for typed handles without importing workflow code. */
export type CreatorPayoutWorkflow = (input: CreatorPayoutInput) => Promise<CreatorPayoutResult>;
