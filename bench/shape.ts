import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';

type History = temporal.api.history.v1.IHistory;
type Payload = temporal.api.common.v1.IPayload;

/** A search attribute as it was upserted: its registered name and type, and its JSON value (null unsets it). */
export interface ShapeAttribute {
  name: string;
  type: string;
  value: unknown;
}

/** The commands one workflow task completed with, and what woke the workflow next. */
export interface ShapeTask {
  /** Patch IDs (`patched()` markers); their automatic `TemporalChangeVersion` upserts come with them. */
  patches: string[];
  upserts: ShapeAttribute[][];
  activities: number;
  timers: { ms: number; cancelled: boolean }[];
  /** Signals the workflow received after this task's commands (the floor's last activity sends them). */
  signals: number;
}

/** A workflow's command shape, read from a recorded history: the floor replays it with no-op bodies. */
export interface Shape {
  startAttributes: ShapeAttribute[];
  tasks: ShapeTask[];
}

const CHANGE_VERSION = 'TemporalChangeVersion';

function attributes(fields: Record<string, Payload> | null | undefined): ShapeAttribute[] {
  return Object.entries(fields ?? {})
    .filter(([name]) => name !== CHANGE_VERSION)
    .map(([name, payload]) => ({
      name,
      type: Buffer.from(payload.metadata?.['type'] ?? new Uint8Array()).toString(),
      value: defaultPayloadConverter.fromPayload(payload),
    }));
}

const millis = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(d?.seconds ?? 0) * 1000 + Math.round((d?.nanos ?? 0) / 1e6);

/**
 * Reads the command shape of a history: per completed workflow task, the patch markers, search-attribute upserts,
 * activities and timers it issued, and the signals that arrived before the next task. Tasks that issued nothing are
 * left out: they happen on their own when two activities complete apart.
 */
export function shapeOf(history: History): Shape {
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const tasks: ShapeTask[] = [];
  const timers = new Map<string, { ms: number; cancelled: boolean }>();
  let task: ShapeTask | undefined;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) {
      task = { patches: [], upserts: [], activities: 0, timers: [], signals: 0 };
      tasks.push(task);
    } else if (!task) {
      continue;
    } else if (e.markerRecordedEventAttributes?.markerName === 'core_patch') {
      const data = e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0];
      task.patches.push((data ? (defaultPayloadConverter.fromPayload(data) as { id: string }).id : '') || 'patch');
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const upsert = attributes(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields);
      if (upsert.length > 0) task.upserts.push(upsert);
    } else if (e.activityTaskScheduledEventAttributes) {
      task.activities += 1;
    } else if (e.timerStartedEventAttributes) {
      const timer = { ms: millis(e.timerStartedEventAttributes.startToFireTimeout), cancelled: false };
      timers.set(e.timerStartedEventAttributes.timerId ?? '', timer);
      task.timers.push(timer);
    } else if (e.timerCanceledEventAttributes) {
      const timer = timers.get(e.timerCanceledEventAttributes.timerId ?? '');
      if (timer) timer.cancelled = true;
    } else if (e.workflowExecutionSignaledEventAttributes) {
      task.signals += 1;
    }
  }
  return {
    startAttributes: attributes(started?.searchAttributes?.indexedFields),
    tasks: tasks.filter((t) => t.patches.length + t.upserts.length + t.activities + t.timers.length + t.signals > 0),
  };
}

/** A summary of the shape for the bench's log line. */
export function describeShape(shape: Shape): string {
  const sum = (f: (t: ShapeTask) => number) => shape.tasks.reduce((n, t) => n + f(t), 0);
  return `${shape.tasks.length} tasks with commands, ${sum((t) => t.activities)} activities, ${sum((t) => t.timers.length)} timers, ${sum((t) => t.upserts.length)} upserts, ${sum((t) => t.patches.length)} patch markers, ${sum((t) => t.signals)} signals`;
}
