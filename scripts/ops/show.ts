import type { PayoutReport } from '../../decisions/reads';
import { formatMoney } from '../../workflows/shared/money';

export type { PayoutReport, PendingAttempt } from '../../decisions/reads';

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
