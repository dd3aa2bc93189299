import { caseFold, decidedBy, type StaffIdentity } from '../shared/identity';
import type { Refusal } from '../shared/failures';
import type { Currency } from '../shared/money';
import { actingRole, type StaffCheck } from '../shared/verified-staff';
import {
  refused,
  ROLES,
  type ApprovalStatus,
  type DecidedBy,
  type DecisionRejectCode,
  type IdentityRefusalCode,
  type Flag,
  type PolicyRejectCode,
  type Remedies,
  type RequestedRemedies,
  type RequestFacts,
  type Role,
  type Route,
} from './contract';
import type { ApprovalPolicy, Tier } from './policies';

/**
 * The approval rules: pure functions of a published policy (`policies.ts`), the request and the facts read at its
 * start. Who acts in which role, who may approve, how much, how many people, and when the ladder climbs are all
 * decided here.
 */

/** Position of a role on the ladder; a higher rank may act wherever a lower one may. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/** The stronger of two roles. */
export const higherRole = (a: Role, b: Role): Role => (roleRank(a) >= roleRank(b) ? a : b);

/**
 * Who acts on a request, from a verified staff identity (`shared/verified-staff.ts`, the one staff-identity check):
 * the subject (case-folded) is the person, the acting role one of its roles (case-folded), the body's if it names
 * one, else its highest approvals role.
 */
export interface Actor {
  id: string;
  role: Role;
  by: DecidedBy;
}

/** An actor, or why not (an `Unauthorized` refusal of the staff check's). */
export type ActorCheck = { ok: true; value: Actor } | ({ ok: false } & Refusal<IdentityRefusalCode>);

const unverified = (no: { code: IdentityRefusalCode; message: string }): ActorCheck => ({
  ok: false,
  ...refused(no.code, no.message),
});

/** The actor `who` is when acting in `claimed` (absent: the highest approvals role `who` holds). */
export function actorOf(who: StaffIdentity, claimed: Role | undefined): ActorCheck {
  const role = actingRole(who, claimed, ROLES, 'no_approvals_role');
  if (!role.ok) return unverified(role);
  return { ok: true, value: { id: who.subject, role: role.value, by: decidedBy(who) } };
}

/** {@link actorOf} after a staff check that may have refused. */
export function actorAfter(check: StaffCheck, claimed: Role | undefined): ActorCheck {
  return check.ok ? actorOf(check.identity, claimed) : unverified(check);
}

/** Only the verified requester (`subject`, case-folded) may amend their request. */
export function checkAmender(requesterId: string, subject: string): Refusal<'not_requester'> | undefined {
  return subject === caseFold(requesterId)
    ? undefined
    : refused('not_requester', 'only the requester may amend the request');
}

/** The sum of every remedy, in minor units of the request's currency. */
export const totalOf = (r: Remedies): number => r.refundMinor + r.storeCreditMinor + r.voucherMinor;

/** What the policy decides for a new (or amended) request. */
export type Plan =
  | ({ kind: 'reject'; remedies: Remedies; flags: Flag[] } & Refusal<PolicyRejectCode>)
  | { kind: 'auto_approve'; remedies: Remedies; flags: Flag[] }
  | { kind: 'needs_approval'; route: Route; remedies: Remedies; flags: Flag[] };

