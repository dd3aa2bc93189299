import type { WorkflowHandle } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { kmsOptions } from '../../workers/data-converter';
import { createPayloadCodec } from '../../codec/settings';
import type { AppConfig } from '../../workers/config';

const utf8 = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v);

function isPayload(node: Record<string, unknown>): node is Record<string, unknown> & Payload {
  const metadata = node['metadata'];
  return (
    !!metadata &&
    typeof metadata === 'object' &&
    (metadata as Record<string, unknown>)['encoding'] instanceof Uint8Array
  );
}

/**
 * A copy of `value` (e.g. a fetched history) with every payload decoded through `codec`, when given, and its metadata
 * and data shown as UTF-8 text: what a person reads through the codec server (with the codec) or in the database (without).
 */
export async function payloadsAsText(value: unknown, codec?: PayloadCodec): Promise<unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => payloadsAsText(v, codec)));
  const node = value as Record<string, unknown>;
  if (isPayload(node)) {
    const [p] = codec ? await codec.decode([node]) : [node];
    return {
      metadata: Object.fromEntries(Object.entries(p?.metadata ?? {}).map(([k, v]) => [k, utf8(v)])),
      data: utf8(p?.data),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = await payloadsAsText(v, codec);
  return out;
}

/** A copy of `value` (e.g. a fetched history) with every payload decoded through `codec`, kept as bytes. */
export async function decodePayloads<T>(value: T, codec: PayloadCodec): Promise<T> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => decodePayloads(v, codec)))) as T;
  const node = value as Record<string, unknown>;
  if (isPayload(node)) return (await codec.decode([node]))[0] as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = await decodePayloads(v, codec);
  return out as T;
}

/** The workflow's history as JSON text with every payload decrypted with config's keys (as the codec server shows it). */
export async function decodedHistoryText(handle: WorkflowHandle, config: AppConfig): Promise<string> {
  const codec = createPayloadCodec(config, kmsOptions(config));
  return JSON.stringify(await payloadsAsText(await handle.fetchHistory(), codec));
}
