import { z } from 'zod';
import { currencySchema, type Currency } from '../shared/money';
import { higherRole, roleRank, roleSchema, type Role } from './roles';

/**
 * The approval policy: pure functions over a zod-validated, versioned configuration. Thresholds are minor units of
 * the request's currency, so a policy lists the currencies it was written for and refuses the others. Every
 * decision records the version it was taken under; a running workflow keeps the version it started with.
 */

const minor = z.number().int().nonnegative();

const tierSchema = z.object({
  /** Shown as `AwaitingTier`. */
  name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: 'must be a short lowercase name' }),
  /** Largest total this tier may approve; `null` = no upper bound. */
  upToMinor: minor.nullable(),
  /** Lowest role that may decide at this tier. */
  minRole: roleSchema,
  /** How many different approvers must approve. */
  approvals: z.number().int().min(1).max(5),
  /** Reached only by hand-off or a stricter route, never chosen by amount. */
  escalationOnly: z.boolean().default(false),
});

export const approvalPolicySchema = z
  .object({
    version: z.string().regex(/^[a-z0-9.-]{1,32}$/),
    currencies: z.array(currencySchema).min(1),
    /** Totals up to this (inclusive) are approved without a person, when nothing is flagged and the budget allows. */
    autoApproveMaxMinor: minor,
    /** What one agent may hand out per UTC day (all their executed compensations in the currency) before people decide. */
    agentDailyBudgetMinor: minor,
    tiers: z.array(tierSchema).min(1),
    /** The most one approver of a role may approve; absent = the role may not approve at all. */
    roleLimitsMinor: z.partialRecord(roleSchema, minor),
    /** Tiers to climb when the order has an open dispute (the customer may get the money back twice). */
    disputeTierBump: z.number().int().min(0).default(1),
    /** Tiers to climb when the order was already claimed for. */
    repeatClaimTierBump: z.number().int().min(0).default(0),
    escalation: z.object({
      remindAfterMs: z.number().int().positive(),
      handOffAfterMs: z.number().int().positive(),
      expireAfterMs: z.number().int().positive(),
      /** `expire`: the request lapses; `deny`: it is rejected in the policy's name. */
      onExpiry: z.enum(['expire', 'deny']),
    }),
  })
  .refine(
    (p) =>
      p.escalation.remindAfterMs < p.escalation.handOffAfterMs &&
      p.escalation.handOffAfterMs < p.escalation.expireAfterMs,
    {
      error: 'escalation marks must be ordered: remind < hand-off < expire',
      path: ['escalation'],
    },
  )
  .refine((p) => p.tiers.some((t) => !t.escalationOnly && t.upToMinor === null), {
    error: 'one tier chosen by amount must have no upper bound (upToMinor: null)',
    path: ['tiers'],
  });
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;
export type Tier = ApprovalPolicy['tiers'][number];

const HOUR = 3_600_000;

