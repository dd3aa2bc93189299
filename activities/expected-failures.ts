import type { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { failureCode } from '../workflows/shared/failures';

/** The counter each expected failure adds to, by `code` (Temporal's metrics, exported with the runtime's telemetry). */
export const EXPECTED_FAILURES_METRIC = 'payops_expected_activity_failures';

/** The one log line of an expected failure: what it was, when the retry comes, and whose work it was. */
export interface ExpectedFailureLine {
  code: string;
  /** The provider's Retry-After, in ms, when it gave one. */
  retryAfterMs?: number;
  activityType: string;
  attempt: number;
  workflowId?: string;
  /** The payout's ID, when the activity ran for a payout (`payout-<id>`). */
  payoutId?: string;
}

/** An attempt that failed as expected and is handled by a retry (a BENIGN `ApplicationFailure`, e.g. the PSP's 429). */
export function expectedFailure(err: unknown): ApplicationFailure | undefined {
  return err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN && !err.nonRetryable
    ? err
    : undefined;
}

/** The line for an expected failure of the attempt `info` describes. */
export function expectedFailureLine(err: ApplicationFailure, info: Context['info']): ExpectedFailureLine {
  const detail = err.details?.[0] as { retryAfterMs?: unknown } | undefined;
  const workflowId = info.workflowExecution?.workflowId;
  return {
    code: failureCode(err),
    ...(typeof detail?.retryAfterMs === 'number' ? { retryAfterMs: detail.retryAfterMs } : {}),
    activityType: info.activityType,
    attempt: info.attempt,
    ...(workflowId ? { workflowId } : {}),
    ...(workflowId?.startsWith('payout-') ? { payoutId: workflowId.slice('payout-'.length) } : {}),
  };
}

/**
 * An activity interceptor for failures that are expected and handled by a retry (BENIGN: the SDK itself logs those
 * attempts at DEBUG only). Each gets one INFO line, `expected failure, retrying` with its code, Retry-After and
 * payout, and one count on {@link EXPECTED_FAILURES_METRIC}: a paced run meets thousands of 429s, and a WARN with a
 * stack for each would hide anything real. Unexpected failures are not touched (the SDK's WARN, stack and all).
 */
export function expectedFailures(): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const expected = expectedFailure(err);
          if (expected) {
            const line = expectedFailureLine(expected, ctx.info);
            ctx.log.info('expected failure, retrying', { ...line });
            ctx.metricMeter
              .createCounter(EXPECTED_FAILURES_METRIC, 'attempts', 'Activity attempts that failed as expected')
              .add(1, { code: line.code, activityType: line.activityType });
          }
          throw err;
        }
      },
    },
  });
}
