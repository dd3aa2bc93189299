import { createHash } from 'node:crypto';
import { adyenReferenceStream, type PayoutActivities, type RailLookup } from '../../workflows/payouts/contract';
import { failure, FailureType } from '../../workflows/shared/failures';
import type { PayoutProviderPort, TransferSummary } from '../adapters/adyen/port';
import type { ActivityDeps } from '../deps';
import { destinationStream } from './rail';

/**
 * The payout's Adyen activities (issue 25): they run on Adyen's own task queue (`<taskQueue>-psp-adyen`) and call
 * the adapter on Adyen's official library. Keys and references are Adyen's own: the workflow gives each provider its
 * own idempotency key per attempt, and the reference is made from that key here, so neither is ever seen by Stripe.
 */

/** Adyen's reference: letters, digits, `:`, `_`, `-`, at most 80 characters (internal transfers). */
const FITS = /^[A-Za-z0-9:_-]{1,80}$/;

/**
 * The Adyen `reference` of an attempt: its Adyen idempotency key when that fits Adyen's limit (readable in Adyen's
 * Customer Area), else a hash of it with the provider suffix. Stable across retries and resets: the fence's look-up
 * finds by it.
 */
export function adyenReferenceFor(idempotencyKey: string): string {
  if (FITS.test(idempotencyKey)) return idempotencyKey;
  return `po_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}:adyen`;
}

/** What the workflow reads of a transfer's state (the PSP poll's vocabulary). */
function pollStatus(t: TransferSummary): 'paid' | 'pending' | 'failed' | 'reversed' {
  if (t.status === 'refused') return 'failed';
  return t.status;
}

/** The fence's claim on an attempt's reference: no attempt under it may call Adyen afterwards. */
const ADYEN_FENCED = 'payout.adyen_fenced';

export function createAdyenPayoutActivities(deps: ActivityDeps) {
  /**
   * The first claim on an attempt's reference, an attempt's route or the fence, written once (a conditional append
   * on `adyen-ref:<reference>`'s `route` event): returns the type of the claim that holds, this one or an earlier.
   */
  const claimReference = async (reference: string, type: string, workflowId: string | undefined): Promise<string> => {
    const stream = adyenReferenceStream(reference);
    const event = { stream, eventId: 'route', at: new Date().toISOString(), type, data: { workflowId } };
    if ((await deps.audit.append(event)).appended) return type;
    const held = await deps.audit.get(stream, 'route');
    // Refused yet absent (never on a consistent store): retried, never guessed either way.
    if (!held) throw new Error(`the claim on ${stream} was refused but cannot be read`);
    return held.type;
  };
  const adyen = (): PayoutProviderPort => {
    if (!deps.adyen) throw failure(FailureType.ProviderPermanent, 'no Adyen adapter configured for this worker');
    return deps.adyen;
  };
  return {
    async initiateAdyenPayout(i) {
      const kept = await deps.audit.get(destinationStream(i.destinationId), 'destination');
      const balanceAccountId = (kept?.data as { adyenBalanceAccountId?: string } | undefined)?.adyenBalanceAccountId;
      if (!balanceAccountId)
        throw failure(FailureType.NotPayable, `no Adyen destination kept under ${i.destinationId}`, {
          code: 'payout_method_missing',
        });
      const reference = adyenReferenceFor(i.idempotencyKey);
      // The route first: a webhook that beats this activity's completion still finds its payout. It is also this
      // attempt's claim against the fence: written once per key (a retry finds its own), and a fence written first
      // (the workflow proved "never started" and moved on to another provider) means Adyen must never be asked.
      const claim = await claimReference(reference, 'payout.adyen_route', i.workflowId);
      if (claim === ADYEN_FENCED)
        throw failure(FailureType.ProviderPermanent, 'this Adyen attempt was fenced before it started; not sent', {
          code: 'attempt_fenced',
        });
      const t = await adyen().createTransfer({
        idempotencyKey: i.idempotencyKey,
        amount: i.amount,
        destination: { kind: 'balance_account', id: balanceAccountId },
        reference,
      });
      return { transferId: t.transferId, status: t.status === 'paid' ? 'paid' : 'pending', reference };
    },

    async adyenAttemptStarted(i) {
      // Compare-and-set on the attempt's one claim: the fence wins only where no attempt has claimed the reference,
      // and from then on no attempt can (above). Asked again (a retry, a replayed workflow), the same answer.
      const reference = adyenReferenceFor(i.idempotencyKey);
      return { started: (await claimReference(reference, ADYEN_FENCED, i.workflowId)) !== ADYEN_FENCED };
    },

    async findAdyenPayout(i): Promise<RailLookup> {
      const t = await adyen().findTransfer({
        reference: adyenReferenceFor(i.idempotencyKey),
        createdSince: new Date(i.sinceMs).toISOString(),
      });
      if (!t) return { found: false };
      const s = pollStatus(t);
      return { found: true, reference: t.transferId, status: s === 'reversed' ? 'returned' : s };
    },

    async pollAdyenPayout(i) {
      const t = await adyen().getTransfer(i.transferId);
      const status = pollStatus(t);
      return {
        status,
        ...(t.reason && status !== 'paid' && status !== 'pending' ? { failureCode: t.reason } : {}),
        amount: t.amount,
        // Adyen returns a transfer in full (`returned`); the product's partial-return rules then read it as whole.
        ...(status === 'reversed' ? { returnedAmountMinor: t.amount.amountMinor } : {}),
      };
    },
  } satisfies Partial<PayoutActivities>;
}
