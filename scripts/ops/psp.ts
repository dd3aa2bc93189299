import type { PauseResult, ResumeResult } from '../../client/psp-control';

/**
 * How `pause-psp` and `resume-psp` read (one provider each, `--provider stripe|adyen`). Both go through the decision
 * service (`POST /psp/pause`, `/psp/resume`):
 * they change the server's task-queue configuration, which no workflow validator guards, so the service checks the
 * `ops` role, records the verified subject as the identity of the change, and uses its own Temporal credential.
 */

/** A pause as the service answers it: the result and who paused. */
export type PspPause = PauseResult & { operator: string };
/** A resume as the service answers it: the result and who resumed. */
export type PspResume = ResumeResult & { operator: string };

export function pauseText(r: PspPause): string {
  const was = r.previous.ratePerSecond === undefined ? 'no limit' : `${r.previous.ratePerSecond}/s`;
  const n = r.notices;
  return [
    `paused ${r.provider}: no new ${r.provider} call leaves ${r.taskQueue} (rate limit 0; it was ${was}), incident ${r.incidentId}, by ${r.operator}`,
    `payouts at the ${r.provider} step told: ${n.signalled} of ${n.matched}${n.failed ? `, ${n.failed} failed (pause again to retry)` : ''}`,
    `they show "paused: PSP incident" in the Web UI; the other PSP keeps paying; resume with: npx payops-ops resume-psp --provider ${r.provider}`,
  ].join('\n');
}

export function resumeText(r: PspResume): string {
  const n = r.notices;
  return [
    `resumed ${r.provider}: ${r.taskQueue} dispatches ${r.provider} calls again at ${r.ratePerSecond}/s${r.resumedIncident ? ` (incident ${r.resumedIncident} over)` : ''}, by ${r.operator}`,
    `payouts at the ${r.provider} step told: ${n.signalled} of ${n.matched}`,
  ].join('\n');
}
