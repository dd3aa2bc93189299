import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import {
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type QueryDefinition,
} from '@temporalio/workflow';

/** What a domain's state shows to ops: the query snapshot, the search attributes and the Web UI's current details. */
export interface Shown<S> {
  view(): S;
  searchAttributes(): SearchAttributeUpdatePair[];
  details(): string;
}

/** Search attribute values compare by content: dates by time, keyword lists element by element, null as unset. */
export function sameValue(current: unknown, next: unknown): boolean {
  if (current instanceof Date || next instanceof Date) {
    return current instanceof Date && next instanceof Date && current.getTime() === next.getTime();
  }
  if (Array.isArray(current) || Array.isArray(next)) {
    return (
      Array.isArray(current) &&
      Array.isArray(next) &&
      current.length === next.length &&
      current.every((v, i) => v === next[i])
    );
  }
  return (current ?? null) === (next ?? null);
}

/** The pairs whose value differs from the workflow's current search attributes (the last value per key wins). */
export function changedAttributes(
  pairs: Array<SearchAttributeUpdatePair | SearchAttributePair>,
): SearchAttributeUpdatePair[] {
  const current = workflowInfo().typedSearchAttributes;
  const latest = new Map(pairs.map((p) => [p.key.name, p as SearchAttributeUpdatePair]));
  return [...latest.values()].filter((p) => !sameValue(current.get(p.key as never), p.value));
}

/**
 * How a domain's state reaches ops. `per-task` (every domain since its publish patch): a transition calls
 * {@link VisibleState.changed} and the flush runs once, after the code that ran in this workflow task has settled
 * (a microtask), so the story never publishes and one task sends at most one upsert. `recorded`: the domain calls
 * {@link VisibleState.publishAsRecorded} at the points histories recorded before its patch expect an upsert.
 */
export type Flush = 'per-task' | 'recorded';

/**
 * Keeps the three faces of a workflow's state in step: `getState` (and any older query names) answer the snapshot, a
 * flush upserts the search attributes that changed (one command, none when nothing changed) and rewrites the current
 * details. Every domain's state class owns one and calls `changed()` from each transition.
 *
 * `upsert: 'all'` re-sends every attribute on each publish: only for histories recorded before a domain switched to
 * diffing (chosen with `patched()` by the domain).
 */
export class VisibleState<S> {
  private pending = false;

  constructor(
    private readonly shown: Shown<S> & { beforeFlush?(): void },
    queries: Array<QueryDefinition<S, []>>,
    readonly flush: Flush,
    private readonly upsert: 'changed' | 'all' = 'changed',
  ) {
    for (const query of queries) setHandler(query, () => shown.view());
  }

  /** A transition happened: flush once this workflow task's current code has run (no-op in `recorded` mode). */
  changed(): void {
    if (this.flush !== 'per-task' || this.pending) return;
    this.pending = true;
    void Promise.resolve().then(() => {
      this.pending = false;
      this.publish();
    });
  }

  /** The publish points of histories recorded before the domain's publish patch (no-op in `per-task` mode). */
  publishAsRecorded(): void {
    if (this.flush === 'recorded') this.publish();
  }

  private publish(): void {
    this.shown.beforeFlush?.();
    const pairs = this.shown.searchAttributes();
    const changed = this.upsert === 'all' ? pairs : changedAttributes(pairs);
    if (changed.length > 0) upsertSearchAttributes(changed);
    setCurrentDetails(this.shown.details());
  }
}
