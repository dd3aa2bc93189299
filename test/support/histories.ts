import type { WorkflowHandle } from '@temporalio/client';
import { writeRecordedHistory } from '../../scripts/release/histories';
import { kmsOptions } from '../../workers/data-converter';
import { createPayloadCodec } from '../../codec/settings';
import { decodePayloads } from './codec';
import { testConfig } from './stack';

/**
 * With RECORD_HISTORIES=1, saves the handle's history (Temporal's JSON history format) to
 * test/replay/histories/<name>.json, with the workflow ID it ran under, which the replay test and the release gate
 * then run against every later change. The test workers encrypt payloads; the file holds them decoded (local keys),
 * as the replay worker, which runs without a codec, reads them.
 */
export async function recordHistoryIfAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env['RECORD_HISTORIES']) return;
  const config = testConfig();
  const history = await decodePayloads(await handle.fetchHistory(), createPayloadCodec(config, kmsOptions(config)));
  writeRecordedHistory(history, name, handle.workflowId);
}
