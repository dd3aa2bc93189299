/**
 * How a payout is named in a provider's transfer `reference` (Adyen allows 80 characters of `[A-Za-z0-9:_-]`): the
 * payout workflow ID, optionally followed by `:<step>` (e.g. `payout-c1-2026-11:initiate`). Whoever reads a transfer
 * back (the ingress routing a webhook, reconciliation tracing a booking nobody expected) finds the payout as the part
 * before the first colon. Pure and workflow-safe.
 */
const REFERENCE = /^(payout-[A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9:_-]{0,80})?$/;

/** The payout workflow a transfer reference names, or undefined when it names none. */
export function payoutOfReference(reference: string | undefined): string | undefined {
  return REFERENCE.exec(reference ?? '')?.[1];
}
