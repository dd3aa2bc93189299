import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { SharedActivities } from '../shared/activities';
import { FailureType, refusalTable } from '../shared/failures';
import { moneySchema, type Money } from '../shared/money';
import type { PostingFacts } from '../shared/posting-facts';

/*
 * The public surface of the dispute domain: schemas, messages, IDs, the staff commands' inputs and their refusal
 * codes, the view and result, and the activities the case calls. It imports nothing else of the domain, so the
 * client, the ingress and the activities can depend on it.
 */

/** A PSP dispute ID (`dp_…`, or `du_…` for inquiries): a business key, never personal data. */
export const disputeIdSchema = z
  .string()
  .regex(/^(dp|du)_[A-Za-z0-9]{1,100}$/, { error: 'must be a PSP dispute ID (dp_… or du_…)' });

/** An order ID as the shop knows it: opaque, short, no personal data. */
export const orderIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, dashes or underscores' });

/** Who owns the case: first-line ops, the senior dispute desk, then finance and legal. */
export const escalationTierSchema = z.enum(['tier1', 'tier2', 'finance_legal']);
export type EscalationTier = z.infer<typeof escalationTierSchema>;

/** Lifecycle of a case (the `DisputeState` search attribute). */
export const disputeStateSchema = z.enum([
  'opened',
  'gathering_evidence',
  'in_review',
  'pre_arbitration',
  'submitted',
  'won',
  'lost',
]);
export type DisputeState = z.infer<typeof disputeStateSchema>;
/** States in which the case is still being worked (before a submission or an outcome): the default work list. */
export const OPEN_STATES: ReadonlySet<DisputeState> = new Set<DisputeState>([
  'opened',
  'gathering_evidence',
  'in_review',
  'pre_arbitration',
]);

/** Statuses the PSP reports on a dispute (Stripe's set). */
export const pspDisputeStatusSchema = z.enum([
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'won',
  'lost',
  'prevented',
]);
export type PspDisputeStatus = z.infer<typeof pspDisputeStatusSchema>;
/** PSP statuses still open for evidence, and those under the issuer's review (the case and the submission read them). */
export const OPEN_PSP: ReadonlySet<string> = new Set<PspDisputeStatus>(['needs_response', 'warning_needs_response']);
export const REVIEW_PSP: ReadonlySet<string> = new Set<PspDisputeStatus>(['under_review', 'warning_under_review']);

/** Evidence fields ops may fill with text (a subset of the PSP's evidence object). */
export const evidenceFieldSchema = z.enum([
  'product_description',
  'customer_communication',
  'shipping_carrier',
  'shipping_tracking_number',
  'shipping_date',
  'shipping_documentation',
  'service_date',
  'service_documentation',
  'refund_policy',
  'refund_refusal_explanation',
  'cancellation_rebuttal',
  'duplicate_charge_explanation',
  'receipt',
  'uncategorized_text',
]);
export type EvidenceField = z.infer<typeof evidenceFieldSchema>;

const positiveInt = z.number().int().positive();

/**
 * How a case is paced, in hours before the PSP's evidence due date. Defaults follow the issue: draft at due−7d,
 * second-tier review at due−3d, final decision at due−1d; the configured default applies `deadlineMarginMinutes`
 * before the due date so the PSP call still lands in time.
 */
export const disputePolicySchema = z
  .object({
    draftLeadHours: positiveInt.default(7 * 24),
    reviewLeadHours: positiveInt.default(3 * 24),
    finalLeadHours: positiveInt.default(24),
    /** A reminder goes to the owner this long before each milestone it has not met yet. */
    reminderLeadHours: positiveInt.default(24),
    deadlineMarginMinutes: positiveInt.default(120),
    /** What happens at the deadline without a decision: submit what was gathered, or accept liability. */
    deadlineDefault: z.enum(['submit', 'accept']).default('submit'),
    /** After won/lost the case stays open this long, so a pre-arbitration reopen or late webhook lands in it. */
    reopenWindowDays: positiveInt.max(365).default(60),
    /** While the PSP reviews, ask it for the outcome this often in case a webhook was lost. */
    outcomePollDays: positiveInt.default(7),
  })
  .refine(
    (p) =>
      p.draftLeadHours > p.reviewLeadHours &&
      p.reviewLeadHours > p.finalLeadHours &&
      p.finalLeadHours * 60 > p.deadlineMarginMinutes,
    {
      error: 'milestones must be ordered: draftLeadHours > reviewLeadHours > finalLeadHours > deadlineMarginMinutes',
    },
  );
