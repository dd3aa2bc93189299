import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Context } from 'aws-lambda';
import { bin } from '../../infra/local/paths';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { createLambdaHandler } from '../../workers/lambda';
import { stackProbe } from '../../workflows';
import { stackEnv, testClient, testConfig } from '../support/stack';

const run = promisify(execFile);

function fakeLambdaContext(budgetMs: number): Context & { deadline: number } {
  const deadline = Date.now() + budgetMs;
  return {
    deadline,
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'payops-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:payops-worker',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/payops-worker',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe('Lambda worker handler (in-process, fake Lambda context, real dev server)', () => {
  let psp: PspSandbox;
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
  });
  afterAll(async () => {
    await psp.stop();
  });

  test('when invoked, then it polls its versioned task queue, completes a workflow and returns before the deadline', async () => {
    const buildId = `build-${randomUUID().slice(0, 8)}`;
    const config = testConfig({
      PSP_API_BASE: psp.url,
      WORKER_BUILD_ID: buildId,
      WORKER_DEPLOYMENT_NAME: `payops-test-${buildId}`,
    });
    // The handler installs the Runtime: create it before any other Temporal native object in this process.
    const handler = createLambdaHandler({ config, workflowBundlePath: stackEnv('PAYOPS_TEST_BUNDLE') });
    await run(bin('temporal'), [
      'worker',
      'deployment',
      'set-current-version',
      '--address',
      config.TEMPORAL_ADDRESS,
      '--deployment-name',
      config.WORKER_DEPLOYMENT_NAME,
      '--build-id',
      buildId,
      '--allow-no-pollers',
      '--yes',
    ]);

    const { client, connection } = await testClient(config);
    try {
      const probeId = `lambda-${buildId}`;
      const handle = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `probe-${probeId}`,
        args: [{ probeId }],
      });
      const context = fakeLambdaContext(15_000);
      const invocation = handler({}, context);
      const result = await handle.result();
      await invocation;
      const returnedAt = Date.now();

      expect(result.probeId).toBe(probeId);
      expect(returnedAt).toBeLessThan(context.deadline);
      const description = await handle.describe();
      expect(description.raw.workflowExecutionInfo?.versioningInfo?.behavior).toBeTruthy();
    } finally {
      await connection.close();
    }
  });
});
