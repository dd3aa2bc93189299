import { z } from 'zod';

/**
 * The stuck-work sweeper's public surface: its input (what the Schedule passes), its result (what the next run reads
 * back as `lastResult`), the notices it sends and the activities it calls. The categories are defined here, at the
 * bottom; their visibility queries live in `stuck.ts` beside it, which the sweeper's activities and the client
 * (`client/stuck.ts`, for the ops CLI and the runbook) both read.
 */

/** The categories of stuck work (each one a visibility query in `stuck.ts`). */
export const STUCK_CATEGORIES = [
  'overdue_person',
  'retrying',
  'parked',
  'unconfirmed_at_rail',
  'runs_not_finishing',
] as const;
export type StuckCategory = (typeof STUCK_CATEGORIES)[number];

/** The Schedule that runs the sweep, and the workflow ID prefix of its runs (the server appends the start time). */
export const SWEEP_SCHEDULE_ID = 'stuck-work-sweep';
export const SWEEP_WORKFLOW_ID = 'stuck-work-sweep';

/** Audit stream recording each notice sent, keyed so a notice goes out once (`<workflowId>:<deadline>` per item). */
export const SWEEP_NOTIFIED_STREAM = 'sweep-notified';

/** Event types on the events topic (ops subscribe with an SNS filter policy on the `type` attribute). */
export const STUCK_ITEM_EVENT = 'ops.stuck_item';
export const STUCK_THRESHOLD_EVENT = 'ops.stuck_threshold';

const category = z.enum(STUCK_CATEGORIES);
const count = z.number().int().min(0);

/** Per category, how many stuck items are tolerated; a count above it notifies ops (once per crossing). */
export const sweepThresholdsSchema = z.partialRecord(category, count);
export type SweepThresholds = z.infer<typeof sweepThresholdsSchema>;

/** Defaults: any overdue person or unconfirmed payment is news; some retrying and parked work is normal. */
export const DEFAULT_SWEEP_THRESHOLDS: Readonly<Record<StuckCategory, number>> = {
  overdue_person: 0,
  retrying: 20,
  parked: 100,
  unconfirmed_at_rail: 0,
  runs_not_finishing: 0,
};

/** Input of {@link stuckWorkSweep} (the Schedule's action carries it; `ensureSweepSchedule` keeps it current). */
export const stuckWorkSweepInput = z
  .object({
    /** Tolerated counts (missing categories: {@link DEFAULT_SWEEP_THRESHOLDS}). */
    thresholds: sweepThresholdsSchema.default({}),
    /** The Temporal Web UI the notices link to, e.g. `http://127.0.0.1:8233`. */
    webUiUrl: z.url().default('http://127.0.0.1:8233'),
    /** The `Stage` dimension of the metrics (`local`, `dev`, `prod`): the CDK stack's alarms select on it. */
    stage: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/)
      .default('local'),
    /** Items past their deadline listed per category and sweep (counts are never capped). */
    listCap: z.number().int().min(1).max(1_000).default(500),
  })
  .strict();
export type StuckWorkSweepInput = z.input<typeof stuckWorkSweepInput>;

/** A workflow past its deadline in a category (IDs and instants only: no personal data). */
export interface StuckItem {
  workflowId: string;
  workflowType: string;
  category: StuckCategory;
  /** ISO instant the item was due (its `DeadlineAt`; for a run, its start plus `RUN_STUCK_AFTER_MS`). */
  deadline: string;
}

/** What one count of the visibility store found at `at`. */
export interface StuckWorkFound {
  namespace: string;
  counts: Record<StuckCategory, number>;
  items: StuckItem[];
  /** Categories whose item listing stopped at the cap (their counts are still exact). */
  truncated: StuckCategory[];
}

/** A notice to ops, sent at most once per `eventId` (recorded in {@link SWEEP_NOTIFIED_STREAM}). */
export type StuckNotice =
  | { kind: 'item'; eventId: string; item: StuckItem }
  | { kind: 'threshold'; eventId: string; category: StuckCategory; count: number; threshold: number; since: string };

/** The sweep's result; the next scheduled run reads it back (`lastResult`) to tell a new crossing from an old one. */
export interface StuckWorkSweepResult {
  at: string;
  counts: Record<StuckCategory, number>;
  /** Per category above its threshold: since when (the crossing's identity, so each crossing notifies once). */
  aboveSince: Partial<Record<StuckCategory, string>>;
  itemsPastDeadline: number;
  truncated: StuckCategory[];
  /** Event IDs of the notices this run sent (the others were sent by an earlier sweep). */
  notified: string[];
  repeated: number;
}

/** The activities the sweep calls (implemented in `activities/sweeper/`). */
export interface SweeperActivities {
  /** Counts every category at `at` and lists the items past their deadline (at most `listCap` per category). */
  findStuckWork(input: { at: string; listCap: number }): Promise<StuckWorkFound>;
  /** Writes the counts as CloudWatch embedded-metric-format lines (`payops.stuck.<category>`) to the process's log. */
  publishStuckMetrics(input: { at: string; stage: string; counts: Record<StuckCategory, number> }): Promise<void>;
  /** Sends each notice not yet recorded in the audit table (SNS events topic), then records it. */
  notifyStuckWork(input: {
    at: string;
    namespace: string;
    webUiUrl: string;
    notices: StuckNotice[];
  }): Promise<{ sent: string[]; repeated: number }>;
}

/**
 * `SWEEP_THRESHOLDS` as configured: JSON (`{"retrying": 50}`) or `category=n,…` (`retrying=50,parked=200`); an
 * unknown category or a bad count names itself.
 */
export const sweepThresholdsText = z
  .string()
  .trim()
  .transform((text, ctx): unknown => {
    if (text === '') return {};
    if (text.startsWith('{')) {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is neither valid JSON nor category=n,…' });
        return z.NEVER;
      }
    }
    return Object.fromEntries(
      text.split(',').map((pair) => {
        const [name = '', value = ''] = pair.split('=').map((s) => s.trim());
        return [name, /^-?\d+$/.test(value) ? Number(value) : value];
      }),
    );
  })
  .pipe(sweepThresholdsSchema);
