import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bin } from '../../infra/local/paths';
import { SA } from '../../workflows/shared/search-attributes';

/** IndexedValueType numbers of Temporal's API, for the operator service. */
const INDEXED_VALUE_TYPE: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

/** A time-skipping test server (from the project's cache) with the product's search attributes registered, as the dev server has them. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: bin('temporal-test-server') } } });
  const searchAttributes = Object.fromEntries(Object.values(SA).map((k) => [k.name, INDEXED_VALUE_TYPE[k.type] ?? 0]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  return env;
}