export type DisputePolicy = z.infer<typeof disputePolicySchema>;

/** Input of {@link disputeCase}. The facts (amount, due date, reason) come from the PSP events it receives. */
export const disputeCaseInput = z.object({
  disputeId: disputeIdSchema,
  policy: disputePolicySchema.prefault({}),
});
export type DisputeCaseInput = z.input<typeof disputeCaseInput>;

/** One PSP webhook about the dispute, reduced to what the case needs (the ingress route builds it). */
export const pspDisputeEvent = z.object({
  eventId: z.string().regex(/^[A-Za-z0-9_:-]{1,255}$/, { error: 'must be a PSP event ID' }),
  type: z.enum([
    'charge.dispute.created',
    'charge.dispute.updated',
    'charge.dispute.closed',
    'charge.dispute.funds_withdrawn',
    'charge.dispute.funds_reinstated',
  ]),
  /** When the PSP created the event: orders events that arrive out of order. */
  createdAt: z.iso.datetime(),
  disputeId: disputeIdSchema,
  status: pspDisputeStatusSchema,
  /** The status before this event, when the PSP says (`previous_attributes.status`). */
  previousStatus: pspDisputeStatusSchema.optional(),
  dueBy: z.iso.datetime(),
  amount: moneySchema,
  reason: z.string().regex(/^[a-z_]{1,64}$/, { error: 'must be a PSP reason code' }),
  orderId: orderIdSchema.optional(),
  submissionCount: z.number().int().min(0),
  /** The ingress's signature over this event (`workflows/shared/rail-proof.ts`); required since `rail-event-proof`. */
  proof: z.string().max(4_096).optional(),
});
export type PspDisputeEvent = z.infer<typeof pspDisputeEvent>;

/**
 * Every code an ops command on a case is refused with (`details.code` of the typed refusal, its type from this table).
 * Validators refuse before anything reaches history; `policy.ts` holds the rules, the handlers only throw what they
 * return. Refusals for who sent the command are type `Unauthorized` with a `StaffRefusalCode`
 * (`workflows/shared/verified-staff.ts`, the one staff-identity checker).
 */
export const disputeRefusals = refusalTable({
  invalid_input: { type: FailureType.InvalidInput, summary: 'the command is malformed (each bad field is named)' },
  not_open: {
    type: FailureType.Conflict,
    summary: 'the case is submitted or closed: evidence and decisions can no longer change',
  },
  case_closed: { type: FailureType.Conflict, summary: 'the case is won or lost: it can no longer be assigned' },
  already_decided: {
    type: FailureType.Conflict,
    summary: 'a decision was already made for this round: no second decision, evidence is frozen',
  },
  tier_too_low: {
    type: FailureType.Conflict,
    summary: 'the case was handed to a higher tier than the one deciding',
  },
  tier_down: { type: FailureType.Conflict, summary: 'an assignment would move the case down a tier' },
  accept_needs_tier2: { type: FailureType.Conflict, summary: 'accepting liability needs tier2 or finance_legal' },
  no_evidence: { type: FailureType.Conflict, summary: 'contesting needs at least one evidence field' },
});
export type DisputeRefusalCode = keyof typeof disputeRefusals;

/** The pacing points of a round (see `disputePolicySchema`). */
export type MilestoneName = 'draft' | 'review' | 'final' | 'deadline';
export type MilestoneStatus = 'pending' | 'met' | 'missed';
/** Where the case reads evidence for an order, and how each read went. */
export type EvidenceSource = 'order' | 'shipment' | 'communications';
export type EvidenceSourceStatus = 'pending' | 'found' | 'missing' | 'failed';
/** Where the disputed money sits in the ledger: not yet moved, held while open, released (won), written off (lost). */
export type LedgerPosition = 'none' | 'held' | 'released' | 'written_off';
/** Evidence text per PSP field, as submitted. */
export type Evidence = Partial<Record<EvidenceField, string>>;

