import { startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import type { ActivityDeps } from '../../activities';

/**
 * Issue 24 (cold start): Adyen's library is about 5 MB of model classes, a third of what the Lambda worker loaded
 * before its first poll. The worker's whole import graph, and its dependencies built as at start-up, must not load it;
 * the first Adyen call does, and works. A top-level import of the library anywhere the worker reaches breaks this.
 */
describe('Adyen library loaded on first use', () => {
  let sandbox: AdyenSandbox;

  beforeAll(async () => {
    sandbox = await startAdyenSandbox({ port: 0, hmacKey: '0123456789ABCDEF0123456789ABCDEF' });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  test('when the Lambda entry is imported and the worker dependencies are built, then Adyen library is not loaded until the first Adyen call, which pays', async () => {
    let loads = 0;
    jest.doMock('@adyen/api-library', () => {
      loads += 1;
      return jest.requireActual('@adyen/api-library');
    });
    let deps: ActivityDeps | undefined;
    await jest.isolateModulesAsync(async () => {
      await import('../../workers/lambda');
      const { buildDependencies } = await import('../../workers/dependencies');
      const { loadConfig } = await import('../../workers/config');
      deps = buildDependencies(loadConfig({ PAYOPS_MODE: 'local', ADYEN_API_URL: sandbox.url }));
    });
    // Local mode has an Adyen key: both Adyen ports are there, built without the library.
    expect(deps?.adyen).toBeDefined();
    expect(deps?.adyenStatements).toBeDefined();
    expect(loads).toBe(0);

    const t = await deps!.adyen!.createTransfer({
      idempotencyKey: 'lazy-1:initiate:adyen',
      amount: { amountMinor: 500, currency: 'EUR' },
      destination: { kind: 'balance_account', id: 'BA00000000000000CREATOR1' },
      reference: 'lazy-1:initiate',
    });
    expect(t).toMatchObject({ status: 'pending', providerStatus: 'authorised', reference: 'lazy-1:initiate' });
    expect(loads).toBe(1);
    // Adyen's answer is read through the same library instance (its `HttpClientException` is the one the error map
    // knows): an unknown code with its HTTP status (ambiguous), never taken for a dropped connection.
    await expect(deps!.adyen!.getTransfer('NOSUCHTRANSFER')).rejects.toMatchObject({
      provider: 'adyen',
      code: 'ADYEN_AMBIGUOUS',
      status: 404,
    });
    expect(loads).toBe(1);
  });
});
