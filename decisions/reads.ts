/**
 * The reads the decision service serves the staff CLIs (and the console): one payout as ops see it, and the stuck-work
 * counts. The CLIs only render them (`scripts/ops/`).
 */
import { SA } from '../workflows/shared/search-attributes';
import { STUCK_CATEGORIES, stuckQuery, webUiListUrl, type StuckCategory } from '../client/stuck';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { AuditPort } from '../activities/adapters/audit/port';
import { payouts } from '../client';
import { creatorPayoutWorkflowId, payoutAuditStream, type PayoutStatus } from '../workflows/payouts/contract';

/** One pending activity as ops read it: which step, which attempt, why the last one failed, when the next runs. */
export interface PendingAttempt {
  activity: string;
  state: string;
  attempt: number;
  maximumAttempts: number | 'unlimited';
  lastFailure?: { type: string; message: string };
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  paused: boolean;
}

/** Everything `ops show` prints: the snapshot, the execution, pending attempts and the audit trail. */
export interface PayoutReport {
  workflowId: string;
  execution: { status: string; runId: string; startTime: string; closeTime?: string; historyLength: number };
  status: PayoutStatus;
  /** What the lists show (search attributes): the retrying count and the code, `psp_incident` while PSP calls pause. */
  listed: { awaitingActor?: string; lastErrorCode?: string; failedAttempts?: number };
  pendingActivities: PendingAttempt[];
  audit: Array<{ at: string; type: string; data: Record<string, unknown> }>;
}

const iso = (ts: Parameters<typeof optionalTsToMs>[0]) => {
  const ms = optionalTsToMs(ts);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};

/**
 * The last failure decoded through the client's data converter (the failure converter moves messages into an
 * encrypted payload, so the raw proto says only "Encoded failure"). Only type and message: stack traces are left
 * out, as they may quote inputs.
 */
async function lastFailureOf(client: Client, info: temporal.api.workflow.v1.IPendingActivityInfo) {
  const err = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, info.lastFailure);
  if (!err) return undefined;
  const cause = err instanceof ApplicationFailure ? err : undefined;
  return { type: cause?.type ?? err.name, message: err.message };
}

/** Reads what ops need about a payout: the `getPayoutState` query, `describe()` and the payout's audit stream. */
export async function payoutReport(client: Client, audit: AuditPort, payoutId: string): Promise<PayoutReport> {
  const workflowId = creatorPayoutWorkflowId(payoutId);
  const handle = payouts.payoutHandle(client, payoutId);
  const [desc, status, trail] = await Promise.all([
    handle.describe(),
    payouts.getPayoutState(client, payoutId),
    audit.list(payoutAuditStream(workflowId)),
  ]);
  const pendingActivities = await Promise.all(
    (desc.raw.pendingActivities ?? []).map(async (a) => {
      const lastFailure = await lastFailureOf(client, a);
      const lastAttemptAt = iso(a.lastAttemptCompleteTime) ?? iso(a.lastStartedTime);
      const nextAttemptAt = iso(a.nextAttemptScheduleTime);
      return {
        activity: a.activityType?.name ?? '?',
        state: String(a.state ?? '').replace('PENDING_ACTIVITY_STATE_', '') || 'UNKNOWN',
        attempt: a.attempt ?? 1,
        maximumAttempts: a.maximumAttempts ? a.maximumAttempts : ('unlimited' as const),
        paused: a.paused === true,
        ...(lastFailure ? { lastFailure } : {}),
        ...(lastAttemptAt ? { lastAttemptAt } : {}),
        ...(nextAttemptAt ? { nextAttemptAt } : {}),
      };
    }),
  );
  const sa = desc.typedSearchAttributes;
  const listed = {
    awaitingActor: sa.get(SA.AwaitingActor),
    lastErrorCode: sa.get(SA.LastErrorCode),
    failedAttempts: sa.get(SA.FailedAttempts),
  };
  return {
    workflowId,
    listed: Object.fromEntries(Object.entries(listed).filter(([, v]) => v !== undefined)),
    execution: {
      status: desc.status.name,
      runId: desc.runId,
      startTime: desc.startTime.toISOString(),
      ...(desc.closeTime ? { closeTime: desc.closeTime.toISOString() } : {}),
      historyLength: desc.historyLength,
    },
    status,
    pendingActivities,
    audit: trail.map((e) => ({ at: e.at, type: e.type, data: e.data })),
  };
}

/** One category of stuck work: how many, the query behind it, and the Web UI list that shows them. */
export interface StuckCount {
  category: StuckCategory;
  count: number;
  query: string;
  webUi: string;
}

/**
 * Counts every category at `now` with the server's count API (one visibility query each, the same the sweeper and
 * the Web UI links use, so the three never disagree).
 */
export async function countStuck(
  client: Client,
  ui: { base: string; namespace: string },
  now = new Date(),
): Promise<StuckCount[]> {
  return Promise.all(
    STUCK_CATEGORIES.map(async (category) => {
      const query = stuckQuery(category, now);
      const { count } = await client.workflow.count(query);
      return { category, count, query, webUi: webUiListUrl(ui.base, ui.namespace, query) };
    }),
  );
}
