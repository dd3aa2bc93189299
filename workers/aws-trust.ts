import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TRUSTED_KEYS, type AwsTrustedKey } from '../workflows/shared/trust';

/**
 * The AWS trust set: `infra/trust/aws-keys.json`, versioned with the code and compiled into the aws workflow bundle
 * (workers/bundle-options.ts). Adding a key is a new entry with `trustedFrom`; retiring one sets `trustedUntil` and
 * keeps the entry (histories that accepted it must still replay). infra/trust/README.md is the procedure.
 */
export const AWS_TRUST_KEYS_FILE = resolve(__dirname, '..', 'infra', 'trust', 'aws-keys.json');

/** Thrown for a trust set the aws build must not ship; names the file and the entry, never guesses. */
export class TrustSetError extends Error {
  override name = 'TrustSetError';
}

const instant = z.iso.datetime({ offset: true });
const keySchema = z
  .object({
    use: z.enum(['staff', 'decisions', 'ingress']),
    issuer: z.url(),
    kid: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'must be 1-128 of letters, digits, . _ : -' }),
    /** An Ed25519 public key is 32 bytes: 43 base64url characters without padding. */
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be an Ed25519 public key (JWK x, 43 base64url chars)' }),
    trustedFrom: instant,
    trustedUntil: instant.optional(),
  })
  .strict();
const fileSchema = z.object({ keys: z.array(keySchema) }).strict();

/** Rules beyond the shape: ordered windows, staff keys only retired, no local key, no duplicate (issuer, kid). */
function entryIssues(keys: AwsTrustedKey[]): string[] {
  const localX = new Set(TRUSTED_KEYS.filter((k) => k.environments.includes('local')).map((k) => k.x));
  const seen = new Set<string>();
  return keys.flatMap((k, i) => {
    const at = `keys[${i}] (${k.use} ${k.kid})`;
    const issues: string[] = [];
    if (k.trustedUntil && Date.parse(k.trustedUntil) <= Date.parse(k.trustedFrom))
      issues.push(`${at}: trustedUntil must be after trustedFrom`);
    // Staff tokens are accepted only to replay histories recorded before command assertions: never a live key.
    if (k.use === 'staff' && !k.trustedUntil)
      issues.push(`${at}: a staff key needs trustedUntil (staff keys are kept only to replay old histories)`);
    if (localX.has(k.x)) issues.push(`${at}: is a local key (its private half is in this repository)`);
    const id = `${k.issuer.toLowerCase()} ${k.kid}`;
    if (seen.has(id)) issues.push(`${at}: issuer and kid are listed twice`);
    seen.add(id);
    return issues;
  });
}

/**
 * Reads and checks the AWS trust set. The aws bundle must be able to verify decisions: without a `decisions` key
 * trusted at `nowMs` (no `trustedUntil`, or one in the future) it would refuse every human decision, so the build
 * fails here instead of shipping that (or tempting someone to trust the local key).
 */
export function loadAwsTrustedKeys(file: string = AWS_TRUST_KEYS_FILE, nowMs = Date.now()): AwsTrustedKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TrustSetError(`${file}: cannot read the aws trust set (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new TrustSetError(`${file}: invalid aws trust set:\n${lines.join('\n')}`);
  }
  const keys: AwsTrustedKey[] = parsed.data.keys.map((k) => ({ ...k }));
  const issues = entryIssues(keys);
  if (issues.length) throw new TrustSetError(`${file}: invalid aws trust set:\n  ${issues.join('\n  ')}`);
  const current = keys.some((k) => k.use === 'decisions' && (!k.trustedUntil || Date.parse(k.trustedUntil) > nowMs));
  if (!current) {
    throw new TrustSetError(
      `${file}: the aws trust set has no current 'decisions' key, so the aws bundle would refuse every human ` +
        "decision; add the decision service's public key (infra/trust/README.md) before building for aws",
    );
  }
  return keys;
}
