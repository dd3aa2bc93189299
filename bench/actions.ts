import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/** Billable actions and history size of one recorded workflow execution. */
export interface ActionCount {
  actions: number;
  events: number;
  /** Actions by kind, to show what a change saves. */
  byKind: Record<string, number>;
}

/**
 * Temporal Cloud's billable actions, read from a history the way its "Billable Actions" column annotates one
 * (docs.temporal.io/cloud/actions): a start (client, child or continue-as-new), each activity attempt, each timer, each
 * signal received or sent, each search-attribute or memo upsert, each accepted update, each child start, each
 * side-effect marker. Patch markers are not billed; the `TemporalChangeVersion` upsert a first `patched()` sends is.
 * Queries, heartbeats and rejected updates leave no event: they are not in this count.
 */
export function actionsOf(history: History): ActionCount {
  const byKind: Record<string, number> = {};
  const add = (kind: string, n = 1) => void (byKind[kind] = (byKind[kind] ?? 0) + n);
  for (const e of history.events ?? []) {
    if (e.workflowExecutionStartedEventAttributes) add('start');
    else if (e.activityTaskStartedEventAttributes)
      add('activity attempt', Math.max(1, e.activityTaskStartedEventAttributes.attempt ?? 1));
    else if (e.timerStartedEventAttributes) add('timer');
    else if (e.workflowExecutionSignaledEventAttributes) add('signal received');
    else if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) add('signal sent');
    else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
      add(
        fields.length === 1 && fields[0] === 'TemporalChangeVersion'
          ? 'patch version upsert'
          : 'search-attribute upsert',
      );
    } else if (e.workflowPropertiesModifiedEventAttributes) add('memo upsert');
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) add('update');
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) add('child start');
    else if (e.markerRecordedEventAttributes && e.markerRecordedEventAttributes.markerName !== 'core_patch')
      add('marker');
  }
  return {
    actions: Object.values(byKind).reduce((a, b) => a + b, 0),
    events: history.events?.length ?? 0,
    byKind,
  };
}
