import { ConfigError, loadConfig } from '../../workers/config';

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
});
