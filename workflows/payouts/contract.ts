import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ProviderId } from '../routing/contract';
import type { AuditEvent, SharedActivities } from '../shared/activities';
import { FailureType, refusalTable } from '../shared/failures';
import { moneySchema, type Currency, type Money } from '../shared/money';
import type { PostingFacts } from '../shared/posting-facts';
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
    /**
     * Overrides of the routing table's failover timing (tests shorten them; production uses the table's, which the
     * decision records): how long a provider may stay unanswered before it is fenced, and how long after the last
     * attempt ended the fence's look-up must wait.
     */
    failover: z.object({ budgetMs: durationMs, fenceHorizonMs: durationMs }).partial().strict().optional(),
  })
  .strict();
export type CreatorPayoutInput = z.infer<typeof creatorPayoutInput>;

/** Workflow ID of a payout: the business key, so starting the same payout twice finds the first. */
export const creatorPayoutWorkflowId = (payoutId: string) => `payout-${payoutId}`;

/** The conventional payout ID of a creator's payout for a period (what `payoutRun` uses). */
export const payoutIdFor = (creatorId: string, period: string) => `${creatorId}-${period}`;

/** The audit stream of a payout's ops commands. */
export const payoutAuditStream = (workflowId: string) => `payout:${workflowId}`;

/**
 * Audit stream that maps an Adyen transfer's `reference` back to its payout workflow (written before the transfer is
 * sent, like the bank's route; for the Adyen webhook ingress and reconciliation). The reference itself is made by
 * the activity from the attempt's Adyen idempotency key (`activities/payouts/adyen.ts`, `adyenReferenceFor`).
 */
export const adyenReferenceStream = (reference: string) => `adyen-ref:${reference}`;

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

/** Where the payout's money sits in the ledger (`ledgerAfter` in `carry.ts` says which posting puts it where). */
export type LedgerPosition = 'none' | 'reserved' | 'settled' | 'reversed';

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
  /**
   * On the PSP rail, the provider the routing table chose (since `payout-routing`); absent on Stripe-era payouts,
   * which always paid through Stripe. The `Rail` search attribute names it (`psp-stripe`, `psp-adyen`).
   */
  provider?: ProviderId;
  /** 1 for the first payment; +1 for each re-pay after a return. */
  attempt: number;
  awaiting?: { actor: AwaitingActor; reason: string; since: string; until?: string };
  held?: { operator: string; reason: string; since: string };
  lastErrorCode?: string;
  /** PSP transfer ID or bank EndToEndId of the current attempt. */
  railReference?: string;
  fx?: { lockId: string; rate: string; target: Money };
  /**
   * What this payout netted against the creator's open receivable (a duplicate disbursement recovered by offset),
   * in the balance currency: the rail is paid the amount less this (since `payout-net-receivable`).
   */
  netted?: Money;
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

// ---------- ops commands ----------

/** The ops commands' inputs (hold, release, cancel, retry now, resolve): what the updates below carry. */

/**
 * Every ops command carries the staff token (who: its subject; hold/release need the `compliance` or `ops` role,
 * the others `ops`) and says why; the operator and reason go to the audit trail. `operator`, if given, must be the
 * token's subject. `token` is optional here only because commands recorded before it was required have none: the
 * validator refuses a command without one (`Unauthorized`, `token_missing`).
 */
export const opsCommandInput = z
  .object({
    operator: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,128}$/, { error: 'must be an operator ID' })
      .optional(),
    reason: z
      .string({ error: 'reason is required' })
      .trim()
      .min(3, { error: 'must say why (at least 3 characters)' })
      .max(500),
    token: z.string().max(8_192).optional(),
  })
  .strict();
export type OpsCommand = z.infer<typeof opsCommandInput>;
/** An accepted ops command as the payout records it: `operator` is the token's subject. */
export type OpsAct = { operator: string; reason: string };

/** Input of {@link resolvePayoutUpdate}: an ops command plus how the payout ended outside the system. */
export const resolvePayoutInput = opsCommandInput
  .extend({
    /**
     * `partial_return`: part of the paid transfer came back (the rail confirmed how much); book exactly that part
     * back to the creator's balance and close.
     */
    outcome: z.enum(['paid_elsewhere', 'abandoned', 'partial_return'], {
      error: 'outcome: must be paid_elsewhere, abandoned or partial_return',
    }),
  })
  .strict();
