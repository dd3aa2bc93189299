import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { dataConverterFor } from '../../workers/data-converter';
import { checkArtefactTrust, replayGate } from '../../scripts/release/replay-gate';
import { buildWorkflowBundle } from '../../workers/build-bundle';
import { stackEnv, testClient, testConfig } from '../support/stack';
import { until } from '../support/wait';

const EventType = temporal.api.enums.v1.EventType;
const config = testConfig();
const taskQueue = config.TEMPORAL_TASK_QUEUE;
const ids = [`gate-probe-${randomUUID().slice(0, 8)}`, `gate-probe-${randomUUID().slice(0, 8)}`];
// Scopes the download to this file's workflows: other test files run workflows on the same dev server.
const scope = [
  `--address=${stackEnv('TEMPORAL_ADDRESS')}`,
  '--namespace=default',
  `--query=TaskQueue = '${taskQueue}'`,
  '--type=stackProbe',
];
let output: string[] = [];

/** Runs the gate in-process and keeps what it printed. */
async function gate(...argv: string[]) {
  output = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void output.push(a.join(' ')));
  try {
    return await replayGate(argv);
  } finally {
    log.mockRestore();
  }
}

/**
 * Two stack probes run on the product bundle by a worker without activities: each records its workflow task and
 * schedules its first activity, then stays running (nothing polls activities), as a live workflow would.
 */
beforeAll(async () => {
  const { client, connection } = await testClient(config);
  const native = await NativeConnection.connect({ address: stackEnv('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') },
    dataConverter: dataConverterFor(config),
  });
  try {
    await worker.runUntil(async () => {
      for (const id of ids) {
        await client.workflow.start('stackProbe', { workflowId: id, taskQueue, args: [{ probeId: id }] });
      }
      for (const id of ids) {
        await until(async () => {
          const history = await client.workflow.getHandle(id).fetchHistory();
          return history.events?.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) || undefined;
        }, 30_000);
      }
    });
    // Visibility is eventually consistent: the gate lists, so wait until the list sees both.
    const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
    await until(async () => ((await client.workflow.count(query)).count === ids.length ? true : undefined), 30_000);
  } finally {
    await native.close();
    await connection.close();
  }
}, 120_000);

describe('npm run replay:gate', () => {
  test('when the bundle is the product code, then the recorded and the downloaded histories replay and it passes', async () => {
    const bundle = stackEnv('PAYOPS_TEST_BUNDLE');
    const { code, report } = await gate(
      `--bundle=${bundle}`,
      `--recorded-bundle=${bundle}`,
      ...scope,
      '--type=creatorPayout',
    );
    expect(code).toBe(0);
    expect(report?.failures).toBe(0);
    // The recorded probe and payouts (`--type` scopes recorded histories too) plus this file's two running probes.
    expect(report?.byType['stackProbe']?.replayed).toBe(1 + ids.length);
    expect(report?.byType['creatorPayout']?.replayed).toBeGreaterThan(0);
    expect(output).toContain('downloaded 2 running workflow histories from namespace default');
    expect(output.join('\n')).toMatch(/replay gate: passed/);
  });

  test('when a bundle registers the same type with other commands, then it exits 1 and names each workflow', async () => {
    // Inside the repo (the test run's folder), so the bundler resolves @temporalio/workflow.
    const dir = join(dirname(stackEnv('PAYOPS_TEST_BUNDLE')), `incompatible-${randomUUID().slice(0, 8)}`);
    mkdirSync(dir, { recursive: true });
    // Same workflow type, but a timer where the recorded history scheduled an activity: not deterministic.
    writeFileSync(
      join(dir, 'workflows.ts'),
      "import { sleep } from '@temporalio/workflow';\nexport async function stackProbe(): Promise<void> {\n  await sleep('1 day');\n}\n",
    );
    const bundle = await buildWorkflowBundle(join(dir, 'bundle.js'), 'local', join(dir, 'workflows.ts'));
    const { code, report } = await gate(`--bundle=${bundle}`, '--skip-recorded', ...scope);
    expect(code).toBe(1);
    expect(report?.byType['stackProbe']?.failed.map((f) => f.workflowId).sort()).toEqual([...ids].sort());
    const printed = output.join('\n');
    for (const id of ids)
      expect(printed).toMatch(new RegExp(`FAILED ${id} \\(namespace:default\\): DeterminismViolationError`));
    expect(printed).toMatch(/stackProbe: 0 replayed, 2 failed/);
  }, 180_000);

  test('when the artefact was built for another trust environment than PAYOPS_MODE, then it is a usage error naming both', async () => {
    const bundle = stackEnv('PAYOPS_TEST_BUNDLE'); // the local flavour
    expect(() => checkArtefactTrust(bundle, 'aws')).toThrow(
      /--bundle: built for the local trust environment but PAYOPS_MODE=aws/,
    );
    expect(() => checkArtefactTrust(bundle, 'local')).not.toThrow();
    const bare = join(dirname(bundle), `bare-${randomUUID().slice(0, 8)}.js`);
    writeFileSync(bare, '(() => {})();\n');
    await expect(gate(`--bundle=${bare}`, '--skip-recorded', ...scope)).rejects.toThrow(/carries no trust environment/);
  });

  test('when an argument is bad, then it is a usage error naming it', async () => {
    await expect(replayGate(['--limit=0'])).rejects.toThrow(/--limit: must be at least 1/);
    await expect(replayGate(['--bundle=/nonexistent/bundle.js'])).rejects.toThrow(/--bundle: .* does not exist/);
  });
});
