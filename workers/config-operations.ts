import { z } from 'zod';
import { sweepThresholdsText } from '../workflows/sweeper/contract';

/**
 * The operations part of the process environment (read only through workers/config.ts's schema): retry reporting,
 * the stuck-work sweeper, logs and traces, and PSP pacing.
 */
export const operationsEnv = {
  /** An activity failing this many attempts in a row (and to be retried) is reported to its workflow: `FailedAttempts`. */
  RETRY_REPORT_AFTER_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(3),
  // The stuck-work sweeper (client/sweeper.ts puts these into its Schedule; README "Stuck-work sweeper").
  /** How often the sweep runs: `<n>s`, `<n>m` or `<n>h`, at least 10 s. */
  SWEEP_INTERVAL: z
    .string()
    .regex(/^\d+(s|m|h)$/, { error: 'must be like 30s, 5m or 1h' })
    .default('5m')
    .transform((v) => Number(v.slice(0, -1)) * { s: 1_000, m: 60_000, h: 3_600_000 }[v.slice(-1) as 's' | 'm' | 'h'])
    .pipe(z.number().min(10_000, { error: 'must be at least 10s' })),
  /** Tolerated stuck items per category (JSON or `category=n,…`); above it ops are notified once per crossing. */
  SWEEP_THRESHOLDS: sweepThresholdsText.default({}),
  /** The deployment stage, the `Stage` dimension of the stuck-work metrics (the CDK stack's alarms select on it). */
  PAYOPS_STAGE: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, { error: 'must be 1-32 lowercase letters, digits or dashes' })
    .default('local'),
  /** The JSON logger's threshold (workers/logger.ts); the SDK's worker, workflow and activity logs included. */
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']))
    .default('INFO'),
  /** OpenTelemetry tracing (workers/telemetry.ts): off unless an OTLP/HTTP collector is named. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** `key=value,…` sent with every export (e.g. a vendor's API key): never echoed. */
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, { error: 'must be key=value pairs separated by commas' })
    .optional(),
  /** The `service.name` of exported spans (default: the process's, e.g. payops-worker). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /**
   * PSP pacing: PSP calls per second per endpoint (each PSP activity is its own fairness key on `<queue>-psp`; the
   * server paces each across every worker). 25: Stripe's per-endpoint order of magnitude.
   */
  PSP_RATE_LIMIT_RPS: z.coerce.number().positive().max(10_000).default(25),
  /** All PSP calls together (the queue-wide limit; an incident pause sets it to 0). Stripe live mode: 100/s. */
  PSP_ACCOUNT_RATE_LIMIT_RPS: z.coerce.number().positive().max(10_000).default(100),
};
