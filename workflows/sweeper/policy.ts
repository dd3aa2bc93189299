import {
  DEFAULT_SWEEP_THRESHOLDS,
  STUCK_CATEGORIES,
  type StuckCategory,
  type StuckNotice,
  type StuckWorkFound,
  type StuckWorkSweepResult,
  type SweepThresholds,
} from './contract';

/** The part of the previous sweep's result this one needs; anything else (or nothing: a first run) reads as none. */
export function previousAboveSince(lastResult: unknown): Partial<Record<StuckCategory, string>> {
  const above = (lastResult as Partial<StuckWorkSweepResult> | undefined)?.aboveSince;
  if (!above || typeof above !== 'object') return {};
  return Object.fromEntries(
    STUCK_CATEGORIES.flatMap((c) => (typeof above[c] === 'string' ? [[c, above[c]] as const] : [])),
  );
}

/**
 * Which categories are above their threshold, and since when. A category still above keeps the instant it crossed,
 * so its notice (keyed by that instant) goes out once per crossing; one that fell back to or below its threshold is
 * dropped, so its next crossing is a new one.
 */
export function aboveSince(
  counts: Record<StuckCategory, number>,
  thresholds: SweepThresholds,
  previous: Partial<Record<StuckCategory, string>>,
  at: string,
): Partial<Record<StuckCategory, string>> {
  const out: Partial<Record<StuckCategory, string>> = {};
  for (const c of STUCK_CATEGORIES) {
    if (counts[c] > thresholdOf(thresholds, c)) out[c] = previous[c] ?? at;
  }
  return out;
}

export const thresholdOf = (thresholds: SweepThresholds, c: StuckCategory): number =>
  thresholds[c] ?? DEFAULT_SWEEP_THRESHOLDS[c];

/**
 * The notices of one sweep: one per category above its threshold (event ID `threshold:<category>:<since>`) and one
 * per item past its deadline (`<workflowId>:<deadline>`: an item in two categories, e.g. an overdue confirmation, is
 * one item). The activity drops those already recorded.
 */
export function noticesOf(
  found: Pick<StuckWorkFound, 'counts' | 'items'>,
  thresholds: SweepThresholds,
  above: Partial<Record<StuckCategory, string>>,
): StuckNotice[] {
  const notices: StuckNotice[] = [];
  for (const c of STUCK_CATEGORIES) {
    const since = above[c];
    if (since === undefined) continue;
    notices.push({
      kind: 'threshold',
      eventId: `threshold:${c}:${since}`,
      category: c,
      count: found.counts[c],
      threshold: thresholdOf(thresholds, c),
      since,
    });
  }
  const seen = new Set<string>();
  for (const item of found.items) {
    const eventId = `${item.workflowId}:${item.deadline}`;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    notices.push({ kind: 'item', eventId, item });
  }
  return notices;
}
