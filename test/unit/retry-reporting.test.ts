import type { Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ProviderTransientError } from '../../activities/adapters/errors';
import { dueForReport, errorCodeOf, REPORT_SPACING_MS, retryingNotice } from '../../activities/retry-reporting';

/** When the retry-reporting interceptor reports a failed attempt, and what it says (pure: no server). */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const info = (over: Partial<Info> = {}): Info =>
  ({
    activityType: 'initiatePspPayout',
    attempt: 3,
    workflowExecution: { workflowId: 'payout-p-1', runId: 'r-1' },
    scheduledTimestampMs: T0,
    scheduleToCloseTimeoutMs: 24 * 3_600_000,
    retryPolicy: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 300_000 },
    ...over,
  }) as Info;
const down = () => new ProviderTransientError('psp', 'PSP_UNAVAILABLE', 'createTransfer: PSP answered 503', 503);
const now = T0 + 3_000;

describe('retryingNotice', () => {
  test('when attempt 3 fails with a retryable provider error, then it reports the code, the first scheduling and the backoff', () => {
    expect(retryingNotice(info(), down(), 3, now)).toEqual({
      activityType: 'initiatePspPayout',
      attempt: 3,
      errorCode: 'PSP_UNAVAILABLE',
      since: '2026-12-01T10:00:00.000Z',
      nextAttemptAt: new Date(now + 4_000).toISOString(),
    });
  });

  test('when the failure names its own next retry delay, then that is the next attempt', () => {
    const limited = ApplicationFailure.create({
      type: 'ProviderTransientError',
      message: 'rate limited',
      nextRetryDelay: 7_000,
      details: [{ code: 'PSP_RATE_LIMITED' }],
    });
    expect(retryingNotice(info(), limited, 3, now)).toMatchObject({
      errorCode: 'PSP_RATE_LIMITED',
      nextAttemptAt: new Date(now + 7_000).toISOString(),
    });
  });

  test('when the server will not retry or the threshold is not reached, then nothing is reported', () => {
    expect(retryingNotice(info({ attempt: 2 }), down(), 3, now)).toBeUndefined();
    expect(retryingNotice(info(), ApplicationFailure.nonRetryable('no', 'Declined'), 3, now)).toBeUndefined();
    expect(retryingNotice(info(), new CancelledFailure('cancelled'), 3, now)).toBeUndefined();
    const typed = ApplicationFailure.retryable('bad', 'InvalidInput');
    const policy = { initialInterval: 1_000, nonRetryableErrorTypes: ['InvalidInput'] };
    expect(retryingNotice(info({ retryPolicy: policy }), typed, 3, now)).toBeUndefined();
    expect(retryingNotice(info({ retryPolicy: { maximumAttempts: 3 } }), down(), 3, now)).toBeUndefined();
    expect(retryingNotice(info({ scheduleToCloseTimeoutMs: 5_000 }), down(), 3, now)).toBeUndefined();
    expect(retryingNotice(info({ workflowExecution: undefined }), down(), 3, now)).toBeUndefined();
  });

  test('when the activity carries no retry policy, then the next attempt is unknown', () => {
    expect(retryingNotice(info({ retryPolicy: undefined }), down(), 3, now)?.nextAttemptAt).toBeNull();
  });
});

describe('dueForReport', () => {
  test('when retries back off to a minute, then after the threshold about one failure per spacing is reported', () => {
    const reported = Array.from({ length: 200 }, (_, i) => i + 3).filter((a) => dueForReport(a, 3, 60_000));
    expect(reported[0]).toBe(3);
    expect(reported.length).toBeLessThanOrEqual(1 + Math.ceil((200 * 60_000) / REPORT_SPACING_MS));
    expect(dueForReport(7, 3, REPORT_SPACING_MS)).toBe(true);
  });
});

describe('errorCodeOf', () => {
  test('when the error is a provider error, a typed failure or anything else, then its code, detail code or name', () => {
    expect(errorCodeOf(down())).toBe('PSP_UNAVAILABLE');
    expect(errorCodeOf(ApplicationFailure.create({ type: 'Declined', details: [{ code: 'account_closed' }] }))).toBe(
      'account_closed',
    );
    expect(errorCodeOf(new TypeError('x'))).toBe('TypeError');
  });
});