export type ResolvePayoutCommand = z.infer<typeof resolvePayoutInput>;
export type ResolveAct = OpsAct & Pick<ResolvePayoutCommand, 'outcome'>;

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
 * Every code an ops command is refused with (`details.code` of the typed refusal, `code` of a refused verdict), its
 * failure type and what it means; nothing changed. The rules that return them are in `policy.ts`. A command without a
 * valid staff token is refused `Unauthorized` with the shared assertion codes (`workflows/shared/verified-staff.ts`).
 */
export const payoutRefusals = refusalTable({
  invalid_input: { type: FailureType.InvalidInput, summary: 'The command did not parse (each bad field is named).' },
  already_closing: { type: FailureType.Conflict, summary: 'A cancel or resolve is already closing the payout.' },
  already_initiated: {
    type: FailureType.Conflict,
    summary: 'A rail was already asked to move money: cancel is refused, resolve instead.',
  },
  already_on_hold: { type: FailureType.Conflict, summary: 'The payout is already on hold.' },
  not_on_hold: { type: FailureType.Conflict, summary: 'Release of a payout that is not on hold.' },
  release_by_holder: {
    type: FailureType.PolicyViolation,
    summary:
      'A hold is a compliance hold: it is released by a compliance officer other than the one who held it (four eyes).',
  },
  wrong_state: { type: FailureType.Conflict, summary: "The payout's current state does not allow the command." },
  no_partial_return: {
    type: FailureType.Conflict,
    summary: '`partial_return` needs a partial return the rail confirmed, on a settled payout.',
  },
});
export type PayoutRefusalCode = keyof typeof payoutRefusals;

/** @deprecated The codes by their old constant names; use the keys of {@link payoutRefusals}. */
export const PayoutRefusal = {
  InvalidInput: 'invalid_input',
  AlreadyClosing: 'already_closing',
  AlreadyInitiated: 'already_initiated',
  AlreadyOnHold: 'already_on_hold',
  NotOnHold: 'not_on_hold',
  ReleaseByHolder: 'release_by_holder',
  WrongState: 'wrong_state',
  NoPartialReturn: 'no_partial_return',
} as const satisfies Record<string, PayoutRefusalCode>;

/** Snapshot of the payout for ops and the batch run, under the name every domain answers. */
export const getStateQuery = defineQuery<PayoutStatus>('getState');
/** The same snapshot under its older name, kept for running payouts and existing tooling. */
export const getPayoutStateQuery = defineQuery<PayoutStatus>('getPayoutState');

/** The payout workflow's signature, for typed handles without importing workflow code. */
export type CreatorPayoutWorkflow = (input: CreatorPayoutInput) => Promise<CreatorPayoutResult>;

// ---------- activities ----------

/** The facts a payability decision needs: what the directory says about the creator, without any account data. */
export interface PayabilityFacts {
  kycStatus: 'verified' | 'pending' | 'required' | 'rejected';
  sanctionsStatus: 'clear' | 'pending' | 'hit';
  payoutMethod?: {
    rail: Rail;
    currency: Currency;
    country: string;
    /** PSP rail: the providers the creator holds a destination at (names only, never the account); since issue 25. */
    providers?: ProviderId[];
  };
  holdUntil?: string;
}

/** A creator's payability facts, without anything personal (no email, no account data). */
export interface PayoutProfile extends PayabilityFacts {
  creatorId: string;
  balanceCurrency: Currency;
  /**
   * PSP rail: the providers whose queue is paused at the server (an incident pause) when the profile was read, so a
   * routing decision passes over them without an activity of its own (issue 25 item 4). Absent in recorded histories
   * from before (and on the bank rail): routing then knows pauses only from notices, as it did.
   */
  pausedProviders?: ProviderId[];
  /**
   * What the creator owes the platform in the balance currency (`creator:<id>:receivable`, opened by a duplicate
   * disbursement's recovery by offset), read with the profile so netting it costs the payout no activity of its own.
   * Absent when nothing is owed, and in recorded histories from before `payout-net-receivable`.
   */
  receivableMinor?: number;
}

