import type { Context, Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type SignalDefinition } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { failureCode } from '../workflows/shared/failures';
import {
  activityRecoveredSignal,
  activityRetryingSignal,
  type ActivityRecovered,
  type ActivityRetrying,
} from '../workflows/shared/ops-notices';
import { ProviderTransientError } from './adapters/errors';

/** How long a notice may take: a slow server must not hold the activity's own result (or failure) back for long. */
const SIGNAL_DEADLINE_MS = 5_000;
/** The server's defaults when the activity info carries no retry policy (Temporal's documented defaults). */
const DEFAULT_INITIAL_MS = 1_000;
const DEFAULT_COEFFICIENT = 2;
/**
 * After the first report, failures are reported about this far apart: each notice costs the workflow a signal, a
 * workflow task and an upsert (~5 history events), and a look-up retried every minute through a day-long outage would
 * otherwise add ~7,000 events to every affected workflow (and thousands of signals a minute in a PSP incident).
 */
export const REPORT_SPACING_MS = 15 * 60_000;

export interface RetryReportingOptions {
  /** Report once the failed attempt number reaches this (`RETRY_REPORT_AFTER_ATTEMPTS`). */
  afterAttempts: number;
}

/**
 * An activity interceptor that tells the activity's own workflow when it keeps failing: once a failed attempt the
 * server will retry reaches `afterAttempts`, it signals `activityRetrying` (type, attempt, error code, since, next
 * attempt); when a later attempt succeeds after such a report, `activityRecovered`. The workflow shows both in its
 * search attributes and current details (`workflows/shared/retrying.ts`). Healthy activities send nothing, and a
 * notice that cannot be delivered is logged, never allowed to change the activity's outcome.
 */
export function retryReporting(opts: RetryReportingOptions): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const info = ctx.info;
        let result: unknown;
        try {
          result = await next(input);
        } catch (err) {
          const notice = retryingNotice(info, err, opts.afterAttempts, Date.now());
          if (notice && !ctx.cancellationSignal.aborted) await notify(ctx, activityRetryingSignal, notice);
          throw err;
        }
        // The previous attempt was the last reported one only if it reached the threshold.
        if (info.attempt - 1 >= opts.afterAttempts) {
          await notify(ctx, activityRecoveredSignal, { activityType: info.activityType, attempt: info.attempt });
        }
        return result;
      },
    },
  });
}

/** The code a failure is shown with: a provider's transient code, else the typed failure's code, else its name. */
export function errorCodeOf(err: unknown): string {
  const code = err instanceof ProviderTransientError ? err.code : failureCode(err);
  return code.slice(0, 100);
}

/**
 * The `activityRetrying` notice for a failed attempt, or undefined when there is nothing to report: below the
 * threshold, cancelled, or a failure the server will not retry (non-retryable, a non-retryable type, the last
 * attempt, or a next attempt past the schedule-to-close deadline).
 */
export function retryingNotice(
  info: Info,
  err: unknown,
  afterAttempts: number,
  nowMs: number,
): ActivityRetrying | undefined {
  if (info.attempt < afterAttempts || !info.workflowExecution || err instanceof CancelledFailure) return undefined;
  const app = err instanceof ApplicationFailure ? err : undefined;
  if (app?.nonRetryable) return undefined;
  const policy = info.retryPolicy;
  const type = app?.type ?? (err instanceof Error ? err.name : undefined);
  if (type && policy?.nonRetryableErrorTypes?.includes(type)) return undefined;
  const maxAttempts = policy?.maximumAttempts ?? 0;
  if (maxAttempts > 0 && info.attempt >= maxAttempts) return undefined;
  const delayMs = msOptionalToNumber(app?.nextRetryDelay ?? undefined) ?? backoffMs(info);
  const deadline = info.scheduleToCloseTimeoutMs > 0 ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs : 0;
  if (deadline && delayMs !== undefined && nowMs + delayMs >= deadline) return undefined;
  if (!dueForReport(info.attempt, afterAttempts, delayMs)) return undefined;
  return {
    activityType: info.activityType,
    attempt: info.attempt,
    errorCode: errorCodeOf(err),
    since: new Date(info.scheduledTimestampMs).toISOString(),
    nextAttemptAt: delayMs === undefined ? null : new Date(nowMs + delayMs).toISOString(),
  };
}

/**
 * The first failure at the threshold is always reported; later ones when the attempt number is a multiple of the
 * attempts that fit in {@link REPORT_SPACING_MS} at the current delay (every one once the delay is that long). Stateless:
 * each attempt may run on another worker.
 */
export function dueForReport(attempt: number, afterAttempts: number, delayMs: number | undefined): boolean {
  if (attempt === afterAttempts || delayMs === undefined) return true;
  const every = Math.max(1, Math.ceil(REPORT_SPACING_MS / Math.max(1, delayMs)));
  return attempt % every === 0;
}

/** The server's backoff before the next attempt under the activity's retry policy (undefined without one). */
function backoffMs(info: Info): number | undefined {
  const policy = info.retryPolicy;
  if (!policy) return undefined;
  const initial = msOptionalToNumber(policy.initialInterval) ?? DEFAULT_INITIAL_MS;
  const coefficient = policy.backoffCoefficient ?? DEFAULT_COEFFICIENT;
  const max = msOptionalToNumber(policy.maximumInterval) ?? initial * 100;
  return Math.min(max, initial * coefficient ** (info.attempt - 1));
}

/** Signals the activity's own run; a failure (closed workflow, unreachable server) is logged and swallowed. */
async function notify<T>(ctx: Context, def: SignalDefinition<[T]>, notice: T & ActivityRecovered): Promise<void> {
  const wf = ctx.info.workflowExecution;
  if (!wf) return;
  try {
    const handle = ctx.client.workflow.getHandle(wf.workflowId, wf.runId);
    await ctx.client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => handle.signal(def, notice));
  } catch (err) {
    ctx.log.warn(`could not send ${def.name}`, {
      workflowId: wf.workflowId,
      activityType: notice.activityType,
      attempt: notice.attempt,
      error: err instanceof Error ? err.name : String(err),
    });
  }
}
