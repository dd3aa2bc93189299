import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * With RECORD_HISTORIES=1, saves the handle's history (Temporal's JSON history format) to
 * test/replay/histories/<name>.json, which the replay test then runs against every later change.
 */
export async function recordHistoryIfAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env['RECORD_HISTORIES']) return;
  const history = await handle.fetchHistory();
  writeFileSync(join(__dirname, '..', 'replay', 'histories', `${name}.json`), historyToJSON(history));
}
