import type { ProcessRole } from './config';

type Env = Record<string, string | undefined>;
const given = (env: Env, name: string) => (env[name] ?? '').trim() !== '';

/**
 * What each process needs in aws mode besides its secrets (`PROCESS_SECRETS`). Local mode's defaults (the dev server
 * on 127.0.0.1:7233, namespace `default`, build ID `local`, the public payload key) would otherwise start a process
 * that polls nothing, a worker whose runs are pinned to a build no deployment promotes, or one that fails only at its
 * first payload.
 */
export const REQUIRED_IN_AWS = {
  worker: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'WORKER_BUILD_ID', 'PAYLOAD_KMS_KEY_ID'],
  ingress: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PAYLOAD_KMS_KEY_ID'],
  decisions: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PAYLOAD_KMS_KEY_ID'],
} as const satisfies Record<ProcessRole, readonly string[]>;

const WHY: Record<(typeof REQUIRED_IN_AWS)[ProcessRole][number], string> = {
  TEMPORAL_ADDRESS: 'the cluster, host:port',
  TEMPORAL_NAMESPACE: 'the namespace the product runs in',
  WORKER_BUILD_ID: 'the build this worker deploys as; runs are pinned to it',
  PAYLOAD_KMS_KEY_ID: 'the KMS key whose data keys encrypt payloads',
};

/** The mTLS half of envconfig's variables: a file path or the PEM itself. */
const CERT = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'];
const KEY = ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'];

/**
 * Lines naming what Temporal credentials lack: an API key (given, or by its Secrets Manager ARN, which
 * `loadProcessConfig` reads first), or an mTLS client certificate with its key.
 */
function credentialIssues(env: Env): string[] {
  if (given(env, 'TEMPORAL_API_KEY') || given(env, 'TEMPORAL_API_KEY_SECRET_ARN')) return [];
  const cert = CERT.some((n) => given(env, n));
  const key = KEY.some((n) => given(env, n));
  if (cert && key) return [];
  if (cert) return [`  TEMPORAL_TLS_CLIENT_KEY_PATH: required with the mTLS client certificate (or ${KEY[1]})`];
  if (key) return [`  TEMPORAL_TLS_CLIENT_CERT_PATH: required with the mTLS client key (or ${CERT[1]})`];
  return [
    '  TEMPORAL_API_KEY: Temporal credentials are required when PAYOPS_MODE=aws (set TEMPORAL_API_KEY or ' +
      'TEMPORAL_API_KEY_SECRET_ARN, or mTLS: TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)',
  ];
}

/**
 * Every line naming a variable `role` needs in aws mode but `env` lacks (values are never shown). Secrets are
 * checked beside this by `loadConfig`, so one error names everything missing at once.
 */
export function missingInAws(env: Env, role: ProcessRole): string[] {
  const missing = REQUIRED_IN_AWS[role]
    .filter((name) => !given(env, name))
    .map((name) => `  ${name}: required when PAYOPS_MODE=aws (${WHY[name]})`);
  return [...missing, ...credentialIssues(env)];
}
