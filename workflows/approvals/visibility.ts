import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { formatMoney } from '../shared/money';
import { SA } from '../shared/search-attributes';
import type { ApprovalCase } from './approval-case';

/** Who the request waits on, per status. */
const ACTOR: Record<ApprovalCase['status'], string> = {
  evaluating: 'none',
  pending: 'finance',
  approved: 'none',
  executing: 'psp',
  executed: 'none',
  rejected: 'none',
  expired: 'none',
  failed: 'none',
  cancelled: 'none',
};

/**
 * Publishes the current stage to search attributes (ops lists, the finance CLI) and to the Web UI's current
 * details. Terminal statuses clear the waiting attributes. No personal data: IDs and amounts only.
 */
export function showStage(c: ApprovalCase): void {
  const waiting = c.status === 'pending';
  const total = c.totalMinor;
  upsertSearchAttributes([
    { key: SA.ApprovalState, value: c.status },
    { key: SA.AwaitingActor, value: ACTOR[c.status] },
    { key: SA.AwaitingTier, value: waiting && c.route ? c.route.tier : 'none' },
    { key: SA.AwaitingSince, value: waiting && c.waitingSince !== undefined ? new Date(c.waitingSince) : null },
    { key: SA.DeadlineAt, value: waiting && c.nextStage ? new Date(c.nextStage.at) : null },
    { key: SA.AmountMinor, value: total ?? null },
    { key: SA.Currency, value: c.request.currency },
  ]);
  setCurrentDetails(details(c));
}

function details(c: ApprovalCase): string {
  const amount =
    c.totalMinor === undefined
      ? 'amount not yet resolved'
      : formatMoney({ amountMinor: c.totalMinor, currency: c.request.currency });
  const lines = [
    `**Compensation ${c.request.requestId}** for order ${c.request.orderId}: ${amount} (${c.request.reasonCode}), policy ${c.request.policyVersion}`,
  ];
  if (c.flags.length) lines.push(`Flags: ${c.flags.join(', ')}`);
  switch (c.status) {
    case 'evaluating':
      lines.push('Reading the order and checking the policy.');
      break;
    case 'pending': {
      const r = c.route;
      if (r)
        lines.push(
          `Waiting for **${r.tier}** (role ${r.minRole} or above): ${c.approvals.length} of ${r.approvalsRequired} approvals.`,
        );
      if (c.nextStage)
        lines.push(`Next: ${c.nextStage.stage.replace('_', '-')} at ${new Date(c.nextStage.at).toISOString()}.`);
      lines.push('Decide with the `approveCompensation` / `rejectCompensation` update (or signal).');
      break;
    }
    case 'executing':
      lines.push('Approved: issuing store credit / voucher, then refunding through the PSP.');
      break;
    case 'failed':
      lines.push(`Failed: ${c.failure ?? 'unknown'}; undone: ${c.execution.undone?.join(', ') || 'nothing'}.`);
      break;
    default:
      lines.push(`Finished: ${c.status}.`);
  }
  return lines.join('\n\n');
}
