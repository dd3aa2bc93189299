import { z } from 'zod';
import { escalationTierSchema, evidenceFieldSchema, type EscalationTier } from './contract';

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
