import { configuredTaskQueue } from '../../client/config';
import { connectClient, DEFAULT_TEMPORAL_ADDRESS, temporalSettings } from '../../client/connect';
import { dataConverterFor } from '../../workers/data-converter';
import { dataConverterFromEnv } from '../../codec/settings';
import { isLoopbackAddress } from '../../codec/target';
import { loadConfig } from '../../workers/config';

// The environments given here have no HOME, XDG_CONFIG_HOME or TEMPORAL_CONFIG_FILE: no temporal.toml is read.
describe('client configuration', () => {
  test('when TEMPORAL_TASK_QUEUE is set, then starts default to that queue; unset, to payops', () => {
    expect(configuredTaskQueue({ TEMPORAL_TASK_QUEUE: 'payops-blue' })).toBe('payops-blue');
    expect(configuredTaskQueue({})).toBe('payops');
    expect(() => configuredTaskQueue({ TEMPORAL_TASK_QUEUE: '' })).toThrow(/TEMPORAL_TASK_QUEUE/);
  });

  test('when nothing is configured, then the client targets the local dev server in namespace default without TLS', () => {
    expect(temporalSettings({ env: {} })).toEqual({
      connection: { address: DEFAULT_TEMPORAL_ADDRESS },
      namespace: 'default',
    });
  });

  test('when an API key is given, then TLS is on (envconfig rule); TEMPORAL_TLS=false turns it off', () => {
    const env = { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k' };
    expect(temporalSettings({ env })).toEqual({
      connection: { address: 'ns.acct.tmprl.cloud:7233', apiKey: 'k', tls: true },
      namespace: 'ns.acct',
    });
    expect(temporalSettings({ env: { ...env, TEMPORAL_TLS: 'false' } }).connection.tls).toBe(false);
  });

  test('when a temporal.toml profile is chosen, then its settings apply and environment variables override them', () => {
    const toml = [
      '[profile.default]',
      'address = "localhost:7233"',
      '[profile.prod]',
      'address = "prod.example:7233"',
      'namespace = "payops-prod"',
      '[profile.prod.tls]',
      'server_name = "prod.example"',
    ].join('\n');
    const prod = temporalSettings({ env: { TEMPORAL_PROFILE: 'prod' }, configSource: { data: toml } });
    expect(prod.connection.address).toBe('prod.example:7233');
    expect(prod.namespace).toBe('payops-prod');
    expect(prod.connection.tls).toMatchObject({ serverNameOverride: 'prod.example' });

    const overridden = temporalSettings({
      env: { TEMPORAL_ADDRESS: 'other:7233' },
      profile: 'prod',
      configSource: { data: toml },
    });
    expect(overridden.connection.address).toBe('other:7233');
    expect(overridden.namespace).toBe('payops-prod');
  });
});

describe('payload keys fit where the client connects', () => {
  const CLOUD = { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct' };

  test('when the address is loopback without TLS or an API key, then the local development key is used', () => {
    for (const address of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233', '127.0.0.2', 'LOCALHOST']) {
      expect(isLoopbackAddress(address)).toBe(true);
    }
    for (const address of [
      '10.0.0.5:7233',
      'ns.acct.tmprl.cloud:7233',
      'localhost.evil.example:7233',
      '[2001:db8::1]:7233',
    ]) {
      expect(isLoopbackAddress(address)).toBe(false);
    }
    expect(() => dataConverterFromEnv({}, temporalSettings({ env: {} }).connection)).not.toThrow();
  });

  test('when the client connects to a non-loopback address without PAYLOAD_KMS_KEY_ID, then it refuses naming the variable', async () => {
    await expect(connectClient({ env: { TEMPORAL_ADDRESS: '10.0.0.5:7233' } })).rejects.toThrow(
      /PAYLOAD_KMS_KEY_ID: required to connect to 10\.0\.0\.5:7233 \(it is not loopback\)/,
    );
    // Static keys are local keys too: only the KMS key the workers there use will do.
    await expect(
      connectClient({ env: { ...CLOUD, PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` } }),
    ).rejects.toThrow(/PAYLOAD_KMS_KEY_ID: required to connect to ns\.acct\.tmprl\.cloud:7233/);
  });

  test('when a loopback connection has an API key or a profile with TLS, then the local key is refused too', async () => {
    await expect(connectClient({ env: { TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_API_KEY: 'k' } })).rejects.toThrow(
      /PAYLOAD_KMS_KEY_ID: .*\(it uses an API key\)/,
    );
    const toml = ['[profile.tunnel]', 'address = "127.0.0.1:7233"', '[profile.tunnel.tls]', 'server_name = "prod"'];
    await expect(
      connectClient({ env: {}, profile: 'tunnel', configSource: { data: toml.join('\n') } }),
    ).rejects.toThrow(/PAYLOAD_KMS_KEY_ID: .*\(it uses TLS\)/);
  });

  test('when PAYLOAD_KMS_KEY_ID is set, then a remote target is accepted (the workers there decrypt with KMS)', () => {
    const target = temporalSettings({ env: { ...CLOUD, TEMPORAL_API_KEY: 'k' } }).connection;
    expect(() => dataConverterFromEnv({ PAYLOAD_KMS_KEY_ID: 'alias/payops-codec' }, target)).not.toThrow();
  });

  test('when a worker or the ingress in local mode is configured for a remote cluster, then its data converter refuses too', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' });
    expect(() => dataConverterFor(config)).toThrow(/PAYLOAD_KMS_KEY_ID: required to connect to ns\.acct\.tmprl\.cloud/);
    expect(() => dataConverterFor(loadConfig({}))).not.toThrow();
  });
});
