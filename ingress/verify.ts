import type { ContentfulStatusCode } from 'hono/utils/http-status';
import Stripe from 'stripe';
import { readCamt054, verifyBankSignature } from '../activities/adapters/bank/webhook';
import type { AppConfig, WebhookSecretVariable } from '../workers/config';
import type { VerifiedEvent } from './deliveries';

const SIGNATURE_TOLERANCE_SEC = 300;

/** A refusal with its HTTP status; the message names what was wrong, never a secret. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The secrets a webhook is accepted with at `now`: the current one, and during a rotation's grace period (until
 * `<NAME>_PREVIOUS_UNTIL`) the previous one, so the provider can switch over without dropping events.
 */
export function acceptedSecrets(config: AppConfig, name: WebhookSecretVariable, now = new Date()): string[] {
  const secrets = [config[name]];
  const previous = config[`${name}_PREVIOUS`];
  const until = config[`${name}_PREVIOUS_UNTIL`];
  if (previous && until && now.getTime() < Date.parse(until)) secrets.push(previous);
  // An empty secret would accept signatures anyone can make: such a process refuses to start, and this refuses too.
  return secrets.filter((s) => s !== '');
}

/**
 * Verifies a PSP (Stripe-scheme) webhook over the raw body and its `Stripe-Signature` header; forged or stale events
 * never reach Temporal.
 */
export function verifyPsp(body: string, signature: string | undefined, secrets: string[]): VerifiedEvent {
  for (const secret of secrets) {
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(body, signature ?? '', secret, SIGNATURE_TOLERANCE_SEC);
    } catch {
      continue;
    }
    return { source: 'psp', eventId: event.id, type: event.type, payload: event };
  }
  throw new HttpError(400, 'invalid or stale Stripe-Signature');
}

/**
 * Verifies a bank webhook (HMAC over `t.body`, from its `X-Bank-Signature` header) and parses its camt.054 notification. The event ID is read from the
 * signed body (`Ntfctn/Id`, else `GrpHdr/MsgId`): an unsigned header could give a replayed body a fresh ID and get it
 * delivered twice, so `X-Bank-Event-Id` is ignored.
 */
export function verifyBank(body: string, header: string | undefined, secrets: string[]): VerifiedEvent {
  if (!secrets.some((secret) => verifyBankSignature(body, header, secret, SIGNATURE_TOLERANCE_SEC))) {
    throw new HttpError(400, 'invalid or stale X-Bank-Signature');
  }
  let read: ReturnType<typeof readCamt054>;
  try {
    read = readCamt054(body);
  } catch {
    throw new HttpError(400, 'body is not a camt.054 notification');
  }
  if (!read.eventId) throw new HttpError(400, 'camt.054 names no event: no Ntfctn/Id or GrpHdr/MsgId');
  return { source: 'bank', eventId: read.eventId, type: 'camt.054', payload: read.notification };
}