/** What `getState` returns: the case as ops see it. */
export interface DisputeCaseView {
  disputeId: string;
  state: DisputeState;
  /** 1 for the chargeback, 2+ for each pre-arbitration round. */
  round: number;
  pspStatus?: PspDisputeStatus;
  dueBy?: string;
  amount?: Money;
  reason?: string;
  orderId?: string;
  tier: EscalationTier;
  assignee?: string;
  awaiting: { actor: 'ops' | 'finance' | 'psp' | 'none'; since: string; what: string };
  nextEscalationAt?: string;
  milestones: Array<{ name: MilestoneName; at: string; status: MilestoneStatus }>;
  evidenceFields: EvidenceField[];
  missingEvidence: EvidenceField[];
  evidenceSources: Record<EvidenceSource, EvidenceSourceStatus>;
  /** Who wrote each evidence field by hand (the command assertion's subject; absent for fields read from sources). */
  evidenceBy?: Partial<Record<EvidenceField, string>>;
  decision?: CaseDecision & { at: string; round: number; byDefault: boolean };
  submissions: Array<{ round: number; at: string; pspSubmissionCount: number; alreadySubmitted: boolean }>;
  outcome?: 'won' | 'lost';
  resolution?: 'contested' | 'accepted';
  ledgerPosition: LedgerPosition;
  flags: Array<'compensated_order' | 'submitted_outside' | 'no_order_id' | 'unconfirmed_event'>;
  /** PSP events the PSP did not confirm when asked (forged, or not the PSP's state): nothing was booked for them. */
  unconfirmedEvents?: UnconfirmedEvent[];
  compensations: Array<{ eventId: string; amountMinor?: number; currency?: string }>;
  eventsApplied: number;
  eventsIgnored: number;
  lastErrorCode?: string;
}

/**
 * A PSP event the case did not act on because the PSP, asked for the dispute, did not confirm it: `claimed` is the
 * event's status, `pspStatus` what the PSP holds (absent when the PSP could not be asked: `code` says why).
 */
export interface UnconfirmedEvent {
  eventId: string;
  claimed: PspDisputeStatus;
  pspStatus?: string;
  code?: string;
  at: string;
}

/** What the workflow returns when the case closes for good. */
export interface DisputeCaseResult {
  disputeId: string;
  outcome?: 'won' | 'lost';
  resolution?: 'contested' | 'accepted';
  rounds: number;
  ledgerPosition: LedgerPosition;
  flags: DisputeCaseView['flags'];
}

/*
 * The staff commands on a case (the `assignCase`, `addEvidence` and `decideCase` updates' inputs) and how a decision
 * is recorded. Each carries the staff member's signed token: who acts and at which tiers come from it, never from
 * the body; the body's `by` / `tier` are claims kept for wire compatibility, checked against the token.
 */

/** An internal staff ID (never an email address); compared case-folded, so `CS.Alice` is `cs.alice`. */
export const staffIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be an internal staff ID (1-64 letters, digits, . _ -)' });

/**
 * The staff member's signed token (a JWT from the identity provider): the validator verifies it and takes who acts
 * (its subject) and their tiers (its roles) from it. Optional in the schema only because commands recorded before
 * tokens were required have none; the validator refuses a command without one (`Unauthorized`, `token_missing`).
 */
export const staffTokenSchema = z.string().max(8_192);

/**
 * Assign the case to a person at a tier (and so hand it to that tier). Who assigns is the token's subject; `by`, if
 * given, must be that subject.
 */
export const assignCaseInput = z.object({
  assignee: staffIdSchema,
  tier: escalationTierSchema,
  by: staffIdSchema.optional(),
  token: staffTokenSchema.optional(),
});
export type AssignCaseInput = z.infer<typeof assignCaseInput>;

/** Add or replace one evidence field with text written or collected by ops (`by` as in {@link assignCaseInput}). */
export const addEvidenceInput = z.object({
  field: evidenceFieldSchema,
  text: z.string().trim().min(1).max(20_000),
  by: staffIdSchema.optional(),
  token: staffTokenSchema.optional(),
});
export type AddEvidenceInput = z.infer<typeof addEvidenceInput>;

/**
 * Decide to contest (submit the evidence) or accept liability. The decider is the token's subject and decides at
 * `tier`, which must be one of the token's roles (default: the highest tier the token holds).
 */
export const decideCaseInput = z.object({
  decision: z.enum(['contest', 'accept']),
  by: staffIdSchema.optional(),
  tier: escalationTierSchema.optional(),
  note: z.string().max(2_000).optional(),
  token: staffTokenSchema.optional(),
});
export type DecideCaseInput = z.infer<typeof decideCaseInput>;

