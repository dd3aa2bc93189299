import type { Verdict } from '../../client';
import type { OpsCommandResult } from '../../workflows/payouts/contract';

/** The fix commands and the update each sends (wire names unchanged: these are the payout's ops updates). */
export const FIX_COMMANDS = ['retry', 'hold', 'release', 'resolve'] as const;
export type FixCommand = (typeof FIX_COMMANDS)[number];
export const RESOLUTIONS = ['paid_elsewhere', 'abandoned', 'partial_return'] as const;

/** How a verdict reads: accepted and the state now, or refused with code, type and the validator's message. */
export function renderVerdict(command: FixCommand, payoutId: string, v: Verdict<OpsCommandResult>): string {
  return v.accepted
    ? `accepted: ${command} ${payoutId}; the payout is now ${v.value.state}`
    : `refused by the workflow's validator: ${v.code} (${v.type}): ${v.message}`;
}
