import type { WorkflowHandle } from '@temporalio/client';
import { writeRecordedHistory } from '../../scripts/release/histories';

/**
 * With RECORD_HISTORIES=1, saves the handle's history (Temporal's JSON history format) to
 * test/replay/histories/<name>.json, which the replay test and the release gate then run against every later change.
 */
export async function recordHistoryIfAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env['RECORD_HISTORIES']) return;
  writeRecordedHistory(await handle.fetchHistory(), name);
}
