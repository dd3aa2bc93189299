import { createHash } from 'node:crypto';
import type { ExpectedItem, StatementLine } from '../../workflows/recon/contract';
import type { MatchedRef, OpenBreak, SettledAttempt } from '../../workflows/recon/policy';
import { reconKeys } from '../../workflows/recon-days/contract';
import type { ReportsPort } from '../adapters/reports/port';

/**
 * The S3 side of a daily run (reports bucket, `recon/<account>/<date>/`): NDJSON chunks of lines and expected items,
 * the day's matches, breaks and closed breaks, `carry.json` for D+1 and `summary.json`. Every write is a put of a key
 * derived from the account and the date, so a retried activity or a re-run of the day rewrites the same bytes.
 */

export const NDJSON = 'application/x-ndjson';
/** Records per chunk: ~6 MB of lines, so a 100,000-line day is 10 keys in history. */
export const CHUNK_RECORDS = 10_000;
/** How long matched references, settled attempts and open breaks are carried (the latest return the rules expect). */
export const CARRY_DAYS = 60;

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

export const ndjson = (records: readonly unknown[]) =>
  records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');

/** Writes `records` as NDJSON chunks named by `keyOf(n)`; returns the keys and the digest of all chunks in order. */
export async function putChunks(
  reports: ReportsPort,
  records: readonly unknown[],
  keyOf: (n: number) => string,
  beat: () => void = () => undefined,
): Promise<{ keys: string[]; sha256: string }> {
  const hash = createHash('sha256');
  const keys: string[] = [];
  for (let n = 0; n * CHUNK_RECORDS < records.length || n === 0; n++) {
    const body = ndjson(records.slice(n * CHUNK_RECORDS, (n + 1) * CHUNK_RECORDS));
    hash.update(body);
    keys.push((await reports.put(keyOf(n), body, NDJSON)).key);
    beat();
  }
  return { keys, sha256: hash.digest('hex') };
}

/** Reads NDJSON chunks back, in key order. A chunk that is gone is a failure (its run must be re-done), not empty. */
export async function readChunks<T>(reports: ReportsPort, keys: readonly string[], beat: () => void = () => undefined) {
  const out: T[] = [];
  for (const key of keys) {
    const body = await reports.get(key);
    if (body === undefined) throw new Error(`recon chunk ${key} is missing`);
    for (const line of body.split('\n')) if (line) out.push(JSON.parse(line) as T);
    beat();
  }
  return out;
}

/** A carried break: the matcher's open break, with the workflow that owns it and the day it was found. */
export type CarriedBreak = OpenBreak & { workflowId: string; businessDate: string };

/** What D leaves for D+1 (`carry.json`). */
export interface DayCarry {
  accountId: string;
  businessDate: string;
  /** Items still within their allowance. */
  expected: ExpectedItem[];
  /** Breaks a later match may close (`missing_external`, `unexpected_external`), for at most CARRY_DAYS. */
  openBreaks: CarriedBreak[];
  /** Every matched (line, item, reference) of the last CARRY_DAYS days: never matched again, a repeat is a duplicate. */
  matchedRefs: Array<MatchedRef & { date: string }>;
  /** Payout attempts settled in the last CARRY_DAYS days: a second settlement is a duplicate disbursement. */
  settled: Array<SettledAttempt & { date: string }>;
  /** The statement the day read (the next day's continuity check). */
  statement?: {
    statementId: string;
    electronicSeqNb?: number;
    businessDate: string;
    closingMinor?: number;
    sha256?: string;
  };
}

export const emptyCarry = (accountId: string, businessDate: string): DayCarry => ({
  accountId,
  businessDate,
  expected: [],
  openBreaks: [],
  matchedRefs: [],
  settled: [],
});

export async function readCarry(reports: ReportsPort, accountId: string, date: string): Promise<DayCarry | undefined> {
  const body = await reports.get(reconKeys(accountId, date).carry);
  return body === undefined ? undefined : (JSON.parse(body) as DayCarry);
}

export async function readJson<T>(reports: ReportsPort, key: string): Promise<T | undefined> {
  const body = await reports.get(key);
  return body === undefined ? undefined : (JSON.parse(body) as T);
}

/** Lines of a statement chunk key set, narrowed to what the matcher needs. */
export type StoredLine = StatementLine;
