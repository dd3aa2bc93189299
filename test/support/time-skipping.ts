import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeBank } from '../../activities/adapters/bank/fake';
import { createFakeCommerce } from '../../activities/adapters/commerce/fake';
import { createFakeEvidence } from '../../activities/adapters/evidence/fake';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { createFakePsp } from '../../activities/adapters/psp/fake';
import { createFakeReports } from '../../activities/adapters/reports/fake';
import { bin } from '../../infra/local/paths';
import { pspQueuePlugin } from '../../workers/psp-worker';
import { SA } from '../../workflows/shared/search-attributes';
import { stackEnv } from './stack';

/** IndexedValueType numbers of Temporal's API, for the operator service. */
const INDEXED_VALUE_TYPE: Record<string, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** A time-skipping test server (from the project's cache) with the product's search attributes registered, as the dev server has them. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: bin('temporal-test-server') } },
  });
  const searchAttributes = Object.fromEntries(Object.values(SA).map((k) => [k.name, INDEXED_VALUE_TYPE[k.type] ?? 0]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  return env;
}

/** Every port faked (in memory), for workflows on the time-skipping server; tests read and steer the fakes. */
export function fakeDeps() {
  return {
    psp: createFakePsp(),
    bank: createFakeBank(),
    notifications: createFakeNotifications(),
    ledger: createFakeLedger(),
    audit: createFakeAudit(),
    reports: createFakeReports(),
    commerce: createFakeCommerce(),
    evidence: createFakeEvidence(),
  } satisfies ActivityDeps;
}

/** A worker on the time-skipping server, running the prebuilt test bundle with `deps`' activities (not yet started). */
export async function timeSkippingWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  deps: ActivityDeps,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') },
    activities: createActivities(deps),
    plugins: [pspQueuePlugin()], // PSP activities run on `<taskQueue>-psp`
  });
}
