import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import type { VerifiedEvent } from '../../ingress/deliveries';
import { startIngress, type Ingress } from '../../ingress/server';
import { buildCamt054 } from '../../sandboxes/bank/iso20022';
import { adyenIngressOf, LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from '../../ingress/adyen';
import { ConfigError, type AppConfig } from '../../workers/config';
import { reconAccounts } from '../../workers/config-recon';
import { buildDependencies } from '../../workers/dependencies';
import { loadProcessConfig, secretsManagerClient } from '../../workers/secrets';
import { postSigned } from '../support/ingress';
import { stackEnv, testClient } from '../support/stack';

/**
 * AWS mode's secrets through the product's own start-up path (`loadProcessConfig`), with the Secrets Manager client
 * pointed at moto: the only difference from production is the client's endpoint.
 */
describe('secrets from Secrets Manager (aws mode, moto) and webhook secret rotation', () => {
  const moto = secretsManagerClient({ region: 'us-east-1', local: true, endpoint: stackEnv('AWS_ENDPOINT_URL') });
  afterAll(() => moto.destroy());

  const putSecret = async (value: string) => {
    const out = await moto.send(new CreateSecretCommand({ Name: `payops-test/${randomUUID()}`, SecretString: value }));
    return out.ARN ?? '';
  };
  /** A production-shaped environment: aws mode, no endpoint override, secrets only by ARN. */
  const awsEnv = (extra: Record<string, string>) => ({
    PAYOPS_MODE: 'aws',
    AWS_REGION: 'us-east-1',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    // What aws mode also requires (REQUIRED_IN_AWS in workers/config.ts); nothing here connects with them.
    TEMPORAL_TLS_CLIENT_CERT_PATH: '/run/tls/client.pem',
    TEMPORAL_TLS_CLIENT_KEY_PATH: '/run/tls/client.key',
    WORKER_BUILD_ID: 'test-build',
    PAYLOAD_KMS_KEY_ID: 'alias/payops-test',
    ...extra,
  });
  const refusal = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  };

  test('when aws mode names its secrets by ARN, then the worker reads each once from Secrets Manager at start-up', async () => {
    const pspKey = `sk_live_${randomUUID()}`;
    const apiKey = `temporal-${randomUUID()}`;
    const env = awsEnv({
      PSP_SECRET_KEY_SECRET_ARN: await putSecret(pspKey),
      TEMPORAL_API_KEY_SECRET_ARN: await putSecret(apiKey),
    });
    const send = jest.spyOn(moto, 'send');
    const config = await loadProcessConfig('worker', { env, client: moto });
    expect(config.PAYOPS_MODE).toBe('aws');
    expect(config.PSP_SECRET_KEY).toBe(pspKey);
    expect(config.TEMPORAL_API_KEY).toBe(apiKey);
    expect(send.mock.calls.map(([command]) => command.constructor)).toEqual([
      GetSecretValueCommand,
      GetSecretValueCommand,
    ]);
    send.mockRestore();
  });

  test('when a secret is missing, unreadable, public or set twice, then start-up stops naming the variable and never the value', async () => {
    const secret = `whsec_${randomUUID()}`;
    const missing = await refusal(loadProcessConfig('ingress', { env: awsEnv({}), client: moto }));
    expect(missing).toMatch(/PSP_WEBHOOK_SECRET: required outside local mode/);
    expect(missing).toMatch(/BANK_WEBHOOK_SECRET: required outside local mode/);

    const unreadable = await refusal(
      loadProcessConfig('ingress', {
        env: awsEnv({
          PSP_WEBHOOK_SECRET_SECRET_ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-${randomUUID()}`,
          BANK_WEBHOOK_SECRET_SECRET_ARN: await putSecret('{"current": 42}'),
        }),
        client: moto,
      }),
    );
    expect(unreadable).toMatch(/PSP_WEBHOOK_SECRET_SECRET_ARN: cannot read the secret \(ResourceNotFoundException/);
    expect(unreadable).toMatch(/BANK_WEBHOOK_SECRET_SECRET_ARN: a JSON value must be/);

    const publicValue = await refusal(
      loadProcessConfig('ingress', {
        env: awsEnv({
          PSP_WEBHOOK_SECRET_SECRET_ARN: await putSecret('whsec_local'),
          BANK_WEBHOOK_SECRET_SECRET_ARN: await putSecret(secret),
        }),
        client: moto,
      }),
    );
    expect(publicValue).toMatch(/PSP_WEBHOOK_SECRET: a public local-mode constant is refused in aws mode/);
    expect(publicValue).not.toContain(secret);

    const twice = await refusal(
      loadProcessConfig('worker', {
        env: awsEnv({ PSP_SECRET_KEY: secret, PSP_SECRET_KEY_SECRET_ARN: await putSecret(secret) }),
        client: moto,
      }),
    );
    expect(twice).toMatch(/PSP_SECRET_KEY_SECRET_ARN: set it or PSP_SECRET_KEY, not both/);
    expect(twice).not.toContain(secret);
  });

  describe("Adyen's keys from Secrets Manager (ADYEN_API_KEY_SECRET_ARN, ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN)", () => {
    /** Adyen's HMAC keys are hex: a random one per test, so no value can come from anywhere else. */
    const hexKey = () => randomUUID().replace(/-/g, '').toUpperCase().repeat(2);

    test('when the worker names the Adyen API key by ARN, then it pays and reconciles Adyen with the key read at start-up', async () => {
      const adyenKey = `AQE_adyen_${randomUUID()}`;
      const env = awsEnv({
        PSP_SECRET_KEY_SECRET_ARN: await putSecret(`sk_live_${randomUUID()}`),
        ADYEN_API_KEY_SECRET_ARN: await putSecret(adyenKey),
        ADYEN_BALANCE_ACCOUNT_ID: 'BA0000000000000000LIVE01',
      });
      const config = await loadProcessConfig('worker', { env, client: moto });
      expect(config.ADYEN_API_KEY).toBe(adyenKey);
      // The composition root reads the key from the configuration (process.env never held it).
      const deps = buildDependencies(config);
      expect(deps.adyen).toBeDefined();
      expect(deps.adyenStatements).toBeDefined();
      expect(reconAccounts(config).map((a) => a.accountId)).toContain('psp-adyen');
    });

    test('when aws mode names no Adyen key, then the worker has no Adyen adapter and no Adyen account (fail closed)', async () => {
      const env = awsEnv({ PSP_SECRET_KEY_SECRET_ARN: await putSecret(`sk_live_${randomUUID()}`) });
      const config = await loadProcessConfig('worker', { env, client: moto });
      const deps = buildDependencies(config);
      expect([deps.adyen, deps.adyenStatements]).toEqual([undefined, undefined]);
      expect(reconAccounts(config).map((a) => a.accountId)).not.toContain('psp-adyen');
      expect(adyenIngressOf(config)).toBeUndefined();
    });

    test('when the ingress names the HMAC key by ARN (plain, or rotating as {current, previous}), then /webhooks/adyen accepts those keys', async () => {
      const ingressSecrets = {
        PSP_WEBHOOK_SECRET_SECRET_ARN: await putSecret(`whsec_${randomUUID()}`),
        BANK_WEBHOOK_SECRET_SECRET_ARN: await putSecret(`bank_${randomUUID()}`),
        INGRESS_SIGNING_KEY_SECRET_ARN: await putSecret(
          JSON.stringify({
            ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
            kid: 'ingress-test',
            iss: 'https://ingress.test',
          }),
        ),
        ADYEN_API_KEY_SECRET_ARN: await putSecret(`AQE_adyen_${randomUUID()}`),
        ADYEN_BALANCE_ACCOUNT_ID: 'BA0000000000000000LIVE01',
      };
      const [plain, current, previous] = [hexKey(), hexKey(), hexKey()];
      const single = await loadProcessConfig('ingress', {
        env: awsEnv({ ...ingressSecrets, ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(plain) }),
        client: moto,
      });
      expect(adyenIngressOf(single)?.hmacKeys).toEqual([plain]);
      const rotating = await loadProcessConfig('ingress', {
        env: awsEnv({
          ...ingressSecrets,
          ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(JSON.stringify({ current, previous })),
        }),
        client: moto,
      });
      expect(adyenIngressOf(rotating)?.hmacKeys).toEqual([current, previous]);
    });

    test('when an Adyen key is set twice, malformed or public, then start-up stops naming the variable and never the value', async () => {
      const apiKey = `AQE_adyen_${randomUUID()}`;
      const hmac = hexKey();
      const twice = await refusal(
        loadProcessConfig('worker', {
          env: awsEnv({
            PSP_SECRET_KEY_SECRET_ARN: await putSecret(`sk_live_${randomUUID()}`),
            ADYEN_API_KEY: apiKey,
            ADYEN_API_KEY_SECRET_ARN: await putSecret(apiKey),
            ADYEN_BALANCE_ACCOUNT_ID: 'BA0000000000000000LIVE01',
          }),
          client: moto,
        }),
      );
      expect(twice).toMatch(/ADYEN_API_KEY_SECRET_ARN: set it or ADYEN_API_KEY, not both/);
      expect(twice).not.toContain(apiKey);

      const previousTwice = await refusal(
        loadProcessConfig('ingress', {
          env: awsEnv({
            ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: hmac,
            ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(hexKey()),
          }),
          client: moto,
        }),
      );
      expect(previousTwice).toMatch(
        /ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: set it or ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS, not both/,
      );
      expect(previousTwice).not.toContain(hmac);

      const notHex = `not-hex-${randomUUID()}`;
      const malformed = await refusal(
        loadProcessConfig('ingress', {
          env: awsEnv({ ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(notHex) }),
          client: moto,
        }),
      );
      expect(malformed).toMatch(/ADYEN_WEBHOOK_HMAC_KEY: must be a hex HMAC key \(got a value not shown\)/);
      expect(malformed).not.toContain(notHex);

      // An expiry Adyen's rotation does not have is refused, not read as one.
      const until = await refusal(
        loadProcessConfig('ingress', {
          env: awsEnv({
            ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(
              JSON.stringify({ current: hmac, previous: hexKey(), previousValidUntil: new Date().toISOString() }),
            ),
          }),
          client: moto,
        }),
      );
      expect(until).toMatch(/ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: a JSON value must be \{"current", "previous"\?\}/);
      expect(until).not.toContain(hmac);

      // The sandbox's key is in the repository: refused in aws mode, whatever its case.
      const publicKey = await refusal(
        loadProcessConfig('ingress', {
          env: awsEnv({
            ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: await putSecret(LOCAL_ADYEN_WEBHOOK_HMAC_KEY.toLowerCase()),
          }),
          client: moto,
        }),
      );
      expect(publicKey).toMatch(/ADYEN_WEBHOOK_HMAC_KEY: a public local-mode constant is refused in aws mode/);
    });
  });

  describe('rotation: the ingress started from Secrets Manager accepts the previous secret until its grace period ends', () => {
    const GRACE_MS = 4_000;
    const current = { psp: `whsec_new_${randomUUID()}`, bank: `bank_new_${randomUUID()}` };
    const previous = { psp: `whsec_old_${randomUUID()}`, bank: `bank_old_${randomUUID()}` };
    const seen: VerifiedEvent[] = [];
    let config: AppConfig;
    let ingress: Ingress;
    let close: () => Promise<void>;
    /** When the previous secrets stop being valid (epoch ms). */
    let graceEndsAt: number;

    beforeAll(async () => {
      graceEndsAt = Date.now() + GRACE_MS;
      const until = new Date(graceEndsAt).toISOString();
      const rotating = (c: string, p: string) => JSON.stringify({ current: c, previous: p, previousValidUntil: until });
      const env = awsEnv({
        PSP_WEBHOOK_SECRET_SECRET_ARN: await putSecret(rotating(current.psp, previous.psp)),
        BANK_WEBHOOK_SECRET_SECRET_ARN: await putSecret(rotating(current.bank, previous.bank)),
        // The ingress's own rail-event signing key (an Ed25519 private JWK naming its key ID and issuer).
        INGRESS_SIGNING_KEY_SECRET_ARN: await putSecret(
          JSON.stringify({
            ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
            kid: 'ingress-test',
            iss: 'https://ingress.test',
          }),
        ),
      });
      config = await loadProcessConfig('ingress', { env, client: moto });
      // The routes here never reach Temporal: the client only needs to exist (a local-mode payload codec, no KMS).
      const c = await testClient({ ...config, PAYOPS_MODE: 'local' });
      close = () => c.connection.close();
      ingress = await startIngress({
        config,
        client: c.client,
        audit: createFakeAudit(),
        notifications: createFakeNotifications(),
        routes: [(event) => (seen.push(event), [])],
      });
    });
    afterAll(async () => {
      await ingress?.stop();
      await close?.();
    });

    const postPsp = (secret: string) => {
      const id = `evt_${randomUUID()}`;
      const body = JSON.stringify({ id, object: 'event', type: 'charge.dispute.created', created: 1, data: {} });
      return postSigned(ingress.url, 'psp', body, { secret });
    };
    const postBank = (secret: string) => {
      const body = buildCamt054({
        messageId: `NTF-${randomUUID()}`,
        entries: [{ endToEndId: 'E2E-ROT', status: 'booked', amount: { amountMinor: 100, currency: 'EUR' } }],
      });
      return postSigned(ingress.url, 'bank', body, { secret });
    };
    const statuses = async (posts: Array<Promise<Response>>) => (await Promise.all(posts)).map((r) => r.status);

    test('when signed with the current, the previous (before its end) or a wrong secret, then only the wrong one is refused; after the end the previous is refused too', async () => {
      expect(config.PSP_WEBHOOK_SECRET).toBe(current.psp);
      expect(config.BANK_WEBHOOK_SECRET_PREVIOUS).toBe(previous.bank);
      const before = await statuses([
        postPsp(current.psp),
        postPsp(previous.psp),
        postPsp('whsec_wrong'),
        postBank(current.bank),
        postBank(previous.bank),
        postBank('bank_wrong'),
      ]);
      expect(before).toEqual([200, 200, 400, 200, 200, 400]);
      expect(seen).toHaveLength(4);

      // The condition is the clock itself: wait until the grace period has ended (a margin past it), no longer.
      await sleep(Math.max(0, graceEndsAt + 250 - Date.now()));
      const after = await statuses([
        postPsp(current.psp),
        postPsp(previous.psp),
        postBank(current.bank),
        postBank(previous.bank),
      ]);
      expect(after).toEqual([200, 400, 200, 400]);
      expect(seen).toHaveLength(6);
    });
  });
});
