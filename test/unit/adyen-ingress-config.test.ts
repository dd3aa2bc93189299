import type { Client } from '@temporalio/client';
import { adyenIngressOf, LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from '../../ingress/adyen';
import { createIngressApp } from '../../ingress/app';
import { ADYEN_SANDBOX_PORT } from '../../sandboxes/adyen';
import { ConfigError, loadConfig } from '../../workers/config';
import { adyenConfigOf, LOCAL_ADYEN_API_KEY, loadAdyenConfig } from '../../workers/config-adyen';

/** The ingress's Adyen settings from its configuration, as the processes parse it (an aws-mode one, or local). */
const ingressOf = (mode: 'local' | 'aws', env: Record<string, string> = {}) =>
  adyenIngressOf(loadConfig({ PAYOPS_MODE: mode, ...env }));

/** The ingress's Adyen settings: local defaults, nothing unconfigured outside local mode, keys checked at start. */
describe('Adyen at the ingress: configuration', () => {
  test('when running locally without settings, then the sandbox key and look-up are used', () => {
    expect(ingressOf('local')?.hmacKeys).toEqual([LOCAL_ADYEN_WEBHOOK_HMAC_KEY]);
  });

  test('when running on AWS without a key or an API key, then Adyen is not configured and /webhooks/adyen is 404', async () => {
    expect(ingressOf('aws')).toBeUndefined();
    expect(ingressOf('aws', { ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32) })).toBeUndefined();
    expect(ingressOf('aws', { ADYEN_API_KEY: 'k', ADYEN_BALANCE_ACCOUNT_ID: 'BA1' })).toBeUndefined();
    const app = createIngressApp({
      config: loadConfig({ PAYOPS_MODE: 'local' }),
      client: {} as Client,
      adyen: null,
      audit: { get: async () => undefined } as never,
      notifications: { publishEvent: async () => ({ messageId: 'x' }) } as never,
    });
    const res = await app.request('/webhooks/adyen', { method: 'POST', body: '{}' });
    expect([res.status, await res.json()]).toEqual([404, { error: 'unknown endpoint' }]);
  });

  test('when a key is not hex, then the ingress refuses to start naming the variable, never the value', () => {
    const env = { ADYEN_WEBHOOK_HMAC_KEY: 'not-a-key', ADYEN_API_KEY: 'k', ADYEN_BALANCE_ACCOUNT_ID: 'BA1' };
    expect(() => ingressOf('aws', env)).toThrow(ConfigError);
    expect(() => ingressOf('aws', env)).toThrow(
      'ADYEN_WEBHOOK_HMAC_KEY: must be a hex HMAC key (got a value not shown)',
    );
    expect(() => ingressOf('aws', env)).not.toThrow(/not-a-key/);
    expect(ingressOf('aws', { ...env, ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32) })?.hmacKeys).toHaveLength(1);
  });
});

/** workers/config-adyen.ts: every ADYEN_* variable in one schema, read by the ingress, the worker and `npm start`. */
describe('Adyen configuration (workers/config-adyen.ts)', () => {
  test('when running locally without settings, then the sandbox is the default and Adyen is paced at its defaults', () => {
    expect(loadAdyenConfig('local', {})).toEqual({
      apiKey: LOCAL_ADYEN_API_KEY,
      apiUrl: 'http://127.0.0.1:12119',
      balanceAccountId: 'BA00000000000000PLATFORM',
      environment: 'TEST',
      hmacKeys: [LOCAL_ADYEN_WEBHOOK_HMAC_KEY],
      rateLimitRps: 25,
      accountRateLimitRps: 25,
    });
    expect(`http://127.0.0.1:${ADYEN_SANDBOX_PORT}`).toBe(loadAdyenConfig('local', {}).apiUrl);
  });

  test('when running on AWS, then nothing is defaulted but the account, environment and pacing; a previous key alone configures nothing', () => {
    expect(loadAdyenConfig('aws', {})).toEqual({
      balanceAccountId: 'BA00000000000000PLATFORM',
      environment: 'TEST',
      hmacKeys: [],
      rateLimitRps: 25,
      accountRateLimitRps: 25,
    });
    expect(loadAdyenConfig('aws', { ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: 'AB'.repeat(32) }).hmacKeys).toEqual([]);
    const set = loadAdyenConfig('aws', {
      ADYEN_API_KEY: 'k',
      ADYEN_ENVIRONMENT: 'LIVE',
      ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32),
      ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: 'CD'.repeat(32),
      ADYEN_RATE_LIMIT_RPS: '10',
      ADYEN_ACCOUNT_RATE_LIMIT_RPS: '40',
    });
    expect(set).toMatchObject({
      apiKey: 'k',
      environment: 'LIVE',
      hmacKeys: ['AB'.repeat(32), 'CD'.repeat(32)],
      rateLimitRps: 10,
      accountRateLimitRps: 40,
    });
  });

  test('when values are malformed, then start-up is refused with one line per variable, secrets never echoed', () => {
    const read = () =>
      loadAdyenConfig('aws', {
        ADYEN_ENVIRONMENT: 'live-ish',
        ADYEN_API_URL: 'not a url',
        ADYEN_RATE_LIMIT_RPS: '0',
        ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: 'secret-not-hex',
      });
    expect(read).toThrow('ADYEN_ENVIRONMENT: must be TEST or LIVE (got "live-ish")');
    expect(read).toThrow('ADYEN_API_URL: must be a URL (got "not a url")');
    expect(read).toThrow('ADYEN_RATE_LIMIT_RPS: must be > 0 (got "0")');
    expect(read).toThrow('ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: must be a hex HMAC key (value not shown)');
    expect(() => read()).not.toThrow(/secret-not-hex/);
  });
});

