import type { Client } from '@temporalio/client';
import { adyenIngressFromEnv, LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from '../../ingress/adyen';
import { createIngressApp } from '../../ingress/app';
import { ADYEN_SANDBOX_PORT } from '../../sandboxes/adyen';
import { loadConfig } from '../../workers/config';
import { loadAdyenConfig } from '../../workers/config-adyen';

/** The ingress's Adyen settings: local defaults, nothing unconfigured outside local mode, keys checked at start. */
describe('Adyen at the ingress: configuration', () => {
  test('when running locally without settings, then the sandbox key and look-up are used', () => {
    expect(adyenIngressFromEnv('local', {})?.hmacKeys).toEqual([LOCAL_ADYEN_WEBHOOK_HMAC_KEY]);
  });

  test('when running on AWS without a key or an API key, then Adyen is not configured and /webhooks/adyen is 404', async () => {
    expect(adyenIngressFromEnv('aws', {})).toBeUndefined();
    expect(adyenIngressFromEnv('aws', { ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32) })).toBeUndefined();
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
    const env = { ADYEN_WEBHOOK_HMAC_KEY: 'not-a-key', ADYEN_API_KEY: 'k' };
    expect(() => adyenIngressFromEnv('aws', env)).toThrow(
      'ADYEN_WEBHOOK_HMAC_KEY: must be a hex HMAC key (value not shown)',
    );
    expect(adyenIngressFromEnv('aws', { ...env, ADYEN_WEBHOOK_HMAC_KEY: 'AB'.repeat(32) })?.hmacKeys).toHaveLength(1);
  });
});

/** workers/config-adyen.ts: every ADYEN_* variable in one schema, read by the ingress, the worker and `npm start`. */
describe('Adyen configuration (workers/config-adyen.ts)', () => {
  test('when running locally without settings, then the sandbox is the default and Adyen is paced at its defaults', () => {
    expect(loadAdyenConfig('local', {})).toEqual({
      apiKey: 'local',
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
