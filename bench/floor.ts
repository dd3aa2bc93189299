import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { Shape, ShapeAttribute } from './shape';

/** The floor's activities; registered by the bench worker only (`bench/worker.ts`). */
export interface FloorActivities {
  /** Does nothing: the floor's unit of work. */
  noop(): Promise<void>;
  /** Does nothing but send its own workflow `signals` signals, as a webhook after a rail call would. */
  noopThenSignal(signals: number): Promise<void>;
}

const { noop, noopThenSignal } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10s' });
export const benchSignal = defineSignal('benchSignal');

/** Benchmark floor (earlier): as many activities as a payout, doing nothing. Kept for comparison with old figures. */
export async function benchFloor(input: { activities: number }): Promise<number> {
  for (let i = 0; i < input.activities; i++) await noop();
  return input.activities;
}

const TYPES: Record<string, SearchAttributeType> = {
  Keyword: SearchAttributeType.KEYWORD,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
  Datetime: SearchAttributeType.DATETIME,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
  Bool: SearchAttributeType.BOOL,
  Text: SearchAttributeType.TEXT,
};

/** The recorded values as typed update pairs (a Datetime back to a Date; null unsets). */
export const asPairs = (attrs: ShapeAttribute[]) =>
  attrs.map((a) => {
    const type = TYPES[a.type] ?? SearchAttributeType.KEYWORD;
    const value = a.value !== null && type === SearchAttributeType.DATETIME ? new Date(a.value as string) : a.value;
    return { key: defineSearchAttributeKey(a.name, type), value } as SearchAttributeUpdatePair;
  });

/**
 * The same-shape floor: replays a payout's command shape (read from its recorded history by `shapeOf`) with no-op
 * bodies: per workflow task the same patch markers, search-attribute upserts (same keys and values), activities and
 * timers, and the same signals, on the same server and worker. What a payout costs beyond this is its own work.
 */
export async function benchShapeFloor(shape: Shape): Promise<number> {
  let received = 0;
  let expected = 0;
  setHandler(benchSignal, () => void (received += 1));
  for (const task of shape.tasks) {
    for (const id of task.patches) patched(id);
    for (const upsert of task.upserts) upsertSearchAttributes(asPairs(upsert));
    expected += task.signals;
    const activities = Array.from({ length: task.activities }, (_, i) =>
      i === task.activities - 1 && task.signals > 0 ? noopThenSignal(task.signals) : noop(),
    );
    const cancellable = new CancellationScope();
    const timers = task.timers.map((t) => (t.cancelled ? cancellable.run(() => sleep(t.ms)) : sleep(t.ms)));
    await Promise.all([...activities, ...timers.filter((_, i) => !task.timers[i]?.cancelled)]);
    await condition(() => received >= expected);
    if (task.timers.some((t) => t.cancelled)) {
      cancellable.cancel();
      await Promise.all(timers).catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    }
  }
  return shape.tasks.length;
}
