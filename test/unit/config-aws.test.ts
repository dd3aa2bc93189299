import { LOCAL_INGRESS_SIGNING_KEY_JSON } from '../../workers/local-ingress-key';
import { ConfigError, loadConfig, REQUIRED_IN_AWS } from '../../workers/config';

/** A complete aws-mode worker environment; each test removes or changes one thing. */
const WORKER_ENV = {
  PAYOPS_MODE: 'aws',
  TEMPORAL_ADDRESS: 'payops.a1b2c.tmprl.cloud:7233',
  TEMPORAL_NAMESPACE: 'payops.a1b2c',
  TEMPORAL_API_KEY: 'temporal-api-key-never-shown',
  WORKER_BUILD_ID: '2026.12.01-1',
  PAYLOAD_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/0b7d',
  PSP_SECRET_KEY: 'sk_live_never_shown',
};
const without = (env: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

/** The ConfigError message `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('aws mode refuses to start half-configured', () => {
  test('when every required variable is set, then the worker starts with them', () => {
    const config = loadConfig(WORKER_ENV, { role: 'worker' });
    expect(config.TEMPORAL_ADDRESS).toBe(WORKER_ENV.TEMPORAL_ADDRESS);
    expect(config.WORKER_BUILD_ID).toBe(WORKER_ENV.WORKER_BUILD_ID);
  });

  test('when the worker is given nothing, then one error names every missing variable at once', () => {
    const message = refusal(() => loadConfig({ PAYOPS_MODE: 'aws' }, { role: 'worker' }));
    for (const name of [...REQUIRED_IN_AWS.worker, 'TEMPORAL_API_KEY', 'PSP_SECRET_KEY']) {
      expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    }
  });

  test.each(REQUIRED_IN_AWS.worker)('when %s is missing, then the worker refuses naming it alone', (name) => {
    const message = refusal(() => loadConfig(without(WORKER_ENV, name), { role: 'worker' }));
    expect(message).toMatch(new RegExp(`^  ${name}: required when PAYOPS_MODE=aws`, 'm'));
    expect(message.trim().split('\n')).toHaveLength(2);
  });

  test('when the build ID is missing, then the worker refuses but the ingress (which runs no workflows) does not', () => {
    const env = {
      ...without(WORKER_ENV, 'WORKER_BUILD_ID', 'PSP_SECRET_KEY'),
      PSP_WEBHOOK_SECRET: 'w1',
      BANK_WEBHOOK_SECRET: 'b1',
      INGRESS_SIGNING_KEY: '{"kty":"OKP"}',
    };
    expect(loadConfig(env, { role: 'ingress' }).WORKER_BUILD_ID).toBe('local');
    expect(refusal(() => loadConfig(env, { role: 'worker' }))).toMatch(/WORKER_BUILD_ID: required/);
  });

  test('when the ingress has no rail-event signing key, or the public local one, then it refuses to start', () => {
    const env = { ...without(WORKER_ENV, 'PSP_SECRET_KEY'), PSP_WEBHOOK_SECRET: 'w1', BANK_WEBHOOK_SECRET: 'b1' };
    expect(refusal(() => loadConfig(env, { role: 'ingress' }))).toMatch(/INGRESS_SIGNING_KEY: required outside local/);
    const local = { ...env, INGRESS_SIGNING_KEY: LOCAL_INGRESS_SIGNING_KEY_JSON };
    expect(refusal(() => loadConfig(local, { role: 'ingress' }))).toMatch(/INGRESS_SIGNING_KEY: a public local-mode/);
  });

  test('when Temporal credentials are missing, then the error names the API key and the mTLS alternative', () => {
    const message = refusal(() => loadConfig(without(WORKER_ENV, 'TEMPORAL_API_KEY'), { role: 'worker' }));
    expect(message).toMatch(/TEMPORAL_API_KEY: Temporal credentials are required/);
    expect(message).toMatch(/TEMPORAL_API_KEY_SECRET_ARN/);
    expect(message).toMatch(/TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/);
  });

  test('when credentials come by Secrets Manager ARN or as an mTLS pair, then they count', () => {
    const base = without(WORKER_ENV, 'TEMPORAL_API_KEY');
    expect(() =>
      loadConfig({ ...base, TEMPORAL_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:x' }, { role: 'worker' }),
    ).not.toThrow();
    const mtls = { TEMPORAL_TLS_CLIENT_CERT_PATH: '/run/tls/client.pem', TEMPORAL_TLS_CLIENT_KEY_DATA: 'PEM' };
    expect(() => loadConfig({ ...base, ...mtls }, { role: 'worker' })).not.toThrow();
  });

  test('when only half of an mTLS pair is given, then the missing half is named', () => {
    const base = without(WORKER_ENV, 'TEMPORAL_API_KEY');
    const certOnly = refusal(() =>
      loadConfig({ ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' }, { role: 'worker' }),
    );
    expect(certOnly).toMatch(/TEMPORAL_TLS_CLIENT_KEY_PATH: required with the mTLS client certificate/);
    const keyOnly = refusal(() => loadConfig({ ...base, TEMPORAL_TLS_CLIENT_KEY_PATH: '/k.pem' }, { role: 'worker' }));
    expect(keyOnly).toMatch(/TEMPORAL_TLS_CLIENT_CERT_PATH: required with the mTLS client key/);
  });

  test('when the ingress lacks its Temporal settings and secrets, then one error names them all', () => {
    const message = refusal(() => loadConfig({ PAYOPS_MODE: 'aws' }, { role: 'ingress' }));
    for (const name of [...REQUIRED_IN_AWS.ingress, 'TEMPORAL_API_KEY', 'PSP_WEBHOOK_SECRET', 'BANK_WEBHOOK_SECRET']) {
      expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    }
    expect(message).not.toMatch(/WORKER_BUILD_ID/);
  });

  test('when a value is refused, then the message never shows a secret', () => {
    const message = refusal(() => loadConfig(without(WORKER_ENV, 'TEMPORAL_ADDRESS'), { role: 'worker' }));
    expect(message).not.toContain(WORKER_ENV.TEMPORAL_API_KEY);
    expect(message).not.toContain(WORKER_ENV.PSP_SECRET_KEY);
  });

  test('when local mode is given nothing, then the local defaults still apply for every process', () => {
    const worker = loadConfig({}, { role: 'worker' });
    expect(worker.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(worker.TEMPORAL_NAMESPACE).toBe('default');
    expect(worker.WORKER_BUILD_ID).toBe('local');
    expect(() => loadConfig({}, { role: 'ingress' })).not.toThrow();
  });

  test('when LOG_LEVEL or OTEL_* are set, then they are parsed and a bad one is named', () => {
    const config = loadConfig({ LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(config.LOG_LEVEL).toBe('DEBUG');
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318');
    expect(loadConfig({}).LOG_LEVEL).toBe('INFO');
    expect(loadConfig({}).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(refusal(() => loadConfig({ LOG_LEVEL: 'loud' }))).toMatch(/LOG_LEVEL/);
    expect(refusal(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' }))).toMatch(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    const headers = refusal(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key-secret-value' }));
    expect(headers).toMatch(/OTEL_EXPORTER_OTLP_HEADERS: .*\(got a value not shown\)/);
    expect(headers).not.toContain('api-key-secret-value');
  });
});
