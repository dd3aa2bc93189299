import { z } from 'zod';
import { ConfigError, type AppConfig } from '../workers/config';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID, LOCAL_ISSUER, STAFF_AUDIENCE } from '../workflows/shared/trust';

/**
 * The decision service's own settings (the Temporal, AWS and Web UI ones are the shared `AppConfig`). Local mode
 * defaults to the local identity provider and the local signing key; outside it nothing defaults: the service
 * refuses to start without its identity provider, audience, assertion issuer, key ID and KMS key (fail closed).
 */
const decisionsEnv = z.object({
  /** The identity provider's issuer (`iss` of the staff tokens it accepts). */
  DECISIONS_OIDC_ISSUER: z.string().min(1).optional(),
  /** Its discovery document; default `<issuer>/.well-known/openid-configuration` (locally the sandbox's, IDP_URL). */
  DECISIONS_OIDC_DISCOVERY_URL: z.url().optional(),
  /** The audience the provider's tokens must name (the client ID the provider issues them for). */
  DECISIONS_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** The claim holding the staff member's roles (an array of strings, or one space-separated string). */
  DECISIONS_ROLES_CLAIM: z.string().min(1).default('roles'),
  /** The claim holding the staff member's team (one string; absent in a token: no team). The spend report's team. */
  DECISIONS_TEAM_CLAIM: z.string().min(1).default('team'),
  /** The `iss` of the command assertions it signs: the issuer the workflows' trust set names for its key. */
  DECISIONS_ISSUER: z.string().min(1).optional(),
  /** The `kid` of its signing key, as the workflows' trust set names it. */
  DECISIONS_KID: z.string().min(1).optional(),
  /** aws mode: the KMS key (ECC_NIST_EDWARDS25519, SIGN_VERIFY) that signs assertions. */
  DECISIONS_KMS_KEY_ID: z.string().min(1).optional(),
  /** The Athena workgroup the reports' queries run in (`payops-<stage>-reports`; set by the CDK). */
  REPORTS_ATHENA_WORKGROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, { error: 'must be an Athena workgroup name' })
    .optional(),
  /** The Glue database holding the fact tables (`payops_<stage>_reports`; set by the CDK). */
  REPORTS_GLUE_DATABASE: z
    .string()
    .regex(/^[a-z0-9_]{1,255}$/, { error: 'must be a Glue database name (lower case, digits, _)' })
    .optional(),
  DECISIONS_PORT: z.coerce.number().int().min(0).max(65535).default(12118),
  DECISIONS_HOST: z
    .union([z.ipv4(), z.ipv6(), z.literal('localhost')], { error: 'must be an IP address or localhost' })
    .default('127.0.0.1'),
});

export interface DecisionsConfig {
  mode: 'local' | 'aws';
  oidc: { issuer: string; discoveryUrl: string; audience: string; rolesClaim: string; teamClaim: string };
  assertion: { issuer: string; kid: string };
  /** Where the reports' facts are queried (reports/athena-source.ts); absent: locally the bucket, on AWS 503. */
  athena?: { workgroup: string; database: string };
  /** Absent locally: the local key (decisions/local-key.ts) signs. */
  kmsKeyId?: string;
  port: number;
  host: string;
}

/** Parses the decision service's variables over `app` (the shared config); throws `ConfigError` naming each. */
export function loadDecisionsConfig(
  app: AppConfig,
  env: Record<string, string | undefined> = process.env,
): DecisionsConfig {
  const parsed = decisionsEnv.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  const e = parsed.data;
  const local = app.PAYOPS_MODE === 'local';
  const issuer = e.DECISIONS_OIDC_ISSUER ?? (local ? LOCAL_ISSUER : undefined);
  const discoveryUrl =
    e.DECISIONS_OIDC_DISCOVERY_URL ??
    (local && !e.DECISIONS_OIDC_ISSUER
      ? new URL('/.well-known/openid-configuration', app.IDP_URL).toString()
      : issuer
        ? `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
        : undefined);
  const required = {
    DECISIONS_OIDC_ISSUER: issuer,
    DECISIONS_OIDC_DISCOVERY_URL: discoveryUrl,
    DECISIONS_OIDC_AUDIENCE: e.DECISIONS_OIDC_AUDIENCE ?? (local ? STAFF_AUDIENCE : undefined),
    DECISIONS_ISSUER: e.DECISIONS_ISSUER ?? (local ? LOCAL_DECISIONS_ISSUER : undefined),
    DECISIONS_KID: e.DECISIONS_KID ?? (local ? LOCAL_DECISIONS_KID : undefined),
    ...(local ? {} : { DECISIONS_KMS_KEY_ID: e.DECISIONS_KMS_KEY_ID }),
  };
  const missing = Object.entries(required)
    .filter(([, v]) => v === undefined)
    .map(([k]) => `  ${k}: required when PAYOPS_MODE=aws (the decision service defaults nothing outside local mode)`);
  // Both or neither: a workgroup without its database (or the reverse) is a half-made deployment, not "no reports".
  if (!e.REPORTS_ATHENA_WORKGROUP !== !e.REPORTS_GLUE_DATABASE)
    missing.push(
      `  ${e.REPORTS_ATHENA_WORKGROUP ? 'REPORTS_GLUE_DATABASE' : 'REPORTS_ATHENA_WORKGROUP'}: required with ${e.REPORTS_ATHENA_WORKGROUP ? 'REPORTS_ATHENA_WORKGROUP' : 'REPORTS_GLUE_DATABASE'} (the reports' Athena workgroup and Glue database go together)`,
    );
  if (missing.length) throw new ConfigError(`invalid configuration:\n${missing.join('\n')}`);
  return {
    mode: app.PAYOPS_MODE,
    oidc: {
      issuer: required.DECISIONS_OIDC_ISSUER!,
      discoveryUrl: required.DECISIONS_OIDC_DISCOVERY_URL!,
      audience: required.DECISIONS_OIDC_AUDIENCE!,
      rolesClaim: e.DECISIONS_ROLES_CLAIM,
      teamClaim: e.DECISIONS_TEAM_CLAIM,
    },
    assertion: { issuer: required.DECISIONS_ISSUER!, kid: required.DECISIONS_KID! },
    ...(e.REPORTS_ATHENA_WORKGROUP && e.REPORTS_GLUE_DATABASE
      ? { athena: { workgroup: e.REPORTS_ATHENA_WORKGROUP, database: e.REPORTS_GLUE_DATABASE } }
      : {}),
    ...(e.DECISIONS_KMS_KEY_ID ? { kmsKeyId: e.DECISIONS_KMS_KEY_ID } : {}),
    port: e.DECISIONS_PORT,
    host: e.DECISIONS_HOST,
  };
}