/** Policy versions ever used; never edit a published one (running workflows and audit trails refer to it). */
export const APPROVAL_POLICIES = {
  '2025-06.1': approvalPolicySchema.parse({
    version: '2025-06.1',
    currencies: ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF'],
    autoApproveMaxMinor: 2_500,
    agentDailyBudgetMinor: 20_000,
    tiers: [
      { name: 'finance', upToMinor: 50_000, minRole: 'finance_approver', approvals: 1 },
      { name: 'finance_manager', upToMinor: 250_000, minRole: 'finance_manager', approvals: 1 },
      { name: 'dual_control', upToMinor: null, minRole: 'finance_manager', approvals: 2 },
      { name: 'director', upToMinor: null, minRole: 'finance_director', approvals: 2, escalationOnly: true },
    ],
    roleLimitsMinor: { finance_approver: 50_000, finance_manager: 1_000_000, finance_director: 10_000_000 },
    disputeTierBump: 1,
    repeatClaimTierBump: 0,
    escalation: { remindAfterMs: 4 * HOUR, handOffAfterMs: 24 * HOUR, expireAfterMs: 72 * HOUR, onExpiry: 'expire' },
  }),
  '2025-09.1': approvalPolicySchema.parse({
    version: '2025-09.1',
    currencies: ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF'],
    autoApproveMaxMinor: 2_000,
    agentDailyBudgetMinor: 15_000,
    tiers: [
      { name: 'finance', upToMinor: 50_000, minRole: 'finance_approver', approvals: 1 },
      { name: 'finance_manager', upToMinor: 250_000, minRole: 'finance_manager', approvals: 1 },
      { name: 'dual_control', upToMinor: null, minRole: 'finance_manager', approvals: 2 },
      { name: 'director', upToMinor: null, minRole: 'finance_director', approvals: 2, escalationOnly: true },
    ],
    roleLimitsMinor: { finance_approver: 50_000, finance_manager: 1_000_000, finance_director: 10_000_000 },
    disputeTierBump: 1,
    repeatClaimTierBump: 1,
    escalation: { remindAfterMs: 2 * HOUR, handOffAfterMs: 8 * HOUR, expireAfterMs: 48 * HOUR, onExpiry: 'deny' },
  }),
} as const satisfies Record<string, ApprovalPolicy>;
export type PolicyVersion = keyof typeof APPROVAL_POLICIES;
export const POLICY_VERSIONS = Object.keys(APPROVAL_POLICIES) as [PolicyVersion, ...PolicyVersion[]];
/** The version new requests get unless they name one. */
export const CURRENT_POLICY_VERSION: PolicyVersion = '2025-06.1';

export function policyFor(version: PolicyVersion): ApprovalPolicy {
  return APPROVAL_POLICIES[version];
}

/** What the request asks for, resolved to amounts (a full refund becomes "everything not yet refunded"). */
export interface Remedies {
  refundMinor: number;
  storeCreditMinor: number;
  voucherMinor: number;
}
export const totalOf = (r: Remedies): number => r.refundMinor + r.storeCreditMinor + r.voucherMinor;

/** What the request asks for, as the requester wrote it. */
export interface RequestedRemedies {
  refund?: { kind: 'full' } | { kind: 'partial'; amountMinor: number } | undefined;
  storeCreditMinor?: number | undefined;
  voucherMinor?: number | undefined;
}

/** Facts read from outside when a request starts; kept in the workflow so later checks are pure. */
export interface RequestFacts {
  orderCustomerId: string;
  captured: { amountMinor: number; currency: Currency };
  refundedMinor: number;
  /** Other compensation requests for the same order. */
  priorClaims: number;
  /** The disputes domain recorded a `dispute.opened` for the order. */
  disputeOpened: boolean;
  /** Sum of this agent's executed compensations today in the request currency. */
  agentSpentTodayMinor: number;
}

export type Flag = 'dispute_open' | 'repeat_claim' | 'agent_budget_exceeded';

/** Who must decide: a tier, the lowest role allowed, and how many different approvers. */
export interface Route {
  tierIndex: number;
  tier: string;
  minRole: Role;
  approvalsRequired: number;
}

export type PolicyRejectCode =
  | 'currency_not_covered'
  | 'currency_mismatch'
  | 'customer_mismatch'
  | 'nothing_left_to_refund'
  | 'refund_exceeds_captured'
  | 'above_all_limits';

export type Plan =
  | { kind: 'reject'; code: PolicyRejectCode; message: string; remedies: Remedies; flags: Flag[] }
  | { kind: 'auto_approve'; remedies: Remedies; flags: Flag[] }
  | { kind: 'needs_approval'; route: Route; remedies: Remedies; flags: Flag[] };

