import { configuredTaskQueue } from '../../client/config';
import { DEFAULT_TEMPORAL_ADDRESS, temporalSettings } from '../../client/connect';

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
