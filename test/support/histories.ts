import type { WorkflowHandle } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { createPayloadCodec } from '../../codec/settings';
import { writeRecordedHistory } from '../../scripts/release/histories';
import { kmsOptions } from '../../workers/data-converter';
import { testConfig } from './stack';

/**
 * With RECORD_HISTORIES=1, saves the handle's history (Temporal's JSON history format) to
 * test/replay/histories/<name>.json, which the replay test and the release gate then run against every later change.
 * The workers encrypt payloads; the file keeps them decrypted (with the test stack's local keys), as the replay worker,
 * which has no codec, reads them.
 */
export async function recordHistoryIfAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env['RECORD_HISTORIES']) return;
  const config = testConfig();
  const codec = createPayloadCodec(config, kmsOptions(config));
  const history = (await decoded(await handle.fetchHistory(), codec)) as temporal.api.history.v1.IHistory;
  writeRecordedHistory(history, name);
}

function isPayload(node: Record<string, unknown>): node is Record<string, unknown> & Payload {
  const metadata = node['metadata'];
  return (
    !!metadata &&
    typeof metadata === 'object' &&
    (metadata as Record<string, unknown>)['encoding'] instanceof Uint8Array
  );
}

/** A copy of `value` with every payload decoded through `codec` (bytes stay bytes). */
async function decoded(value: unknown, codec: PayloadCodec): Promise<unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => decoded(v, codec)));
  const node = value as Record<string, unknown>;
  if (isPayload(node)) return (await codec.decode([node]))[0];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = await decoded(v, codec);
  return out;
}