/** Netting a creator's receivable from a payout (since `payout-net-receivable`): posted once under `postingId`. */
export interface NetReceivableInput extends PostingFacts {
  postingId: string;
  creatorId: string;
  payoutId: string;
  /** The part of the payout that pays the receivable (at most the payout and the receivable). */
  amount: Money;
}

/**
 * A ledger step of a payout; the posting ID is workflow ID + step, so a retry posts once. `settle_elsewhere` books a
 * payout ops resolved as paid outside the system after its money came back (available → settled); `reverse_partial`
 * books what came back of a partially returned transfer (settled → available), `amount` being that part.
 */
export type PayoutPostingKind = 'reserve' | 'release' | 'settle' | 'reverse' | 'settle_elsewhere' | 'reverse_partial';
export interface PostPayoutLedgerInput extends Partial<PostingFacts> {
  kind: PayoutPostingKind;
  postingId: string;
  creatorId: string;
  amount: Money;
  payoutId: string;
}

/** The creator emails a payout sends (texts live with the activity). */
export type PayoutEmailTemplate =
  | 'paid'
  | 'failed'
  | 'returned'
  | 'action_required'
  | 'new_details_required'
  /** The whole payout went to what the creator owed (since `payout-netted-email`). */
  | 'netted';

/** A locked FX rate: `target` is what the creator receives. */
export interface PayoutFxLock {
  lockId: string;
  quoteId: string;
  /** Decimal string (no floats in payloads). */
  rate: string;
  target: Money;
  expiresAt: string;
}

/** What the rail knows of an attempt's transfer. */
export type RailLookup =
  { found: false } | { found: true; reference: string; status: 'paid' | 'pending' | 'failed' | 'returned' };

/**
 * The activities `creatorPayout` calls (implemented in `activities/payouts/`). Account details and emails are
 * resolved inside them from the creator ID and never enter history.
 */
