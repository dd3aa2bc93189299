import { SA } from '../../workflows/shared/search-attributes';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { AuditPort } from '../../activities/adapters/audit/port';
import { payouts } from '../../client';
import { creatorPayoutWorkflowId, payoutAuditStream, type PayoutStatus } from '../../workflows/payouts/contract';
import { formatMoney } from '../../workflows/shared/money';

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

/** Only what an operator acts on, in reading order: no account data exists in the snapshot to begin with. */
export function renderPayoutReport(r: PayoutReport): string {
  const s = r.status;
  const a = s.awaiting;
  const lines = [
    `payout ${s.payoutId} (${r.workflowId}) · creator ${s.creatorId} · ${s.period} · ${formatMoney(s.amount)}`,
    `execution     ${r.execution.status} since ${r.execution.startTime}${r.execution.closeTime ? `, closed ${r.execution.closeTime}` : ''} · ${r.execution.historyLength} events`,
    `state         ${s.state}${s.rail ? ` via ${s.rail}` : ''} · attempt ${s.attempt}`,
    `waiting on    ${a ? `${a.actor} since ${a.since}: ${a.reason}` : '-'}`,
    `deadline      ${a?.until ?? '-'}`,
    `last error    ${s.lastErrorCode ?? '-'}`,
    `listed as     ${
      Object.entries(r.listed)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(' · ') || '-'
    }${r.listed.lastErrorCode === 'psp_incident' ? ' (PSP calls paused for an incident)' : ''}`,
    `on hold       ${s.held ? `since ${s.held.since} by ${s.held.operator}: ${s.held.reason}` : '-'}`,
    `rail ref      ${s.railReference ?? '-'}`,
    ...(s.resolution
      ? [`resolved      ${s.resolution.outcome} by ${s.resolution.operator}: ${s.resolution.reason}`]
      : []),
    '',
    `pending activities (${r.pendingActivities.length})`,
    ...r.pendingActivities.map((p) =>
      [
        `  ${p.activity} · ${p.state}${p.paused ? ' (paused)' : ''} · attempt ${p.attempt} of ${p.maximumAttempts}`,
        p.lastFailure ? `    last failure: ${p.lastFailure.type}: ${p.lastFailure.message}` : undefined,
        p.lastAttemptAt ? `    last attempt: ${p.lastAttemptAt}` : undefined,
        p.nextAttemptAt ? `    next attempt: ${p.nextAttemptAt}` : undefined,
      ]
        .filter((l) => l !== undefined)
        .join('\n'),
    ),
    '',
    `timeline (latest ${s.timeline.length})`,
    ...s.timeline.map((t) => `  ${t.at}  ${t.step}${t.detail ? `: ${t.detail}` : ''}`),
    '',
    `audit trail payout:${r.workflowId} (${r.audit.length})`,
    ...r.audit.map((e) => {
      const by = e.data['decidedBy'] as { subject?: string; issuer?: string; keyId?: string } | undefined;
      const who = by ? `${String(by.subject)} [token ${String(by.issuer)} key ${String(by.keyId)}]` : '';
      return `  ${e.at}  ${e.type}  ${who}  ${String(e.data['reason'] ?? '')}`.trimEnd();
    }),
  ];
  return lines.join('\n');
}