/** One declaration: the processes' configuration parses Adyen's variables with config-adyen.ts's schema. */
describe("Adyen's variables in the processes' configuration (workers/config.ts spreads adyenEnv)", () => {
  const set = {
    ADYEN_API_KEY: 'AQE_test_key',
    ADYEN_API_URL: 'https://adyen.example',
    ADYEN_BALANCE_ACCOUNT_ID: 'BA0000000000000000LIVE01',
    ADYEN_ENVIRONMENT: 'LIVE',
    ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32),
    ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: 'CD'.repeat(32),
    ADYEN_RATE_LIMIT_RPS: '10',
    ADYEN_ACCOUNT_RATE_LIMIT_RPS: '40',
  };

  test.each([
    ['local', {}],
    ['aws', {}],
    ['local', set],
    ['aws', set],
  ] as const)(
    'when a %s process parses its configuration, then Adyen reads as loadAdyenConfig reads it',
    (mode, env) => {
      expect(adyenConfigOf(mode, loadConfig({ PAYOPS_MODE: mode, ...env }))).toEqual(loadAdyenConfig(mode, env));
    },
  );

  test('when an Adyen variable is malformed, then every process refuses to start naming it, a secret never echoed', () => {
    const read = () =>
      loadConfig({
        ADYEN_RATE_LIMIT_RPS: 'fast',
        ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: 'secret-not-hex',
        ADYEN_API_KEY: '',
      });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/ADYEN_RATE_LIMIT_RPS: must be a number of calls per second \(got "fast"\)/);
    expect(read).toThrow(/ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: must be a hex HMAC key \(got a value not shown\)/);
    expect(read).toThrow(/ADYEN_API_KEY: must not be empty/);
    expect(read).not.toThrow(/secret-not-hex/);
  });

  test("when aws mode has an Adyen API key but no balance account, then start-up is refused (the default is the sandbox's)", () => {
    expect(() => loadConfig({ PAYOPS_MODE: 'aws', ADYEN_API_KEY: 'AQE_test_key' })).toThrow(
      /ADYEN_BALANCE_ACCOUNT_ID: required with an Adyen API key when PAYOPS_MODE=aws/,
    );
    expect(() => loadConfig({ PAYOPS_MODE: 'aws' })).not.toThrow();
    expect(() => loadConfig({ ADYEN_API_KEY: 'AQE_test_key' })).not.toThrow();
  });

  test("when aws mode is given the sandbox's public keys, then start-up is refused naming each variable", () => {
    const refused = () =>
      loadConfig({
        PAYOPS_MODE: 'aws',
        ADYEN_API_KEY: LOCAL_ADYEN_API_KEY,
        ADYEN_WEBHOOK_HMAC_KEY: LOCAL_ADYEN_WEBHOOK_HMAC_KEY.toLowerCase(),
        ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: LOCAL_ADYEN_WEBHOOK_HMAC_KEY,
      });
    for (const name of ['ADYEN_API_KEY', 'ADYEN_WEBHOOK_HMAC_KEY', 'ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS']) {
      expect(refused).toThrow(new RegExp(`  ${name}: a public local-mode constant is refused in aws mode`));
    }
  });
});
