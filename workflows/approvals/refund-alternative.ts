import { FailureType } from '../shared/failures';
import type { Currency } from '../shared/money';
import type { RefundRefusal, Remedies, RequestedRemedies, RequestFacts } from './contract';
import type { ApprovalPolicy } from './policies';
import { evaluateRequest, type Plan } from './policy';

/**
 * An impossible refund: the PSP that took the payment refused the refund for good, so nothing moved. The refund is
 * never tried elsewhere (a refund goes back to the payment it refunds); the request proposes the same amount as store
 * credit instead and puts the revised remedies to the approval policy like a new request. Pure: the workflow hands
 * in the failure it caught, the policy and the facts.
 */

/**
 * The PSP codes that say "this payment can no longer take a refund": the charge is too old for the card network
 * (`charge_expired_for_refund`) or was charged back (`charge_disputed`). Other refusals (`charge_already_refunded`,
 * `amount_too_large`, a malformed request) say something about our request or the order, not the payment method, and
 * store credit would not be the answer to them.
 */
export const IMPOSSIBLE_REFUND_CODES: ReadonlySet<string> = new Set(['charge_expired_for_refund', 'charge_disputed']);

/** A typed failure as the workflow caught it: its type and first details object. */
export interface CaughtFailure {
  type: string | undefined | null;
  details: Record<string, unknown> | undefined;
}

/**
 * The refusal's evidence when the refund is impossible, else undefined. `Declined` is the payment method refusing the
 * money (a card closed, a refund the PSP created and failed at once); `ProviderPermanent` counts only for the codes
 * above. Only for a definitive answer: an unknown outcome (retries ran out) is never passed here.
 */
export function impossibleRefund(f: CaughtFailure): RefundRefusal | undefined {
  const d = f.details ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const code = str(d['declineCode']) ?? str(d['code']) ?? str(d['status']);
  const declined = f.type === FailureType.Declined;
  if (!declined && !(f.type === FailureType.ProviderPermanent && code && IMPOSSIBLE_REFUND_CODES.has(code)))
    return undefined;
  const requestId = str(d['requestId']);
  return {
    provider: str(d['provider']) ?? 'psp',
    code: code ?? 'declined',
    ...(requestId ? { requestId } : {}),
    failureType: f.type as string,
  };
}

/** The approved remedies with the refund moved to store credit (the same total; the voucher unchanged). */
export function alternativeRemedies(approved: Remedies): RequestedRemedies {
  return {
    storeCreditMinor: approved.storeCreditMinor + approved.refundMinor,
    ...(approved.voucherMinor > 0 ? { voucherMinor: approved.voucherMinor } : {}),
  };
}

/**
 * The policy's plan for the alternative, evaluated like a new request on `facts` (read again when it is proposed):
 * limits, flags, tier and four-eyes; auto-approved only when the policy auto-approves those remedies.
 */
export function planAlternative(
  policy: ApprovalPolicy,
  request: { customerId: string; currency: Currency },
  facts: RequestFacts,
  approved: Remedies,
): Plan {
  return evaluateRequest(policy, { ...request, remedies: alternativeRemedies(approved) }, facts);
}
