import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { STUCK_CATEGORIES, stuckQuery, webUiListUrl } from '../../workflows/sweeper/stuck';
import {
  STUCK_ITEM_EVENT,
  STUCK_THRESHOLD_EVENT,
  SWEEP_NOTIFIED_STREAM,
  type StuckNotice,
  type SweeperActivities,
} from '../../workflows/sweeper/contract';
import type { ActivityDeps } from '../deps';
import { emfLine } from './emf';
import { findStuckWork } from './find';

/** The metric namespace the CDK stack's stuck-work alarms select (`payops.stuck.<category>`, dimensions Category, Stage). */
export const STUCK_METRIC_NAMESPACE = 'payops';
export const stuckMetricName = (category: string) => `payops.stuck.${category}`;

/** Seams for tests: the Temporal client (default: the worker's, from the activity context) and the log line writer. */
export interface SweeperOptions {
  client?: () => Client;
  /** Where EMF lines go; default stdout, which Lambda and the CloudWatch agent ship to CloudWatch Logs. */
  writeLine?: (line: string) => void;
}

/** The sweeper's activities: visibility counts through the worker's own client, EMF lines, notices once. */
export function createSweeperActivities(deps: ActivityDeps, opts: SweeperOptions = {}) {
  const client = opts.client ?? (() => Context.current().client);
  const writeLine = opts.writeLine ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return {
    findStuckWork: ({ at, listCap }) => findStuckWork(client(), at, listCap),
    async publishStuckMetrics({ at, stage, counts }) {
      const timestamp = Date.parse(at);
      for (const category of STUCK_CATEGORIES) {
        writeLine(
          emfLine({
            namespace: STUCK_METRIC_NAMESPACE,
            name: stuckMetricName(category),
            value: counts[category],
            dimensions: { Category: category, Stage: stage },
            timestamp,
          }),
        );
      }
    },
    async notifyStuckWork({ at, namespace, webUiUrl, notices }) {
      const sent: string[] = [];
      let repeated = 0;
      for (const notice of notices) {
        // Checked before sending and recorded after: a crash in between repeats the notice (same dedupeKey) rather
        // than losing it.
        if (await deps.audit.get(SWEEP_NOTIFIED_STREAM, notice.eventId)) {
          repeated++;
          continue;
        }
        const event = noticeEvent(notice, at, namespace, webUiUrl);
        await deps.notifications.publishEvent({ ...event, dedupeKey: notice.eventId });
        await deps.audit.append({ stream: SWEEP_NOTIFIED_STREAM, eventId: notice.eventId, at, ...event });
        sent.push(notice.eventId);
      }
      return { sent, repeated };
    },
  } satisfies SweeperActivities;
}

/** The event of a notice: IDs, counts, instants and Web UI links only (workflow IDs are business keys, not people). */
function noticeEvent(notice: StuckNotice, at: string, namespace: string, webUiUrl: string) {
  const category = notice.kind === 'item' ? notice.item.category : notice.category;
  const list = webUiListUrl(webUiUrl, namespace, stuckQuery(category, new Date(at)));
  if (notice.kind === 'threshold') {
    const { count, threshold, since } = notice;
    return { type: STUCK_THRESHOLD_EVENT, data: { category, count, threshold, since, at, link: list } };
  }
  const { workflowId, workflowType, deadline } = notice.item;
  const page = `${webUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return {
    type: STUCK_ITEM_EVENT,
    data: { category, workflowId, workflowType, deadline, at, link: page, categoryLink: list },
  };
}
