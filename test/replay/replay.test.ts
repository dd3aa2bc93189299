import { Worker } from '@temporalio/worker';
import { readRecordedHistory, recordedHistoryFiles } from '../../scripts/release/histories';
import * as registry from '../../workflows';
import { stackEnv } from '../support/stack';

// The release gate (`npm run replay:gate`) replays the same files through the same reader.
const histories = recordedHistoryFiles();

/** Every recorded history must replay on today's workflow code: a failure means a non-deterministic change. */
describe('replay of recorded histories', () => {
  test('when histories are recorded, then there is at least one per workflow type', () => {
    const types = new Set(histories.map((file) => readRecordedHistory(file).workflowType));
    expect([...types].sort()).toEqual(Object.keys(registry).sort());
  });

  test.each(histories)('when %s is replayed on the current code, then it is deterministic', async (file) => {
    const { history, workflowId } = readRecordedHistory(file);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') } },
      history,
      workflowId,
    );
  });
});
