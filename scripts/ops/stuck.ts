import type { Client } from '@temporalio/client';
import { STUCK_CATEGORIES, stuckQuery, webUiListUrl, type StuckCategory } from '../../client/stuck';
import { table } from '../cli/args';

/** One category of stuck work: how many, the query behind it, and the Web UI list that shows them. */
export interface StuckCount {
  category: StuckCategory;
  count: number;
  query: string;
  webUi: string;
}

/** What each category means to the person reading the list (the runbook has a section per category). */
export const CATEGORY_MEANING: Record<StuckCategory, string> = {
  overdue_person: 'waiting on a person past its deadline',
  retrying: 'an activity keeps failing (PSP, bank, directory)',
  parked: 'parked: KYC, new details, compliance hold, or ops',
  unconfirmed_at_rail: 'sent, confirmation overdue: check the rail first',
  runs_not_finishing: 'payout runs open for more than a day',
};

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
