import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { KeyConfigError } from './keys';

/** The codec server's variables, spread into workers/config.ts beside `payloadCodecEnv`. */
export const codecServerEnv = {
  /** Bind address: loopback by default; a container behind a load balancer sets 0.0.0.0. */
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8234),
  /** Origins allowed to call the codec server from a browser (the Web UI's), comma-separated. */
  CODEC_CORS_ORIGINS: z.string().min(1).default('http://localhost:8233,http://127.0.0.1:8233'),
  /** The staff identity provider: tokens must be signed by a key of this JWKS, with this issuer and audience. */
  CODEC_AUTH_ISSUER: z.string().min(1).optional(),
  CODEC_AUTH_AUDIENCE: z.string().min(1).optional(),
  CODEC_AUTH_JWKS_URL: z.url().optional(),
  /**
   * Roles (the token's `roles` claim, comma-separated) that may decode: the people who read payloads in the Web UI.
   * A staff token without one of them gets 403: an agent's or a requester's token decodes nothing.
   */
  CODEC_DECODE_ROLES: z.string().min(1).default('ops,compliance,finance_manager,finance_director,finance_legal'),
  /** Roles that may encode (the Web UI encodes what ops type into a signal or update). */
  CODEC_ENCODE_ROLES: z.string().min(1).default('ops'),
};
const AUTH_VARS = ['CODEC_AUTH_ISSUER', 'CODEC_AUTH_AUDIENCE', 'CODEC_AUTH_JWKS_URL'] as const;

/** Who may call `/encode` and `/decode`: anyone (local mode only) or bearers of a valid staff JWT. */
export type CodecAuth =
  | { kind: 'none' }
  | {
      kind: 'staff-jwt';
      issuer: string;
      audience: string;
      jwks: URL | JWTVerifyGetKey;
      /** Roles allowed per operation (case-folded); a token needs one of them. */
      roles: { decode: string[]; encode: string[] };
    };

export interface CodecServerSettings {
  host: string;
  port: number;
  corsOrigins: string[];
  namespace: string;
  auth: CodecAuth;
}

type CodecServerConfig = { PAYOPS_MODE: 'local' | 'aws'; TEMPORAL_NAMESPACE: string } & z.infer<
  z.ZodObject<typeof codecServerEnv>
>;

/**
 * The codec server's settings from config. Outside local mode the staff-token variables are required (an error names
 * the missing ones); in local mode auth is on only when all three are given.
 */
export function codecServerSettings(config: CodecServerConfig): CodecServerSettings {
  const missing = AUTH_VARS.filter((name) => !config[name]);
  if (config.PAYOPS_MODE !== 'local' && missing.length > 0) {
    throw new KeyConfigError(
      `${missing.join(', ')}: required when PAYOPS_MODE=aws (the codec server accepts only staff tokens)`,
    );
  }
  const auth: CodecAuth =
    missing.length === 0
      ? {
          kind: 'staff-jwt',
          issuer: config.CODEC_AUTH_ISSUER as string,
          audience: config.CODEC_AUTH_AUDIENCE as string,
          jwks: new URL(config.CODEC_AUTH_JWKS_URL as string),
          roles: { decode: roleList(config.CODEC_DECODE_ROLES), encode: roleList(config.CODEC_ENCODE_ROLES) },
        }
      : { kind: 'none' };
  return {
    host: config.CODEC_SERVER_HOST,
    port: config.CODEC_SERVER_PORT,
    corsOrigins: config.CODEC_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    namespace: config.TEMPORAL_NAMESPACE,
    auth,
  };
}

const roleList = (csv: string) =>
  csv
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean);

/** Why a call was refused: 401 (no valid staff token) or 403 (a valid token without a role for the operation). */
export interface CodecRefusal {
  status: 401 | 403;
  reason: string;
}

/**
 * Checks an `Authorization` header for `op`: `undefined` when allowed, else the refusal (no token content in it).
 */
export function bearerCheck(
  auth: CodecAuth,
): (header: string | undefined, op: 'encode' | 'decode') => Promise<CodecRefusal | undefined> {
  if (auth.kind === 'none') return async () => undefined;
  const keys = auth.jwks instanceof URL ? createRemoteJWKSet(auth.jwks) : auth.jwks;
  return async (header, op) => {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return { status: 401, reason: 'missing Authorization: Bearer <staff token>' };
    let roles: string[];
    try {
      const { payload } = await jwtVerify(match[1], keys, { issuer: auth.issuer, audience: auth.audience });
      roles = Array.isArray(payload['roles']) ? payload['roles'].map((r) => String(r).toLowerCase()) : [];
    } catch (err) {
      return { status: 401, reason: `staff token refused (${(err as { code?: string }).code ?? 'invalid'})` };
    }
    const allowed = auth.roles[op];
    return roles.some((r) => allowed.includes(r))
      ? undefined
      : { status: 403, reason: `${op} needs one of the roles ${allowed.join(', ')}` };
  };
}
