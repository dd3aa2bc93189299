import { createHmac, timingSafeEqual } from 'node:crypto';

export { parseCamt054, readCamt054, type Camt054Entry } from './camt054';

/** `X-Bank-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "t.body")>` (the sandbox signs with this too). */
export function signBankPayload(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * True when `header` carries a v1 signature of `body` under `secret` made within `toleranceSec` of now. Any of
 * several v1 values may match (secret rotation). Constant-time comparison.
 */
export function verifyBankSignature(
  body: string,
  header: string | undefined,
  secret: string,
  toleranceSec = 300,
  nowSec = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), 'utf8');
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined)
    .some(([, v]) => {
      const got = Buffer.from(v ?? '', 'utf8');
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
}