export interface PayoutActivities extends SharedActivities {
  getPayoutProfile(i: { creatorId: string }): Promise<PayoutProfile>;
  postPayoutLedger(i: PostPayoutLedgerInput): Promise<{ postingId: string; alreadyPosted: boolean }>;
  /**
   * Nets the creator's receivable from this payout, once (`postingId`): `creator:<id>:available` debited,
   * `creator:<id>:receivable` credited (the available balance may not be overdrawn), and `creator.receivable_netted`
   * appended to `creator-receivables:<creatorId>` (event ID = the posting ID) in the same activity. When another payout
   * netted part of it since the profile was read, nothing is posted and `owedMinor` says what is still owed.
   */
  netCreatorReceivable(i: NetReceivableInput): Promise<{
    postingId: string;
    alreadyPosted: boolean;
    /** Refused: less is owed now; nothing posted. */
    owedMinor?: number;
  }>;
  /** Which of these posting IDs the ledger holds (a consistent read): what the ledger itself says was booked. */
  readPayoutPostings(i: { postingIds: string[] }): Promise<{ posted: string[] }>;
  lockPayoutFx(i: { idempotencyKey: string; source: Money; targetCurrency: Currency }): Promise<PayoutFxLock>;
  /** PSP transfer to the creator's connected account; `reference` is the payout workflow ID (webhook routing). */
  initiatePspPayout(i: {
    idempotencyKey: string;
    creatorId: string;
    amount: Money;
    reference: string;
    /** The attempt's fixed destination ({@link PayoutActivities.fixPayoutDestination}); absent on histories from before. */
    destinationId?: string;
  }): Promise<{ transferId: string; status: 'paid' | 'pending' }>;
  /** Bank credit transfer (pain.001); the EndToEndId → workflow route is recorded before sending. */
  initiateBankPayout(i: {
    idempotencyKey: string;
    workflowId: string;
    creatorId: string;
    amount: Money;
    remittance: string;
    /** The attempt's fixed destination; absent on histories from before. */
    destinationId?: string;
  }): Promise<{ endToEndId: string; status: 'accepted' | 'pending' | 'settled' | 'rejected'; reasonCode?: string }>;
  /**
   * Reads the creator's payout method once per attempt and keeps it under an opaque destination ID derived from the
   * attempt's initiation key (the first read wins on a retry), so a retried initiation pays where the first one did,
   * whatever the directory says by then. No account data enters history.
   */
  fixPayoutDestination(i: {
    creatorId: string;
    rail: Rail;
    idempotencyKey: string;
    /** A routed PSP payout: the provider whose destination to fix (absent: Stripe, as before routing). */
    provider?: ProviderId;
    /**
     * Written to the audit store in the same activity, before the destination is fixed (the routing decision): one
     * activity instead of two on the happy path.
     */
    audit?: AuditEvent;
  }): Promise<{ destinationId: string }>;
  /**
   * Whether the creator's payout method, as the directory says now, pays the same account as the destination fixed
   * for the attempt of `idempotencyKey` (compared inside the activity: no account data enters history). `unknown`
   * when no destination was fixed for that attempt (payouts from before fixed destinations).
   */
  comparePayoutDestination(i: {
    creatorId: string;
    idempotencyKey: string;
  }): Promise<{ destination: 'same' | 'changed' | 'unknown' }>;
  /** The transfer an initiation may have made (PSP: by transfer group and step; bank: by EndToEndId); none if absent. */
  findRailPayout(i: { rail: Rail; idempotencyKey: string; reference: string }): Promise<RailLookup>;
  /** The transfer at the PSP; `amount` and `returnedAmountMinor` (its `amount_reversed`) since `rail-event-confirm`. */
  pollPspPayout(i: { transferId: string }): Promise<{
    status: 'paid' | 'pending' | 'failed' | 'reversed';
    failureCode?: string;
    amount?: Money;
    returnedAmountMinor?: number;
  }>;
  /**
   * Adyen transfer (Transfers API) to the attempt's fixed Adyen destination, with the attempt's Adyen idempotency key
   * (never one Stripe saw) and a reference made from it; the reference → workflow route is written before sending.
   * A refusal fails non-retryably with the evidence in its details (`provider`, `code`, `requestId`, `decision`).
   */
  initiateAdyenPayout(i: {
    idempotencyKey: string;
    workflowId: string;
    amount: Money;
    destinationId: string;
  }): Promise<{ transferId: string; status: 'paid' | 'pending'; reference: string }>;
  /**
   * Whether any attempt of the Adyen initiation under this key got as far as calling Adyen, decided once by a
   * compare-and-set: each attempt claims the reference (its route) before its first call, and this claims it for the
   * fence when no attempt has. Not started is then final: an attempt that starts later (a task already handed to a
   * worker as its timeout fired) finds the fence and never calls Adyen. The fence's "never started" proof.
   */
  adyenAttemptStarted(i: { idempotencyKey: string; workflowId?: string }): Promise<{ started: boolean }>;
  /** The transfer Adyen holds for the attempt's reference (made since `sinceMs`), if any: a fence's look-up. */
  findAdyenPayout(i: { idempotencyKey: string; sinceMs: number }): Promise<RailLookup>;
  /** The transfer at Adyen, in the PSP poll's shape (a refused or failed transfer is `failed`; returned: `reversed`). */
  pollAdyenPayout(i: { transferId: string }): Promise<{
    status: 'paid' | 'pending' | 'failed' | 'reversed';
    failureCode?: string;
    amount?: Money;
    returnedAmountMinor?: number;
  }>;
  /** The bank's status inquiry; for a returned transfer, every return booked (amount, currency, reason). */
  pollBankPayout(i: { endToEndId: string }): Promise<{
    status: 'accepted' | 'pending' | 'settled' | 'rejected' | 'returned';
    reasonCode?: string;
    returns?: Array<{ amount: Money; reasonCode?: string }>;
  }>;
  emailCreator(i: {
    creatorId: string;
    payoutId: string;
    template: PayoutEmailTemplate;
    /** The payout's amount (gross: before any netting). */
    amount: Money;
    /** What the payout netted against the creator's receivable, when it did: the email states both parts. */
    netted?: Money;
  }): Promise<{ messageId: string }>;
}
