import { z } from 'zod';

/** The ops commands' inputs (hold, release, cancel, retry now, resolve): what `contract.ts`'s updates carry. */

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
