import type { ActivityOptions } from '@temporalio/workflow';

/** Named activity-option presets; each says why it is shaped that way. */
export const ActivityPresets = {
  /** Money movement at a bank or PSP: retried for a day with backoff; the provider idempotency key makes retries safe. */
  moneyMovement: {
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
      nonRetryableErrorTypes: ['InvalidInput'],
    },
    scheduleToCloseTimeout: '24h',
  },
  /** Ledger and audit writes: conditional, idempotent, fast; retry briefly then surface. */
  bookkeeping: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
    scheduleToCloseTimeout: '1h',
  },
  /**
   * Ledger postings that must eventually happen because the money already moved (or is about to) at a rail:
   * conditional and idempotent (posting ID), so retried with no schedule-to-close limit through a store outage of any
   * length, backing off to 5 minutes; typed failures are non-retryable and still surface at once. Failing after an
   * hour would leave a paid transfer unbooked ("lost" to the ledger). The caller waits: nothing time-critical may
   * be held behind one.
   */
  mustBook: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5m' },
  },
  /** Notifications must not block money: a few tries, then the story goes on. */
  notification: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '1s', maximumAttempts: 5 },
  },
  /** Status polls are cheap and frequent; one attempt each, the workflow owns the backoff. */
  statusPoll: {
    startToCloseTimeout: '10s',
    retry: { maximumAttempts: 1 },
  },
  /**
   * A provider read the workflow needs before it acts (e.g. confirming a webhook): retried through a short outage,
   * then the workflow says it could not ask rather than waiting on with its timers stalled.
   */
  pspRead: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
    scheduleToCloseTimeout: '15m',
  },
  /** Reads from internal systems (KYC, sanctions, orders): retry while they are down. */
  lookup: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '500ms', maximumInterval: '1m' },
  },
} satisfies Record<string, ActivityOptions>;