/** Who decided, as the token proved it (the audit trail's record). */
export interface DecidedBy {
  subject: string;
  issuer: string;
  keyId: string;
}
/** A decision as the case records it: `by` is the token's subject (or `system` for the deadline default). */
export interface CaseDecision {
  decision: 'contest' | 'accept';
  by: string;
  tier: EscalationTier;
  note?: string;
  decidedBy?: DecidedBy;
}

/** A PSP webhook for this dispute (fire-and-forget; duplicates and stale events are ignored inside). */
export const receivePspEventSignal = defineSignal<[PspDisputeEvent]>('receivePspEvent');
/** Assign the case (validated: known tier, case still open). Returns the case view. */
export const assignCaseUpdate = defineUpdate<DisputeCaseView, [AssignCaseInput]>('assignCase');
/** Add evidence text (validated: case not yet submitted or closed). Returns the case view. */
export const addEvidenceUpdate = defineUpdate<DisputeCaseView, [AddEvidenceInput]>('addEvidence');
/** Decide contest or accept (validated: once per round, tier allowed, evidence present to contest). */
export const decideCaseUpdate = defineUpdate<DisputeCaseView, [DecideCaseInput]>('decideCase');
/** The case as ops see it. */
export const getStateQuery = defineQuery<DisputeCaseView>('getState');

/** The workflow's signature for typed handles (`disputeCase`, wire name `disputeCase`); clients never import it. */
export type DisputeCaseWorkflow = (input: DisputeCaseInput) => Promise<DisputeCaseResult>;

/** Workflow ID of a dispute case: the dispute's ID is the business key. */
export const disputeCaseWorkflowId = (disputeId: string) => `dispute-${disputeId}`;
/** Audit stream of one case's assignments and decisions. */
export const disputeAuditStream = (workflowId: string) => `dispute:${workflowId}`;

/** A compensation the approvals side already paid on the disputed order (from the `order:<orderId>` audit stream). */
export type OrderCompensation = DisputeCaseView['compensations'][number];

/* The activities the case calls. */

/** A dispute as the PSP reports it (`status` is the PSP's word; `dueBy` an ISO instant). */
export interface DisputeFacts {
  disputeId: string;
  status: string;
  dueBy: string;
  submissionCount: number;
  amount: Money;
  reason: string;
  /** The order the dispute is about, when the PSP holds it (our charge metadata). */
  orderId?: string;
}

/**
 * The activities a dispute case calls (implemented by `createDisputeActivities` under `activities/disputes/`), plus
 * the shared `appendAudit`. Wire names are these method names.
 */
export interface DisputeActivities extends Pick<SharedActivities, 'appendAudit'> {
  /** Reads one evidence source for an order; a missing record is `found: false`, not an error. */
  gatherDisputeEvidence(i: {
    orderId: string;
    source: EvidenceSource;
  }): Promise<{ found: boolean; evidence: Evidence }>;
  /** The dispute as the PSP sees it now (`status` is the PSP's word, parsed by the case). */
  getDisputeFacts(i: { disputeId: string }): Promise<DisputeFacts>;
  /** Updates and submits the evidence at most once per round (guarded by the PSP's submission count). */
  submitDisputeEvidenceOnce(i: {
    workflowId: string;
    disputeId: string;
    round: number;
    baselineSubmissionCount: number;
    evidence: Evidence;
  }): Promise<{ result: 'submitted' | 'submitted_outside' | 'closed'; status: string; submissionCount: number }>;
  /** Accepts liability at the PSP (the dispute closes as lost). */
  acceptDisputeLiability(i: { workflowId: string; disputeId: string; round: number }): Promise<{ status: string }>;
  /** Moves the disputed amount between ledger positions in one idempotent posting. */
  moveDisputedFunds(
    i: {
      postingId: string;
      disputeId: string;
      from: LedgerPosition;
      to: LedgerPosition;
      amount: Money;
    } & Partial<PostingFacts>,
  ): Promise<{ posted: boolean }>;
  /** Reports compensations already paid on the order and tells the approvals side about the dispute. */
  crossCheckDisputedOrder(i: {
    orderId: string;
    workflowId: string;
    disputeId: string;
    amount: Money;
    openedAt: string;
  }): Promise<{ compensations: OrderCompensation[] }>;
  /** Emails the tier's team and publishes `dispute.<kind>`; `dedupeKey` makes repeats harmless. */
  notifyDisputeTeam(i: {
    tier: EscalationTier;
    kind: string;
    dedupeKey: string;
    subject: string;
    body: string;
    data: Record<string, unknown>;
  }): Promise<{ messageId: string }>;
}