export function resolveRemedies(requested: RequestedRemedies, facts: RequestFacts): Remedies {
  const remaining = Math.max(0, facts.captured.amountMinor - facts.refundedMinor);
  const refundMinor =
    requested.refund === undefined ? 0 : requested.refund.kind === 'full' ? remaining : requested.refund.amountMinor;
  return { refundMinor, storeCreditMinor: requested.storeCreditMinor ?? 0, voucherMinor: requested.voucherMinor ?? 0 };
}

/** Decides what happens to a new (or amended) request. Pure: same inputs, same plan. */
export function evaluateRequest(
  policy: ApprovalPolicy,
  request: { customerId: string; currency: Currency; remedies: RequestedRemedies },
  facts: RequestFacts,
): Plan {
  const remedies = resolveRemedies(request.remedies, facts);
  const total = totalOf(remedies);
  const flags: Flag[] = [];
  if (facts.disputeOpened) flags.push('dispute_open');
  if (facts.priorClaims > 0) flags.push('repeat_claim');
  if (facts.agentSpentTodayMinor + total > policy.agentDailyBudgetMinor) flags.push('agent_budget_exceeded');
  const reject = (code: PolicyRejectCode, message: string): Plan => ({
    kind: 'reject',
    code,
    message,
    remedies,
    flags,
  });

  if (!(policy.currencies as readonly string[]).includes(request.currency)) {
    return reject('currency_not_covered', `policy ${policy.version} has no thresholds for ${request.currency}`);
  }
  if (request.currency !== facts.captured.currency) {
    return reject(
      'currency_mismatch',
      `the order was paid in ${facts.captured.currency}, the request is in ${request.currency}`,
    );
  }
  if (request.customerId !== facts.orderCustomerId)
    return reject('customer_mismatch', 'the order belongs to another customer');
  const remaining = facts.captured.amountMinor - facts.refundedMinor;
  if (request.remedies.refund?.kind === 'full' && remaining <= 0) {
    return reject('nothing_left_to_refund', 'the order is already fully refunded');
  }
  if (remedies.refundMinor > remaining) {
    return reject(
      'refund_exceeds_captured',
      `refund of ${remedies.refundMinor} exceeds the ${remaining} minor units captured and not yet refunded`,
    );
  }
  if (flags.length === 0 && total <= policy.autoApproveMaxMinor) return { kind: 'auto_approve', remedies, flags };

  const route = routeFor(policy, total, flags);
  if (!route)
    return reject('above_all_limits', `no role may approve ${total} minor units under policy ${policy.version}`);
  return { kind: 'needs_approval', route, remedies, flags };
}

function routeFor(policy: ApprovalPolicy, total: number, flags: Flag[]): Route | undefined {
  const byAmount = policy.tiers.findIndex((t) => !t.escalationOnly && (t.upToMinor === null || total <= t.upToMinor));
  const bump =
    (flags.includes('dispute_open') ? policy.disputeTierBump : 0) +
    (flags.includes('repeat_claim') ? policy.repeatClaimTierBump : 0);
  let route = toRoute(policy, byAmount);
  for (let i = 0; i < bump; i++) route = handOff(policy, route) ?? route;
  return canAnyoneApprove(policy, route, total) ? route : undefined;
}

function toRoute(policy: ApprovalPolicy, tierIndex: number): Route {
  const tier = policy.tiers[tierIndex] as Tier;
  return { tierIndex, tier: tier.name, minRole: tier.minRole, approvalsRequired: tier.approvals };
}

/** The next rung of the ladder, never weaker than the current one; `undefined` at the top. */
export function handOff(policy: ApprovalPolicy, route: Route): Route | undefined {
  const next = policy.tiers[route.tierIndex + 1];
  if (!next) return undefined;
  return {
    tierIndex: route.tierIndex + 1,
    tier: next.name,
    minRole: higherRole(route.minRole, next.minRole),
    approvalsRequired: Math.max(route.approvalsRequired, next.approvals),
  };
}

