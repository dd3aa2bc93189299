import { msToTs } from '@temporalio/common/lib/time';
import { randomUUID } from 'node:crypto';
import { ensureSearchAttributes } from '../../infra/local/search-attributes';
import { SA } from '../../workflows/shared/search-attributes';
import { testClient, testConfig } from '../support/stack';
import { until } from '../support/wait';

describe('local stack: search attributes added after the stack was created (real dev server)', () => {
  test('given a namespace without them, when ensured twice, then the first call registers every attribute and the second none', async () => {
    const { client, connection } = await testClient(testConfig());
    try {
      // A namespace created after start-up has none of the product's attributes, like a database kept from before.
      const namespace = `sa-${randomUUID().slice(0, 8)}`;
      await client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      const names = [...new Set(Object.values(SA).map((k) => k.name))].sort();
      await until(async () => {
        try {
          return (await ensureSearchAttributes(client, namespace)).sort();
        } catch {
          return undefined; // the new namespace is not visible to the operator service yet
        }
      }, 30_000).then((added) => expect(added).toEqual(names));
      const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
      expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(['FailedAttempts']));
      expect(await ensureSearchAttributes(client, namespace)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
