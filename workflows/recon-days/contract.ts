import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import type { Currency } from '../shared/money';
import { RECON_RULE_VERSIONS, type BreakClass, type RuleId, type StatementSource } from '../recon/contract';
import type { TieOut } from '../recon/policy';

/**
 * The daily run of one reconciliation account (`reconDay`): wait for the rail's statement of the business day (a
 * deadline makes its absence a `statement_missing` break), ingest it into NDJSON chunks in S3, load the ledger's
 * expectations, match them with a pinned rule version (`matchDay`), open one `reconBreak` per break and tell carried
 * breaks a later match closed them. Only object keys, counts and digests travel through history: a 100,000-line day
 * is about the same history as a 10-line one.
 */

export const RECON_DAY_WORKFLOW = 'reconDay';
/** The rule version a run uses when its input names none: the newest published. */
export const CURRENT_RULE_VERSION = RECON_RULE_VERSIONS[
  RECON_RULE_VERSIONS.length - 1
] as (typeof RECON_RULE_VERSIONS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Lowercase letters, digits and dashes: the account ID is part of workflow IDs, Schedule IDs and S3 keys. */
export const reconAccountIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: 'accountId must be 1-40 lowercase letters, digits or dashes' });
export const businessDateSchema = z.string().regex(DATE, { error: 'businessDate must be a date written YYYY-MM-DD' });

export const reconDayInput = z.object({
  accountId: reconAccountIdSchema,
  /** Absent when a Schedule started the run: the previous day in the account's timezone, from workflow time. */
  businessDate: businessDateSchema.optional(),
  rulesVersion: z.enum(RECON_RULE_VERSIONS, { error: 'rulesVersion must be a published rule version' }).optional(),
  /** A re-run of a day (`recon-day-<account>-<date>-r<K>`): the same outputs, nothing new opened. */
  rerun: z.number().int({ error: 'rerun must be a whole number' }).min(1).max(999).optional(),
});
export type ReconDayInput = z.input<typeof reconDayInput>;

/** The first run of a day; a re-run is `-r<K>` (both REJECT_DUPLICATE: a day runs once per K). */
export const reconDayWorkflowId = (accountId: string, businessDate: string, rerun?: number) =>
  `recon-day-${accountId}-${businessDate}${rerun ? `-r${rerun}` : ''}`;
/** The Schedule that starts an account's day every morning (account timezone). */
export const reconScheduleId = (accountId: string) => `recon-${accountId}`;

/** S3 keys of one account-day (reports bucket): D reads what D−1 left in `carry.json`. */
export const reconKeys = (accountId: string, businessDate: string) => {
  const base = `recon/${accountId}/${businessDate}`;
  return {
    base,
    statement: `${base}/statement.json`,
    lines: (n: number) => `${base}/lines-${String(n).padStart(3, '0')}.ndjson`,
    expected: (n: number) => `${base}/expected-${String(n).padStart(3, '0')}.ndjson`,
    matches: `${base}/matches.ndjson`,
    breaks: `${base}/breaks.ndjson`,
    closed: `${base}/closed.ndjson`,
    carry: `${base}/carry.json`,
    summary: `${base}/summary.json`,
  };
};

/** `delegated`: a Schedule's run, which runs the day as its child under the day's own ID. */
export type ReconDayPhase =
  'starting' | 'delegated' | 'awaiting_statement' | 'loading_expectations' | 'matching' | 'opening_breaks' | 'done';

// ---------- activities ----------

/** What the run knows of its account (no IBAN: that stays in the activities' configuration). */
export interface ReconAccountFacts {
  accountId: string;
  rail: 'bank' | 'psp';
  currency: Currency;
  timezone: string;
  businessDate: string;
  /** The business day before, whose state (`carry.json`) this run continues. */
  previousDate: string;
  /** When a statement still missing becomes a `statement_missing` break (ms). */
  deadlineAtMs: number;
  /** How long to wait between two asks for a statement that is not there yet. */
  pollEveryMs: number;
  /**
   * The run's clock for SLA deadlines: the statement deadline, fixed by the day (not by when the run happens), so a
   * re-run writes byte-identical breaks.
   */
  runAtMs: number;
}

