import type { Client } from '@temporalio/client';
import { payouts, type Verdict } from '../../client';
import type { OpsCommandResult } from '../../workflows/payouts/contract';
import { legacySigner } from '../legacy-signer';

/** The fix commands and the update each sends (wire names unchanged: these are the payout's ops updates). */
export const FIX_COMMANDS = ['retry', 'hold', 'release', 'resolve'] as const;
export type FixCommand = (typeof FIX_COMMANDS)[number];
export const RESOLUTIONS = ['paid_elsewhere', 'abandoned'] as const;

/**
 * Sends one fix as the token's subject and returns the workflow validator's verdict: accepted with the payout's state
 * after it, or refused with the rule's code (nothing was recorded).
 */
export async function sendFix(
  client: Client,
  command: FixCommand,
  payoutId: string,
  c: { token: string; reason: string; resolution?: (typeof RESOLUTIONS)[number] },
): Promise<Verdict<OpsCommandResult>> {
  const signed = { sign: legacySigner(c.token), reason: c.reason };
  switch (command) {
    case 'retry':
      return payouts.retryPayoutNow(client, payoutId, signed);
    case 'hold':
      return payouts.holdPayout(client, payoutId, signed);
    case 'release':
      return payouts.releasePayout(client, payoutId, signed);
    case 'resolve':
      return payouts.resolvePayout(client, payoutId, { ...signed, outcome: c.resolution ?? 'abandoned' });
  }
}

/** How a verdict reads: accepted and the state now, or refused with code, type and the validator's message. */
export function renderVerdict(command: FixCommand, payoutId: string, v: Verdict<OpsCommandResult>): string {
  return v.accepted
    ? `accepted: ${command} ${payoutId}; the payout is now ${v.value.state}`
    : `refused by the workflow's validator: ${v.code} (${v.type}): ${v.message}`;
}
