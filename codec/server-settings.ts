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
};
const AUTH_VARS = ['CODEC_AUTH_ISSUER', 'CODEC_AUTH_AUDIENCE', 'CODEC_AUTH_JWKS_URL'] as const;

/** Who may call `/encode` and `/decode`: anyone (local mode only) or bearers of a valid staff JWT. */
export type CodecAuth =
  { kind: 'none' } | { kind: 'staff-jwt'; issuer: string; audience: string; jwks: URL | JWTVerifyGetKey };

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

/** Checks an `Authorization` header: `undefined` when allowed, else the reason (no token content in it). */
export function bearerCheck(auth: CodecAuth): (header: string | undefined) => Promise<string | undefined> {
  if (auth.kind === 'none') return async () => undefined;
  const keys = auth.jwks instanceof URL ? createRemoteJWKSet(auth.jwks) : auth.jwks;
  return async (header) => {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return 'missing Authorization: Bearer <staff token>';
    try {
      await jwtVerify(match[1], keys, { issuer: auth.issuer, audience: auth.audience });
      return undefined;
    } catch (err) {
      return `staff token refused (${(err as { code?: string }).code ?? 'invalid'})`;
    }
  };
}