export interface StatementFindingSummary {
  class: BreakClass;
  reason: string;
  amountMinor?: number;
  entryIndex?: number;
}

/** What ingesting a statement wrote: keys, counts, digests and balances, never lines. */
export interface IngestedStatement {
  source: StatementSource;
  lineKeys: string[];
  lines: number;
  notBooked: number;
  /** sha256 of the bytes as the rail sent them (camt.053) or of the NDJSON chunks (balance transactions). */
  sha256: string;
  statementId?: string;
  electronicSeqNb?: number;
  delivery: 'new' | 'redelivery';
  balances?: { currency: Currency; openingMinor: number; closingMinor: number };
  /** File-level findings (gap, continuity, integrity, details mismatch), at most 50. */
  findings: StatementFindingSummary[];
  /** The reader refused the whole file (truncated, not camt.053): no line of it is trusted. */
  refused?: string;
}

export type FetchStatementResult =
  { status: 'not_yet'; reason: string } | { status: 'ingested'; statement: IngestedStatement };

export interface LoadedExpectations {
  itemKeys: string[];
  items: number;
  sha256: string;
  /** The effective dates read from the ledger's day index. */
  dates: string[];
}

export interface MatchDayInput {
  account: ReconAccountFacts;
  ruleVersion: string;
  /** Absent: the statement never came (statement_missing); the carry goes on unchanged. */
  statement?: IngestedStatement;
  expectations: LoadedExpectations;
  runWorkflowId: string;
}

export interface ReconDayCounts {
  lines: number;
  items: number;
  matchedLines: number;
  matchedItems: number;
  expectedItems: number;
  breaks: number;
  breaksByClass: Partial<Record<BreakClass, number>>;
  matchesByRule: Partial<Record<RuleId, number>>;
  suggestions: number;
  adjustmentsPosted: number;
  /** Carried breaks a match of today closed. */
  closedCarried: number;
}

export interface MatchDayResult {
  counts: ReconDayCounts;
  tieOut?: TieOut;
  keys: { matches: string; breaks: string; closed: string; carry: string; summary: string };
  /** sha256 of summary.json: equal on every re-run of the day with the same rule version. */
  summaryDigest: string;
}

export interface OpenBreaksResult {
  /** Break workflows signalled with this day's observation (started when new). */
  signalled: number;
  /** Breaks whose workflow had already closed (resolved): left closed. */
  alreadyClosed: number;
  /** Carried breaks told that a match closed them. */
  counterpartSignalled: number;
}

/** The activities `reconDay` calls (implemented in `activities/recon-days/`). */
export interface ReconDayActivities {
  reconAccount(i: { accountId: string; businessDate?: string; atMs: number }): Promise<ReconAccountFacts>;
  fetchReconStatement(i: { account: ReconAccountFacts }): Promise<FetchStatementResult>;
  loadReconExpectations(i: { account: ReconAccountFacts; ruleVersion: string }): Promise<LoadedExpectations>;
  matchReconDay(i: MatchDayInput): Promise<MatchDayResult>;
  openReconBreaks(i: { account: ReconAccountFacts; keys: MatchDayResult['keys'] }): Promise<OpenBreaksResult>;
}

// ---------- what ops see ----------

export interface ReconDayView {
  accountId: string;
  businessDate?: string;
  ruleVersion: string;
  rerun?: number;
  phase: ReconDayPhase;
  /** While waiting for the statement: when its absence becomes a break. */
  deadlineAt?: string;
  statementAsks: number;
  statement?: Pick<IngestedStatement, 'lines' | 'notBooked' | 'sha256' | 'delivery' | 'lineKeys'> & {
    findings: number;
  };
  statementMissing: boolean;
  expectations?: Pick<LoadedExpectations, 'items' | 'itemKeys' | 'sha256'>;
  counts?: ReconDayCounts;
  tieOut?: TieOut;
  keys?: MatchDayResult['keys'];
  summaryDigest?: string;
  breaks?: OpenBreaksResult;
  /** A Schedule's run: the day's own workflow, and whether it had been started before (this run then did nothing). */
  day?: { workflowId: string; alreadyStarted: boolean };
}

export const getStateQuery = defineQuery<ReconDayView>('getState');

export type ReconDayWorkflow = (input: ReconDayInput) => Promise<ReconDayView>;
