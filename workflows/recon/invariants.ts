import type { MatchInput, MatchResult } from './policy';

/**
 * R1 and R2 of the reconciliation (research wave3 A.4.5) checked from a matcher result against its input.
 */

export interface Accounting {
  /** Where each input id ended: `matched`, `expected`, `break` (new), `open` (a carried break still open), `prior`. */
  lines: Map<string, string[]>;
  items: Map<string, string[]>;
  violations: string[];
}

/**
 * R1 and R2 checked from the result against the input: every booked line and every item in exactly one home, no id in
 * two matches, every carried break either still open or closed. The workflow may run it as a self-check; tests do.
 */
export function accountFor(input: MatchInput, result: MatchResult): Accounting {
  const lines = new Map<string, string[]>();
  const items = new Map<string, string[]>();
  const put = (m: Map<string, string[]>, id: string, where: string) => {
    const a = m.get(id);
    if (a) a.push(where);
    else m.set(id, [where]);
  };
  for (const m of result.matches) {
    for (const id of m.lineIds) put(lines, id, `match ${m.matchId}`);
    for (const id of m.itemIds) put(items, id, `match ${m.matchId}`);
  }
  for (const b of result.breaks) {
    for (const id of b.lineIds) put(lines, id, `break ${b.class}`);
    for (const id of b.itemIds) put(items, id, `break ${b.class}`);
  }
  for (const i of result.carry.expected) put(items, i.itemId, 'expected');
  const stillOpen = new Set(result.carry.openBreakIds);
  for (const b of input.carried?.openBreaks ?? []) {
    if (!stillOpen.has(b.breakId)) continue;
    for (const l of b.lines) if (!lines.has(l.lineId)) put(lines, l.lineId, `open ${b.breakId}`);
    for (const i of b.items) if (!items.has(i.itemId)) put(items, i.itemId, `open ${b.breakId}`);
  }
  for (const id of result.alreadyMatched.lineIds) put(lines, id, 'prior');
  for (const id of result.alreadyMatched.itemIds) put(items, id, 'prior');

  const violations: string[] = [];
  const notBooked = new Set(result.notBookedLineIds);
  const wantLines = new Set<string>();
  for (const l of input.lines) if (!notBooked.has(l.lineId)) wantLines.add(l.lineId);
  for (const b of input.carried?.openBreaks ?? []) for (const l of b.lines) wantLines.add(l.lineId);
  const wantItems = new Set<string>();
  for (const i of input.items) wantItems.add(i.itemId);
  for (const i of input.carried?.expected ?? []) wantItems.add(i.itemId);
  for (const b of input.carried?.openBreaks ?? []) for (const i of b.items) wantItems.add(i.itemId);
  for (const id of wantLines) {
    const w = lines.get(id) ?? [];
    if (w.length !== 1) violations.push(`line ${id}: ${w.length ? w.join(', ') : 'nowhere'}`);
  }
  for (const id of wantItems) {
    const w = items.get(id) ?? [];
    if (w.length !== 1) violations.push(`item ${id}: ${w.length ? w.join(', ') : 'nowhere'}`);
  }
  for (const id of lines.keys()) if (!wantLines.has(id)) violations.push(`line ${id} is not in the input`);
  for (const id of items.keys()) if (!wantItems.has(id)) violations.push(`item ${id} is not in the input`);
  for (const b of input.carried?.openBreaks ?? [])
    if (!stillOpen.has(b.breakId) && !result.closed.some((c) => c.breakId === b.breakId))
      violations.push(`carried break ${b.breakId} vanished`);
  return { lines, items, violations };
}
