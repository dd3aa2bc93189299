import type { BreakClass } from '../../workflows/recon/contract';
import {
  reconKeys,
  type IngestedStatement,
  type LoadedExpectations,
  type ReconDayCounts,
} from '../../workflows/recon-days/contract';
import type { LedgerPort } from '../adapters/ledger/port';
import type { ReportsPort } from '../adapters/reports/port';
import { accountOf, factsOf, type ReconAccount } from './accounts';
import { matchAccountDay, type StoredBreak } from './match';
import { readChunks, readJson } from './store';

/** What summary.json keeps of a day (the parts a preview reads). */
export interface DaySummary {
  accountId: string;
  businessDate: string;
  ruleVersion: string;
  counts: ReconDayCounts;
  inputs: { statement: IngestedStatement | null; expectations: LoadedExpectations };
  keys: { matches: string; breaks: string };
}

export interface PreviewResult {
  accountId: string;
  businessDate: string;
  storedVersion: string;
  previewVersion: string;
  before: ReconDayCounts;
  after: ReconDayCounts;
  breaks: {
    added: Array<{ breakId: string; class: BreakClass; amountMinor: number; reason: string }>;
    removed: Array<{ breakId: string; class: BreakClass; amountMinor: number; reason: string }>;
  };
  matches: { added: number; removed: number };
  /** Nothing would change. */
  same: boolean;
}

/** The day's stored summary; undefined when the day has not run (or its outputs are gone). */
export const readDaySummary = (reports: ReportsPort, accountId: string, date: string) =>
  readJson<DaySummary>(reports, reconKeys(accountId, date).summary);

/**
 * A dry run of a stored day with another rule version: the same inputs (the day's chunks in S3, D−1's carry) through
 * the same matcher, every write kept in memory and no posting made, then compared with what the day stored. Writes
 * nothing anywhere.
 */
export async function previewDay(
  reports: ReportsPort,
  accounts: readonly ReconAccount[],
  accountId: string,
  date: string,
  ruleVersion: string,
): Promise<PreviewResult | undefined> {
  const summary = await readDaySummary(reports, accountId, date);
  if (!summary) return undefined;
  const written = new Map<string, string>();
  const dryReports: ReportsPort = {
    get: (key) => (written.has(key) ? Promise.resolve(written.get(key)) : reports.get(key)),
    put: async (key, body) => {
      written.set(key, body);
      return { key };
    },
  };
  // Only `post` is used by the match; nothing is posted.
  const dryLedger = {
    post: async (p: { postingId: string }) => ({ postingId: p.postingId, alreadyPosted: true }),
  } as unknown as LedgerPort;
  const account = factsOf(accountOf(accounts, accountId), date, 0);
  const keys = reconKeys(accountId, date);
  const stored = await readChunks<StoredBreak>(reports, [keys.breaks]);
  const storedMatches = await readChunks<{ matchId: string }>(reports, [keys.matches]);
  const result = await matchAccountDay(
    { ledger: dryLedger, reports: dryReports },
    accounts,
    {
      account,
      ruleVersion,
      ...(summary.inputs.statement ? { statement: summary.inputs.statement } : {}),
      expectations: summary.inputs.expectations,
      runWorkflowId: 'preview',
    },
    () => undefined,
  );
  const parse = <T>(key: string) =>
    (written.get(key) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  const now = parse<StoredBreak>(keys.breaks);
  const nowMatches = parse<{ matchId: string }>(keys.matches);
  const brief = (b: StoredBreak) => ({
    breakId: b.breakId,
    class: b.class,
    amountMinor: b.amountMinor,
    reason: b.reason,
  });
  const storedIds = new Set(stored.map((b) => b.breakId));
  const nowIds = new Set(now.map((b) => b.breakId));
  const storedMatchIds = new Set(storedMatches.map((m) => m.matchId));
  const nowMatchIds = new Set(nowMatches.map((m) => m.matchId));
  const added = now.filter((b) => !storedIds.has(b.breakId)).map(brief);
  const removed = stored.filter((b) => !nowIds.has(b.breakId)).map(brief);
  const matchesAdded = nowMatches.filter((m) => !storedMatchIds.has(m.matchId)).length;
  const matchesRemoved = storedMatches.filter((m) => !nowMatchIds.has(m.matchId)).length;
  return {
    accountId,
    businessDate: date,
    storedVersion: summary.ruleVersion,
    previewVersion: ruleVersion,
    before: summary.counts,
    after: result.counts,
    breaks: { added, removed },
    matches: { added: matchesAdded, removed: matchesRemoved },
    same: added.length + removed.length + matchesAdded + matchesRemoved === 0,
  };
}
