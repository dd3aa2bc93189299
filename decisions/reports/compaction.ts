import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../activities/adapters/aws';
import { factPrefix, type FactKind } from '../../workflows/shared/report-facts';
import { COMPACTED_NAME } from './fact-files';

/**
 * Fact compaction: the workflows write one object per fact (`facts/<kind>/day=D/<factId>.ndjson`), so a month is a
 * million small objects for the engine (and Athena) to open. Compacting a day writes its facts into one object,
 * `facts/<kind>/day=D/part=compacted.ndjson` (a `=` never occurs in a fact's key: factKey keeps `[A-Za-z0-9._-]`;
 * no leading `_` or `.`, which Athena would skip), then removes the single-fact objects it folded in.
 *
 * Never double counted, whatever is seen in between: every reader keeps one row per fact ID (engine.ts), so a
 * compacted file beside singles not yet removed, a fact written again after compaction (an activity retry writes the
 * same content under the same key) or a local mirror still holding removed singles all count each fact once.
 * Idempotent: the compacted file is the union of the old one and the singles, one line per fact ID sorted by ID, so a
 * second run over an unchanged day writes nothing and a run over a day with new singles folds them in. Nothing is
 * removed before the compacted file holding it is written, and a line that is not a fact stops the day untouched.
 */

export const compactedKey = (kind: FactKind, day: string) => `${factPrefix(kind, day)}${COMPACTED_NAME}`;

/** What compaction needs of the bucket. */
export interface CompactionStore {
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string): Promise<void>;
  /** Removes the keys (a missing key is no error). */
  remove(keys: readonly string[]): Promise<void>;
}

export interface DayCompaction {
  kind: FactKind;
  day: string;
  /** Facts in the compacted file after the run. */
  facts: number;
  /** Single-fact objects folded in and removed. */
  folded: number;
  /** Whether the compacted file was (re)written. */
  wrote: boolean;
}

/** Each line of an NDJSON body as a fact with its ID; throws naming the key on anything else. */
function factsIn(key: string, body: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    let id: unknown;
    try {
      id = (JSON.parse(line) as { factId?: unknown }).factId;
    } catch {
      throw new Error(`${key}: a line is not JSON; the day is left as it is`);
    }
    if (typeof id !== 'string' || id === '') throw new Error(`${key}: a line has no factId; the day is left as it is`);
    out.push([id, line]);
  }
  return out;
}

/** Compacts one day of one kind (see the module comment). */
export async function compactDay(store: CompactionStore, kind: FactKind, day: string): Promise<DayCompaction> {
  const target = compactedKey(kind, day);
  const keys = await store.list(factPrefix(kind, day));
  const singles = keys.filter((k) => k !== target && k.endsWith('.ndjson'));
  if (singles.length === 0) {
    const existing = keys.includes(target) ? await store.get(target) : undefined;
    return { kind, day, facts: existing ? factsIn(target, existing).length : 0, folded: 0, wrote: false };
  }
  const byId = new Map<string, string>();
  const old = keys.includes(target) ? await store.get(target) : undefined;
  if (old !== undefined) for (const [id, line] of factsIn(target, old)) byId.set(id, line);
  // A single written after the last compaction is the latest write of its fact: it wins (copies are equal anyway).
  for (const key of singles) {
    const body = await store.get(key);
    if (body !== undefined) for (const [id, line] of factsIn(key, body)) byId.set(id, line);
  }
  const ids = [...byId.keys()].sort();
  const body = ids.map((id) => `${byId.get(id)}\n`).join('');
  const wrote = body !== old;
  if (wrote) await store.put(target, body);
  await store.remove(singles);
  return { kind, day, facts: ids.length, folded: singles.length, wrote };
}

/** Compacts every day in [from, to) (UTC dates) for each kind, one day at a time. */
export async function compactFacts(
  store: CompactionStore,
  kinds: readonly FactKind[],
  days: readonly string[],
): Promise<DayCompaction[]> {
  const out: DayCompaction[] = [];
  for (const kind of kinds) for (const day of days) out.push(await compactDay(store, kind, day));
  return out;
}

/** The reports bucket as a compaction store (S3: ListObjectsV2, GetObject, PutObject, DeleteObjects). */
export function s3CompactionStore(deps: { aws: AwsClients; bucket: string }): CompactionStore {
  const { aws, bucket } = deps;
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await aws.s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async get(key) {
      const out = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body?.transformToString('utf8');
    },
    async put(key, body) {
      await aws.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
      );
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const out = await aws.s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if (out.Errors?.length)
          throw new Error(`could not remove ${out.Errors.length} compacted fact objects (${out.Errors[0]?.Code})`);
      }
    },
  };
}

/** Over an in-memory map of objects (tests, the fake reports port). */
export const mapCompactionStore = (objects: Map<string, string>): CompactionStore => ({
  list: async (prefix) => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(),
  get: async (key) => objects.get(key),
  put: async (key, body) => void objects.set(key, body),
  remove: async (keys) => keys.forEach((k) => objects.delete(k)),
});
