import { createHash } from 'node:crypto';
import { hmacValidator as HmacValidator } from '@adyen/api-library';
import { z } from 'zod';
import { createAdyenTransfers } from '../activities/adapters/adyen/adyen-transfers';
import type { TransferSummary } from '../activities/adapters/adyen/port';
import { ProviderTransientError } from '../activities/adapters/errors';
import type { AdyenRail, VerifiedEvent } from './deliveries';
import type { AppConfig } from '../workers/config';
import { adyenConfigOf } from '../workers/config-adyen';
import { HttpError } from './verify';

/**
 * Adyen at the ingress (issue 25): its Balance Platform transfer webhooks, verified with the official library's
 * `HmacValidator` (the `HmacSignature` header: base64 HMAC-SHA256 of the raw body under the hex key), read with zod,
 * and, the trust rule, never believed on their own: the route looks the transfer up at Adyen by its ID and acts on
 * what the rail says (`routes/payouts.ts`). A valid signature proves Adyen sent the body, not that the body is current:
 * a webhook may be stale, re-ordered, or sent for a state the rail has since left.
 */

/** What the ingress needs of Adyen: the keys webhooks are accepted with, and the transfer look-up by ID. */
export interface AdyenIngress {
  /** Hex HMAC keys (the current one, and the previous one during a rotation). */
  hmacKeys: string[];
  rail: AdyenRail;
}

export { LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from '../workers/config-adyen';

/**
 * The Adyen settings of the ingress, from its configuration (workers/config-adyen.ts has the variables, their local
 * defaults and their messages; the keys may have come from Secrets Manager at start-up): outside local mode without
 * an HMAC key and an API key, Adyen is not configured and `/webhooks/adyen` answers 404.
 */
export function adyenIngressOf(config: AppConfig): AdyenIngress | undefined {
  const c = adyenConfigOf(config.PAYOPS_MODE, config);
  if (c.hmacKeys.length === 0 || !c.apiKey) return undefined;
  const transfers = createAdyenTransfers({
    apiKey: c.apiKey,
    balanceAccountId: c.balanceAccountId,
    ...(c.apiUrl ? { apiBase: c.apiUrl } : {}),
    environment: c.environment,
    timeoutMs: 10_000,
  });
  return { hmacKeys: c.hmacKeys, rail: adyenRailOf(transfers) };
}

/** The adapter's `getTransfer` with Adyen's "no such transfer" (404) told apart from an outage (thrown: 503, retry). */
export function adyenRailOf(transfers: { getTransfer(id: string): Promise<TransferSummary> }): AdyenRail {
  return {
    async getTransfer(id) {
      try {
        return await transfers.getTransfer(id);
      } catch (err) {
        if (isNotFound(err)) return 'not_found';
        throw err;
      }
    },
  };
}

function isNotFound(err: unknown): boolean {
  if (err instanceof ProviderTransientError) return err.status === 404;
  const details = (err as { details?: unknown[] } | undefined)?.details?.[0] as { statusCode?: number } | undefined;
  return details?.statusCode === 404;
}

/** Adyen transfer IDs: upper-case alphanumerics (e.g. `1W1UG35U8A9J5ZLG`). */
const transferId = z.string().regex(/^[A-Za-z0-9]{1,64}$/, { error: 'must be an Adyen transfer ID' });

/** The Balance Platform webhook envelope; a transfer event carries `TransferData` in `data` (only what we read). */
const adyenWebhookSchema = z.object({
  type: z.string().min(1).max(100),
  environment: z.string().max(20).optional(),
  timestamp: z.string().max(40).optional(),
  data: z.looseObject({}),
});
const transferDataSchema = z.looseObject({
  id: transferId,
  /** Grows with each change of the transfer: with the ID, it names one webhook (Adyen's dedupe advice). */
  sequenceNumber: z.number().int().nonnegative(),
  status: z.string().min(1).max(40),
});

/** The transfer webhooks; other Balance Platform webhooks are acknowledged and not acted on. */
export const ADYEN_TRANSFER_EVENTS = ['balancePlatform.transfer.created', 'balancePlatform.transfer.updated'];

/** What the route reads of a verified Adyen transfer webhook: only the transfer's ID is used (at the rail). */
export interface AdyenTransferWebhook {
  transferId: string;
  /** The status the webhook claims; informative only (the rail's status decides). */
  claimedStatus: string;
  sequenceNumber: number;
}

/**
 * Verifies an Adyen webhook over the raw body with the library's `HmacValidator` (any accepted key), then reads it
 * with zod. Forged: 401, nothing else happens. Malformed: 400 naming the field. The event ID is
 * `<transfer id>:<sequenceNumber>` from the signed body (a transfer event has no event ID of its own).
 */
export function verifyAdyen(body: string, signature: string | undefined, keys: string[]): VerifiedEvent {
  const validator = new HmacValidator();
  const valid =
    !!signature &&
    keys.some((k) => {
      try {
        return validator.validateHMACSignature(k, signature, body);
      } catch {
        return false;
      }
    });
  if (!valid) throw new HttpError(401, 'invalid HmacSignature');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const envelope = adyenWebhookSchema.safeParse(raw);
  if (!envelope.success) throw new HttpError(400, describe(envelope.error));
  const { type, data } = envelope.data;
  if (!ADYEN_TRANSFER_EVENTS.includes(type))
    return { source: 'adyen', eventId: `${type}:${hashOf(body)}`, type, payload: undefined };
  const t = transferDataSchema.safeParse(data);
  if (!t.success) throw new HttpError(400, describe(t.error, 'data'));
  const payload: AdyenTransferWebhook = {
    transferId: t.data.id,
    claimedStatus: t.data.status,
    sequenceNumber: t.data.sequenceNumber,
  };
  return { source: 'adyen', eventId: `${t.data.id}:${t.data.sequenceNumber}`, type, payload };
}

function describe(err: z.ZodError, prefix?: string): string {
  return err.issues
    .map((i) => `${[prefix, ...i.path].filter((p) => p !== undefined).join('.')}: ${i.message}`)
    .join('; ');
}

/** A short stable digest of a non-transfer webhook (acknowledged once; it names no transfer to key it by). */
function hashOf(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
