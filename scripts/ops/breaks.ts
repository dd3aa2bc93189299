import type { Verdict } from '../../client/errors';
import type { BreakListRow, ReconBreakView } from '../../client/breaks';
import type { AuditEvent } from '../../workflows/shared/activities';
import { oneOf, required, table, UsageError } from '../cli/args';

/**
 * `npx payops-ops breaks …`: the reconciliation breaks work list, one break, and the command that resolves one. Each
 * `--action` is one of the break workflow's updates, sent through the decision service (which checks the role and
 * signs it for that break and those exact arguments); the workflow's validator answers.
 */

export const BREAK_ACTIONS = [
  'link',
  'mark-received',
  'adjust',
  'approve',
  'rebook',
  'recover-duplicate',
  'void',
  'reopen',
] as const;
/** How `recover-duplicate` recovers the money (`--mode`). */
export const RECOVERY_MODES = ['reverse', 'offset'] as const;
export type BreakAction = (typeof BREAK_ACTIONS)[number];

/** The options `breaks resolve` takes (each action reads its own). */
export const BREAK_OPTIONS = {
  action: { type: 'string' },
  note: { type: 'string' },
  reason: { type: 'string' },
  workflow: { type: 'string' },
  posting: { type: 'string' },
  line: { type: 'string' },
  'external-ref': { type: 'string' },
  'amount-minor': { type: 'string' },
  currency: { type: 'string' },
  account: { type: 'string' },
  mode: { type: 'string' },
  open: { type: 'boolean' },
} as const;

type Values = Partial<Record<keyof typeof BREAK_OPTIONS, string | boolean | undefined>>;
const str = (v: Values, k: keyof typeof BREAK_OPTIONS) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

/** The action's endpoint verb and body, from the command line; a missing or malformed option exits 2 before any request. */
export function breakCommandOf(v: Values): { verb: BreakAction; body: Record<string, unknown> } {
  const verb = oneOf(required(str(v, 'action'), 'action'), 'action', BREAK_ACTIONS);
  const need = (k: keyof typeof BREAK_OPTIONS) => required(str(v, k), k);
  switch (verb) {
    case 'link': {
      const link = { workflowId: str(v, 'workflow'), postingId: str(v, 'posting'), lineId: str(v, 'line') };
      if (!link.workflowId && !link.postingId && !link.lineId)
        throw new UsageError('--workflow', 'link needs one of --workflow, --posting or --line');
      return { verb, body: { ...link, note: need('note') } };
    }
    case 'mark-received':
      return { verb, body: { externalRef: need('external-ref'), note: need('note') } };
    case 'adjust': {
      const raw = need('amount-minor');
      const amountMinor = Number(raw);
      if (!Number.isInteger(amountMinor) || amountMinor <= 0)
        throw new UsageError('--amount-minor', `must be a whole number of minor units above 0, got ${raw}`);
      return { verb, body: { amountMinor, currency: need('currency'), account: need('account'), note: need('note') } };
    }
    case 'approve':
      return { verb, body: str(v, 'note') ? { note: str(v, 'note') } : {} };
    case 'rebook':
      return { verb, body: { note: need('note') } };
    case 'recover-duplicate':
      return { verb, body: { mode: oneOf(need('mode'), 'mode', RECOVERY_MODES), note: need('note') } };
    case 'void':
    case 'reopen':
      return { verb, body: { reason: need('reason') } };
  }
}

const iso = (d: Date | string | undefined) => (d === undefined ? '-' : typeof d === 'string' ? d : d.toISOString());

export function renderBreakList(rows: BreakListRow[]): string {
  if (rows.length === 0) return 'no breaks';
  return table(
    ['WORKFLOW', 'CLASS', 'STATUS', 'WAITING ON', 'DUE', 'AMOUNT'],
    rows.map((r) => [
      r.workflowId,
      r.breakClass ?? '-',
      r.status,
      r.awaitingActor ?? '-',
      iso(r.deadlineAt),
      r.amountMinor === undefined ? '-' : `${r.amountMinor} ${r.currency ?? ''}`.trim(),
    ]),
  );
}

export function renderBreak(r: { status: ReconBreakView; audit: AuditEvent[] }): string {
  const s = r.status;
  const f = s.facts;
  return [
    `break ${s.workflowId} · ${f.class}${f.hint ? ` (${f.hint})` : ''} · ${f.accountId} · ${f.businessDate}`,
    `status        ${s.status}${s.reopens ? ` · reopened ${s.reopens}×` : ''}`,
    `amount        ${s.amount.amountMinor} ${s.amount.currency} (signed ${f.amountMinor})`,
    `waiting on    ${s.awaiting.actor} since ${s.awaiting.since}: ${s.awaiting.what}`,
    `deadline      ${s.deadlineAt ?? '-'}`,
    `reason        ${f.reason}`,
    `refs          ${
      Object.entries(f.refs)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join(' · ') || '-'
    }`,
    `proposal      ${s.proposal ? `${s.proposal.kind} ${s.proposal.amountMinor} ${s.proposal.currency} by ${s.proposal.proposedBy} at ${s.proposal.at}: ${s.proposal.note}` : '-'}`,
    `resolution    ${s.resolution ? `${s.resolution.kind} by ${s.resolution.by}${s.resolution.approvedBy ? ` and ${s.resolution.approvedBy}` : ''} at ${s.resolution.at}${s.resolution.note ? `: ${s.resolution.note}` : ''}` : '-'}`,
    ...(s.closesAt ? [`closes        ${s.closesAt} (reopen until then)`] : []),
    '',
    `observations (${s.observations.length})`,
    ...s.observations.map((o) => `  ${o.at}  ${o.source}  ${o.businessDate}${o.resultsKey ? `  ${o.resultsKey}` : ''}`),
    '',
    `audit trail recon-break:${s.workflowId} (${r.audit.length})`,
    ...r.audit.map((e) => `  ${e.at}  ${e.type}  ${String(e.data['by'] ?? '')}`.trimEnd()),
  ].join('\n');
}

export function renderBreakVerdict(action: BreakAction, workflowId: string, v: Verdict<ReconBreakView>): string {
  if (!v.accepted) return `refused by the workflow's validator: ${v.code} (${v.type}): ${v.message}`;
  const s = v.value;
  const pending = s.proposal ? `; ${s.proposal.kind} proposed, waiting for a second finance member to approve` : '';
  return `accepted: ${action} ${workflowId}; the break is now ${s.status}${s.resolution ? ` (${s.resolution.kind})` : ''}${pending}`;
}