/** The amounts a request asks for; a full refund is whatever was captured and not yet refunded. */
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
  const reject = (code: PolicyRejectCode, detail: string): Plan => ({
    kind: 'reject',
    ...refused(code, detail),
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

/** What a decision is checked against: the request as it stands. */
export interface DecisionContext {
  status: string;
  requesterId: string;
  route: Route | undefined;
  totalMinor: number;
  currency: Currency;
  /** Approvers who already approved under the current amount. */
  approvedBy: string[];
  /** The remedies as they stand (checked against a decision that names the ones it saw). */
  remedies?: Remedies | undefined;
  /** The request proposes an alternative to a refund the PSP refused: a decision must name the remedies it saw. */
  alternative?: boolean;
}

/** A finance decision as the rules see it. */
export interface FinanceDecision {
  kind: 'approve' | 'reject';
  approverId: string;
  role: Role;
  amount: { amountMinor: number; currency: Currency };
  /** The remedies the approver saw (required while an alternative is proposed). */
  remedies?: Remedies | undefined;
}

/** Why a decision may not count (`undefined`: it counts). */
export type DecisionRefusal = Refusal<DecisionRejectCode>;

/**
 * Why a finance decision may not count, or `undefined` when it may. `early` = the workflow has not started waiting yet, so only what is already
 * known is checked (the rest is checked again when the wait begins).
 */
export function checkDecision(
  policy: ApprovalPolicy,
  ctx: DecisionContext,
  d: FinanceDecision,
  early = false,
): DecisionRefusal | undefined {
  const no = refused<DecisionRejectCode>;
  // One person, however their ID is spelled: every ID comparison is case-folded.
  const self = caseFold(d.approverId) === caseFold(ctx.requesterId);
  if (ctx.status === 'expired') return no('expired', 'the request has expired');
  if (early) {
    if (ctx.status !== 'evaluating') return no('already_decided', `the request is already ${ctx.status}`);
    return self ? no('self_approval', 'the requester may not decide their own request') : undefined;
  }
  if (ctx.status !== 'pending') return no('already_decided', `the request is already ${ctx.status}`);
  if (!ctx.route) return no('not_open', 'the request is not waiting for a decision');
  if (self) return no('self_approval', 'the requester may not decide their own request');
  if (roleRank(d.role) < roleRank(ctx.route.minRole)) {
    return no('role_below_tier', `tier ${ctx.route.tier} needs role ${ctx.route.minRole} or above, not ${d.role}`);
  }
  if (d.amount.amountMinor !== ctx.totalMinor || d.amount.currency !== ctx.currency) {
    return no(
      'amount_changed',
      `the decision is for ${d.amount.amountMinor} ${d.amount.currency} but the request is now ${ctx.totalMinor} ${ctx.currency}`,
    );
  }
  const remedies = remediesRefusal(ctx, d.remedies);
  if (remedies) return remedies;
  if (ctx.approvedBy.some((id) => caseFold(id) === caseFold(d.approverId)))
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
  return undefined;
}

/**
 * A decision naming remedies must name the ones the request has; while the request proposes store credit for a
 * refund the PSP refused, it must name them (the total is the same as the refund's, so the amount alone cannot tell
 * a decision on the refund from one on the alternative).
 */
function remediesRefusal(ctx: DecisionContext, seen: Remedies | undefined): DecisionRefusal | undefined {
  const show = (r: Remedies) =>
    `refund ${r.refundMinor}, store credit ${r.storeCreditMinor}, voucher ${r.voucherMinor}`;
  if (seen === undefined)
    return ctx.alternative && ctx.remedies
      ? refused(
          'remedies_changed',
          `the PSP refused the refund and the request now proposes ${show(ctx.remedies)}: decide on these remedies`,
        )
      : undefined;
  const now = ctx.remedies;
  if (
    now &&
    (seen.refundMinor !== now.refundMinor ||
      seen.storeCreditMinor !== now.storeCreditMinor ||
      seen.voucherMinor !== now.voucherMinor)
  )
    return refused('remedies_changed', `the decision is for ${show(seen)} but the request is now ${show(now)}`);
  return undefined;
}

/**
 * Why an amendment may not apply now, `plan` being what it would get: the request no longer waits (or its facts are
 * not read yet), it waits only on the alternative to an impossible refund (`alternative`), or the policy rejects the
 * amended request.
 */
export function checkAmendment(
  status: ApprovalStatus,
  plan: Plan | undefined,
  alternative = false,
): Refusal<'already_decided' | PolicyRejectCode> | undefined {
  if (status !== 'pending' || !plan) return refused('already_decided', `the request is ${status}`);
  // Finance approved it once; what waits now is only the store credit proposed for the refund the PSP refused.
  if (alternative)
    return refused(
      'already_decided',
      'the request was approved and its refund refused by the PSP: finance decides on the store credit proposed instead',
    );
  return plan.kind === 'reject' ? plan : undefined;
}

/** After a hand-off, approvals given below the new tier's role no longer count. */
export function approvalsThatCount<A extends { role: Role }>(approvals: A[], route: Route): A[] {
  return approvals.filter((a) => roleRank(a.role) >= roleRank(route.minRole));
}

/** After an accepted decision: a rejection ends it, approvals end it once enough different people agreed. */
export function tally(route: Route, approvedBy: string[], rejected: boolean): 'approved' | 'rejected' | 'pending' {
  if (rejected) return 'rejected';
  return new Set(approvedBy.map(caseFold)).size >= route.approvalsRequired ? 'approved' : 'pending';
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
