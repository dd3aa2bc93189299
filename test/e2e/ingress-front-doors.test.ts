import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { handler } from '../../ingress/lambda';
import { startIngress } from '../../ingress/server';
import { ConfigError, loadConfig } from '../../workers/config';
import { functionUrlEvent, lambdaContext } from '../support/ingress';
import { stackEnv, testClient, testConfig } from '../support/stack';

/** What each front door adds around the shared app (ingress.test.ts runs the routes through both). */
describe('the long-lived server: its bind address (INGRESS_HOST)', () => {
  const config = testConfig();
  let close: () => Promise<void>;
  let client: Awaited<ReturnType<typeof testClient>>['client'];
  beforeAll(async () => {
    const c = await testClient(config);
    client = c.client;
    close = () => c.connection.close();
  });
  afterAll(() => close?.());

  test('when INGRESS_HOST is 0.0.0.0 (a container), then it binds every interface, reports it, and answers on 127.0.0.1', async () => {
    const ingress = await startIngress({ config: testConfig({ INGRESS_HOST: '0.0.0.0' }), client });
    try {
      expect(ingress.host).toBe('0.0.0.0');
      expect(ingress.url).toBe(`http://127.0.0.1:${ingress.port}`);
      const res = await fetch(`http://127.0.0.1:${ingress.port}/healthz`);
      expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
    } finally {
      await ingress.stop();
    }
  });

  test('when INGRESS_HOST is not set, then it binds loopback only', async () => {
    const ingress = await startIngress({ config, client });
    try {
      expect([ingress.host, ingress.url]).toEqual(['127.0.0.1', `http://127.0.0.1:${ingress.port}`]);
    } finally {
      await ingress.stop();
    }
  });

  test('when INGRESS_HOST is not an address, then the configuration is refused naming it', () => {
    expect(() => testConfig({ INGRESS_HOST: 'every interface' })).toThrow(ConfigError);
    expect(() => testConfig({ INGRESS_HOST: 'every interface' })).toThrow(/INGRESS_HOST: must be an IP address/);
    expect(loadConfig({ INGRESS_HOST: '::' }).INGRESS_HOST).toBe('::');
  });
});

describe('the Lambda entry point (ingress/lambda.ts `handler`, configured from the environment like a deployed one)', () => {
  const saved = { ...process.env };
  const stack = { TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'), AWS_ENDPOINT_URL: stackEnv('AWS_ENDPOINT_URL') };
  const onTheTestStack = () => ({
    ...saved,
    ...stack,
    PAYOPS_MODE: 'local',
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
  });
  beforeAll(() => {
    process.env = onTheTestStack();
  });
  afterAll(() => {
    process.env = saved;
  });

  const signedPsp = (id: string) => {
    const body = JSON.stringify({ id, object: 'event', type: 'customer.updated', created: 1, data: { object: {} } });
    // No content type: the function URL sends the body base64-encoded, as it does for anything not text.
    return functionUrlEvent({
      method: 'POST',
      path: '/webhooks/psp',
      headers: {
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_local' }),
      },
      body: Buffer.from(body),
    });
  };

  test('when the container cannot start, then it answers 503 (the provider retries) and tries again on the next invocation', async () => {
    // Outside local mode without the webhook secrets, the ingress refuses to start.
    process.env = {
      ...onTheTestStack(),
      PAYOPS_MODE: 'aws',
      AWS_ENDPOINT_URL: undefined,
      PSP_WEBHOOK_SECRET: undefined,
      BANK_WEBHOOK_SECRET: undefined,
    };
    const refused = await handler(functionUrlEvent({ method: 'GET', path: '/healthz' }), lambdaContext());
    expect(refused).toMatchObject({ statusCode: 503, body: JSON.stringify({ error: 'temporarily unavailable' }) });

    process.env = onTheTestStack();
    const healthy = await handler(functionUrlEvent({ method: 'GET', path: '/healthz' }), lambdaContext());
    expect(healthy).toMatchObject({ statusCode: 200, body: JSON.stringify({ ok: true }) });
  });

  test('when a signed event arrives base64-encoded, then it is verified, remembered in the audit table, and a repeat is a duplicate', async () => {
    const id = `evt_${randomUUID()}`;
    const event = signedPsp(id);
    expect(event.isBase64Encoded).toBe(true);
    const first = await handler(event, lambdaContext());
    expect(first).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((first as { body: string }).body)).toEqual({
      eventId: id,
      duplicate: false,
      delivered: 0,
      parked: 0,
      owned: 0,
    });
    const again = await handler(signedPsp(id), lambdaContext());
    expect(JSON.parse((again as { body: string }).body)).toEqual({ eventId: id, duplicate: true });
  });
});
