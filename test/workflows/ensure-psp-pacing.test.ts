import { randomUUID } from 'node:crypto';
import { describeProviderQueue, pausePspCalls } from '../../client/psp-control';
import { ConfigError } from '../../workers/config';
import { main } from '../../workers/ensure-psp-pacing';
import { stackEnv, testClient, testConfig } from '../support/stack';

/**
 * The release step that paces both PSPs on AWS (workers/ensure-psp-pacing.ts), run in this process against the dev
 * server with the processes' configuration taken from the environment, as the release machine runs it.
 */
describe('workers/ensure-psp-pacing (the release step, dev server)', () => {
  const queue = `test-${randomUUID()}`;
  const env: Record<string, string> = {
    PAYOPS_MODE: 'local',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    AWS_ENDPOINT_URL: stackEnv('AWS_ENDPOINT_URL'),
    TEMPORAL_TASK_QUEUE: queue,
    PSP_RATE_LIMIT_RPS: '7',
    PSP_ACCOUNT_RATE_LIMIT_RPS: '20',
    ADYEN_RATE_LIMIT_RPS: '5',
    ADYEN_ACCOUNT_RATE_LIMIT_RPS: '12',
  };
  const saved = new Map<string, string | undefined>();
  let out: jest.SpyInstance;

  beforeEach(() => {
    for (const [k, v] of Object.entries(env)) {
      if (!saved.has(k)) saved.set(k, process.env[k]);
      process.env[k] = v;
    }
    out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    out.mockRestore();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const printed = () => out.mock.calls.map((c) => String(c[0]));

  test('when run on a fresh deployment, then Stripe and Adyen queues get their own account and per-endpoint limits', async () => {
    expect(await main([])).toBe(0);
    expect(printed()).toEqual([
      `stripe ${queue}-psp 20/s account, 7/s per endpoint`,
      `adyen ${queue}-psp-adyen 12/s account, 5/s per endpoint`,
    ]);
    const { client, connection } = await testClient(testConfig({ TEMPORAL_TASK_QUEUE: queue }));
    try {
      expect(await describeProviderQueue(client, 'stripe', queue)).toMatchObject({
        ratePerSecond: 20,
        endpointRatePerSecond: 7,
      });
      expect(await describeProviderQueue(client, 'adyen', queue)).toMatchObject({
        ratePerSecond: 12,
        endpointRatePerSecond: 5,
      });
    } finally {
      await connection.close();
    }
  });

  test('when Adyen is paused for an incident and the step runs again, then Adyen keeps its 0 and Stripe is paced', async () => {
    const { client, connection } = await testClient(testConfig({ TEMPORAL_TASK_QUEUE: queue }));
    try {
      await pausePspCalls(client, {
        provider: 'adyen',
        incidentId: 'INC-REL-1',
        reason: 'release during an incident',
        taskQueue: queue,
      });
      process.env['PSP_ACCOUNT_RATE_LIMIT_RPS'] = '30';
      expect(await main([])).toBe(0);
      expect(printed()).toEqual([
        `stripe ${queue}-psp 30/s account, 7/s per endpoint`,
        `adyen ${queue}-psp-adyen paused by INC-REL-1: kept at 0 (5/s per endpoint)`,
      ]);
      expect(await describeProviderQueue(client, 'adyen', queue)).toMatchObject({
        ratePerSecond: 0,
        pausedBy: 'INC-REL-1',
      });
      expect(await describeProviderQueue(client, 'stripe', queue)).toMatchObject({ ratePerSecond: 30 });
    } finally {
      await connection.close();
    }
  });

  test('when an Adyen rate is malformed, then the step refuses with a configuration error naming the variable', async () => {
    process.env['ADYEN_RATE_LIMIT_RPS'] = 'fast';
    const refused = main([]);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/ADYEN_RATE_LIMIT_RPS: must be a number/);
  });

  test('when asked for --help, then it prints usage and exits 0; an argument exits 2 naming it', async () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['--help'])).toBe(0);
      expect(printed()[0]).toMatch(/^usage: tsx workers\/ensure-psp-pacing\.ts/);
      expect(await main(['--rate=5'])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/^unknown argument --rate=5/);
    } finally {
      err.mockRestore();
    }
  });
});