function canAnyoneApprove(policy: ApprovalPolicy, route: Route, total: number): boolean {
  return Object.entries(policy.roleLimitsMinor).some(
    ([role, limit]) => roleRank(role as Role) >= roleRank(route.minRole) && limit !== undefined && limit >= total,
  );
}

/** Why a finance decision is refused; also the `type` of the update's validation failure. */
export type DecisionRejectCode =
  | 'not_open'
  | 'already_decided'
  | 'expired'
  | 'self_approval'
  | 'role_below_tier'
  | 'over_role_limit'
  | 'duplicate_vote'
  | 'amount_changed';

export interface DecisionContext {
  status: string;
  requesterId: string;
  route: Route | undefined;
  totalMinor: number;
  currency: Currency;
  /** Approvers who already approved under the current amount. */
  approvedBy: string[];
}

export interface FinanceDecision {
  kind: 'approve' | 'reject';
  approverId: string;
  role: Role;
  amount: { amountMinor: number; currency: Currency };
}

export type DecisionCheck = { ok: true } | { ok: false; code: DecisionRejectCode; message: string };

/**
 * Whether a finance decision may count. `early` = the workflow has not started waiting yet, so only what is already
 * known is checked (the rest is checked again when the wait begins).
 */
export function checkDecision(
  policy: ApprovalPolicy,
  ctx: DecisionContext,
  d: FinanceDecision,
  early = false,
): DecisionCheck {
  const no = (code: DecisionRejectCode, message: string): DecisionCheck => ({ ok: false, code, message });
  if (ctx.status === 'expired') return no('expired', 'the request has expired');
  if (early) {
    if (ctx.status !== 'evaluating') return no('already_decided', `the request is already ${ctx.status}`);
    return d.approverId === ctx.requesterId
      ? no('self_approval', 'the requester may not decide their own request')
      : { ok: true };
  }
  if (ctx.status !== 'pending') return no('already_decided', `the request is already ${ctx.status}`);
  if (!ctx.route) return no('not_open', 'the request is not waiting for a decision');
  if (d.approverId === ctx.requesterId) return no('self_approval', 'the requester may not decide their own request');
  if (roleRank(d.role) < roleRank(ctx.route.minRole)) {
    return no('role_below_tier', `tier ${ctx.route.tier} needs role ${ctx.route.minRole} or above, not ${d.role}`);
  }
  if (d.amount.amountMinor !== ctx.totalMinor || d.amount.currency !== ctx.currency) {
    return no(
      'amount_changed',
      `the decision is for ${d.amount.amountMinor} ${d.amount.currency} but the request is now ${ctx.totalMinor} ${ctx.currency}`,
    );
  }
  if (ctx.approvedBy.includes(d.approverId))
    return no('duplicate_vote', 'this approver has already approved the request');
  if (d.kind === 'approve') {
    const limit = policy.roleLimitsMinor[d.role];
    if (limit === undefined || limit < ctx.totalMinor) {
      return no(
        'over_role_limit',
        `role ${d.role} may approve up to ${limit ?? 0} minor units, the request is ${ctx.totalMinor}`,
      );
    }
  }
  return { ok: true };
}

/** After an accepted decision: a rejection ends it, approvals end it once enough different people agreed. */
export function tally(route: Route, approvedBy: string[], rejected: boolean): 'approved' | 'rejected' | 'pending' {
  if (rejected) return 'rejected';
  return new Set(approvedBy).size >= route.approvalsRequired ? 'approved' : 'pending';
}

/** The escalation marks of one wait, as offsets from when it began. */
export function escalationMarks(
  policy: ApprovalPolicy,
): Array<{ stage: 'remind' | 'hand_off' | 'expire'; afterMs: number }> {
  const e = policy.escalation;
  return [
    { stage: 'remind', afterMs: e.remindAfterMs },
    { stage: 'hand_off', afterMs: e.handOffAfterMs },
    { stage: 'expire', afterMs: e.expireAfterMs },
  ];
}
