import type { StuckCategory } from '../../client/stuck';
import type { StuckCount } from '../../decisions/reads';

export type { StuckCount } from '../../decisions/reads';
import { table } from '../cli/args';

/** What each category means to the person reading the list (the runbook has a section per category). */
export const CATEGORY_MEANING: Record<StuckCategory, string> = {
  overdue_person: 'waiting on a person past its deadline',
  retrying: 'an activity keeps failing (PSP, bank, directory)',
  parked: 'parked: KYC, new details, compliance hold, or ops',
  unconfirmed_at_rail: 'sent, confirmation overdue: check the rail first',
  runs_not_finishing: 'payout runs open for more than a day',
};

/** The counts as a table, each with its link (a terminal makes it clickable). */
export function renderStuck(counts: StuckCount[], now: Date): string {
  const rows = counts.map((c) => [c.category, String(c.count), CATEGORY_MEANING[c.category]]);
  const links = counts.map((c) => `  ${c.category}: ${c.webUi}`);
  return [
    `stuck work at ${now.toISOString()}`,
    table(['CATEGORY', 'COUNT', 'MEANING'], rows),
    '',
    'Web UI lists (docs/runbook.md says what to check and which command fixes it):',
    ...links,
  ].join('\n');
}
