import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { stackEnv } from '../support/stack';

const dir = join(__dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));

/** Every recorded history must replay on today's workflow code: a failure means a non-deterministic change. */
describe('replay of recorded histories', () => {
  test('when histories are recorded, then there is at least one per workflow type', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  test.each(histories)('when %s is replayed on the current code, then it is deterministic', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') } },
      history,
      `replay-${file}`,
    );
  });
});
