import type { Client } from '@temporalio/client';
import { pausePspCalls, resumePspCalls, type PauseResult, type ResumeResult } from '../../client/psp-control';
import { verifyStaffToken } from '../../workflows/shared/identity';
import { holdsRole } from '../../workflows/shared/verified-staff';
import { trustedKeys } from '../../workflows/shared/trust';

/** The role that may pause and resume PSP calls. */
export const PSP_CONTROL_ROLE = 'ops';

/**
 * The verified staff member behind a PSP pause or resume. These change the server's task-queue configuration, which
 * no workflow validator guards, so the CLI verifies the token itself (the same keys the workflows trust in this mode)
 * and records the subject as the identity of the change; a token without the `ops` role is refused (exit 1).
 */
export function pspOperator(token: string, mode: 'local' | 'aws', nowMs = Date.now()): string {
  const check = verifyStaffToken(token, nowMs, trustedKeys(mode));
  if (!check.ok) throw new Error(`token refused (${check.code}): ${check.message}; log in again`);
  if (!holdsRole(check.identity, PSP_CONTROL_ROLE))
    throw new Error(`refused: ${check.identity.subject} does not hold the ${PSP_CONTROL_ROLE} role`);
  return check.identity.subject;
}

/** `pause-psp --incident <id> --reason …`: stops every new PSP call and tells the payouts at the PSP step. */
export async function pausePsp(
  client: Client,
  c: { incidentId: string; reason: string; operator: string },
): Promise<{ result: PauseResult; text: string }> {
  const result = await pausePspCalls(client, c);
  const was = result.previous.ratePerSecond === undefined ? 'no limit' : `${result.previous.ratePerSecond}/s`;
  const n = result.notices;
  return {
    result,
    text: [
      `paused: no new PSP call leaves ${result.taskQueue} (rate limit 0; it was ${was}), incident ${c.incidentId}, by ${c.operator}`,
      `payouts at the PSP step told: ${n.signalled} of ${n.matched}${n.failed ? `, ${n.failed} failed (pause again to retry)` : ''}`,
      'they show "paused: PSP incident" in the Web UI; resume with: npm run ops -- resume-psp',
    ].join('\n'),
  };
}

/** `resume-psp [--rate <n>]`: restores the recorded (or given) rate; the backlog drains at that rate. */
export async function resumePsp(
  client: Client,
  c: { ratePerSecond?: number; reason?: string; operator: string },
): Promise<{ result: ResumeResult; text: string }> {
  const result = await resumePspCalls(client, c);
  const n = result.notices;
  return {
    result,
    text: [
      `resumed: ${result.taskQueue} dispatches PSP calls again at ${result.ratePerSecond}/s${result.resumedIncident ? ` (incident ${result.resumedIncident} over)` : ''}, by ${c.operator}`,
      `payouts at the PSP step told: ${n.signalled} of ${n.matched}`,
    ].join('\n'),
  };
}
