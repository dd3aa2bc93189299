import { temporalSettings } from '../../client/connect';
import { awsOptions, ConfigError, loadConfig, temporalEnv } from '../../workers/config';

describe('worker configuration', () => {
  test('when the environment is empty, then local defaults apply', () => {
    const config = loadConfig({});
    expect(config.PAYOPS_MODE).toBe('local');
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.TEMPORAL_TASK_QUEUE).toBe('payops');
  });

  test('when a variable is invalid, then start-up stops with a message naming it', () => {
    expect(() => loadConfig({ INGRESS_PORT: 'eighty', PSP_API_BASE: 'not a url' })).toThrow(ConfigError);
    try {
      loadConfig({ INGRESS_PORT: 'eighty', PSP_API_BASE: 'not a url' });
    } catch (err) {
      expect((err as Error).message).toMatch(/INGRESS_PORT/);
      expect((err as Error).message).toMatch(/PSP_API_BASE/);
    }
  });

  test('when AWS mode is given an endpoint override, then it is refused', () => {
    expect(() => loadConfig({ PAYOPS_MODE: 'aws', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toThrow(
      /AWS_ENDPOINT_URL/,
    );
  });

  test('when the worker connects, then config wins over a temporal.toml profile and an API key alone turns TLS on', () => {
    const toml = '[profile.default]\naddress = "profile.example:7233"\nnamespace = "from-profile"';
    const config = loadConfig({ TEMPORAL_ADDRESS: 'cfg.example:7233', TEMPORAL_API_KEY: 'k' });
    const settings = temporalSettings({ env: temporalEnv(config, {}), configSource: { data: toml } });
    expect(settings.connection).toEqual({ address: 'cfg.example:7233', apiKey: 'k', tls: true });
    expect(settings.namespace).toBe('default');
    expect(temporalSettings({ env: temporalEnv(loadConfig({}), {}) }).connection).toEqual({
      address: '127.0.0.1:7233',
    });
  });

  test('when AWS clients are configured, then only local mode gets the emulator endpoint', () => {
    expect(awsOptions(loadConfig({}))).toEqual({ region: 'us-east-1', local: true, endpoint: 'http://127.0.0.1:5000' });
    expect(awsOptions(loadConfig({ PAYOPS_MODE: 'aws', AWS_REGION: 'eu-west-1' }))).toEqual({
      region: 'eu-west-1',
      local: false,
    });
  });
});
