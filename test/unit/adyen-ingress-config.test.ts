import type { Client } from '@temporalio/client';
import { adyenIngressFromEnv, LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from '../../ingress/adyen';
import { createIngressApp } from '../../ingress/app';
import { loadConfig } from '../../workers/config';

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
