import { z } from 'zod';
import { currencySchema } from '../shared/money';
import { POLICY_VERSIONS, roleSchema, type PolicyVersion } from './contract';

/**
 * The published approval policies: a zod-validated, versioned configuration. Thresholds are minor units of the
 * request's currency, so a policy lists the currencies it was written for and refuses the others. Every decision
 * records the version it was taken under; a running workflow keeps the version it started with.
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

/** One policy version: auto-approval, the agent's daily budget, the tier ladder, role limits and escalation marks. */
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
/** A parsed policy version. */
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;
/** One rung of a policy's ladder. */
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
} as const satisfies Record<PolicyVersion, ApprovalPolicy>;

/** The policy a request was started under. */
export function policyFor(version: PolicyVersion): ApprovalPolicy {
  return APPROVAL_POLICIES[version];
}

/**
 * When each version takes effect (UTC): a new request gets the version in effect at its start, whatever its caller
 * asks for. `null` = published but not in effect yet (set a date to roll it out; never move a date that has passed,
 * histories and audit trails were decided by it).
 */
export const POLICY_EFFECTIVE_FROM: Record<PolicyVersion, string | null> = {
  '2025-06.1': '2025-06-01T00:00:00Z',
  '2025-09.1': null,
};

/** The version in effect at `atMs`: the one with the latest effective date not after it. */
export function policyVersionAt(atMs: number, effectiveFrom = POLICY_EFFECTIVE_FROM): PolicyVersion {
  let best: { version: PolicyVersion; fromMs: number } | undefined;
  for (const version of POLICY_VERSIONS) {
    const from = effectiveFrom[version];
    const fromMs = from === null ? NaN : Date.parse(from);
    if (fromMs <= atMs && (!best || fromMs >= best.fromMs)) best = { version, fromMs };
  }
  if (!best) throw new Error(`no approval policy is in effect at ${new Date(atMs).toISOString()}`);
  return best.version;
}
