import { randomBytes } from 'node:crypto';
import { str, type FormObject } from './form';

/** Stripe-shaped answers of the PSP sandbox: replies, error bodies, object IDs, and the common parameter readers. */

export interface Reply {
  status: number;
  body: unknown;
}

export type Obj = Record<string, unknown> & { id: string };

export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error';

export function stripeError(
  status: number,
  type: StripeErrorType,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { error: { type, message, ...extra } } };
}

export const notFound = (what: string, id: string, param = 'id'): Reply =>
  stripeError(404, 'invalid_request_error', `No such ${what}: '${id}'`, { code: 'resource_missing', param });

export const missing = (param: string): Reply =>
  stripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
export const invalid = (param: string, message: string): Reply =>
  stripeError(400, 'invalid_request_error', message, { code: 'parameter_invalid', param });

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 24)}`;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

export function readAmount(p: FormObject): { value: number } | Reply {
  const raw = str(p.amount);
  if (raw === undefined) return missing('amount');
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    return invalid('amount', 'Invalid positive integer');
  }
  return { value: Number(raw) };
}

export function readCurrency(p: FormObject): string | Reply {
  const raw = str(p.currency);
  if (raw === undefined) return missing('currency');
  if (!/^[a-z]{3}$/.test(raw))
    return invalid('currency', `Invalid currency: ${raw}. Stripe currencies are three-letter ISO codes in lowercase.`);
  return raw;
}
