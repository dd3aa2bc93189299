import { Logger as JsonLogger } from '@aws-lambda-powertools/logger';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import type { AppConfig } from './config';

/**
 * One structured logger for every process: AWS Lambda Powertools' Logger writes one JSON object per line to stdout
 * (CloudWatch parses it; it works the same outside Lambda). The Temporal SDK's own logs (worker, workflow `log`,
 * activity context) reach it through {@link TemporalLogAdapter}, so every line has the same shape.
 */
export type ProcessLogger = JsonLogger;

/** The `service` attribute of each process's lines. */
export const SERVICES = {
  worker: 'payops-worker',
  ingress: 'payops-ingress',
  codecServer: 'payops-codec-server',
} as const;

/** A JSON logger for `service` at `level` (`LOG_LEVEL`). */
export function createLogger(opts: { service: string; level: AppConfig['LOG_LEVEL'] }): ProcessLogger {
  return new JsonLogger({ serviceName: opts.service, logLevel: opts.level });
}

let current: ProcessLogger | undefined;

/** The process's logger: the one `setupProcessLogger` made at start-up, else an INFO logger for `payops`. */
export function processLogger(): ProcessLogger {
  return (current ??= createLogger({ service: 'payops', level: 'INFO' }));
}

/**
 * Sets the process's logger from config at start-up (one line for a process's entry point, the ingress included:
 * `const log = setupProcessLogger(config, SERVICES.ingress)`).
 */
export function setupProcessLogger(config: Pick<AppConfig, 'LOG_LEVEL'>, service: string): ProcessLogger {
  current = createLogger({ service, level: config.LOG_LEVEL });
  return current;
}

/** Attribute keys whose value is an error or a reason: a provider's text there may quote an IBAN or card data. */
const ERROR_KEYS = new Set(['error', 'err', 'cause', 'failure', 'reason']);
/** A string that is a code (e.g. `PSP_UNAVAILABLE`, `bank.timeout`), not free text, may be logged as it is. */
const CODE = /^[A-Za-z0-9_.:/-]{1,80}$/;

/** What may be logged of an error: what kind it is, never its message or stack (which may quote account data). */
export interface SafeError {
  name: string;
  /** `ApplicationFailure.type` (the product's FailureType), when it has one. */
  type?: string;
  /** The error's code (`ProviderTransientError.code`, a Node or AWS SDK error code), when it has one. */
  code?: string;
  nonRetryable?: boolean;
  cause?: SafeError;
}

const isErrorLike = (v: unknown): v is Error =>
  v instanceof Error ||
  (typeof v === 'object' && v !== null && typeof (v as Error).message === 'string' && 'name' in v);

/** An error reduced to codes (see {@link SafeError}); causes are followed three levels deep. */
export function safeError(err: Error, depth = 0): SafeError {
  const e = err as Error & { type?: unknown; code?: unknown; nonRetryable?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(code !== undefined && CODE.test(code) ? { code } : {}),
    ...(typeof e.nonRetryable === 'boolean' ? { nonRetryable: e.nonRetryable } : {}),
    ...(isErrorLike(e.cause) && depth < 3 ? { cause: safeError(e.cause, depth + 1) } : {}),
  };
}

/**
 * Attribute names whose value is a credential or personal bank data wherever they appear: tokens and command
 * assertions, account tokens, IBANs and account numbers.
 */
const SECRET_KEY = /secret|password|api_?key|private_?key|authorization|token|proof|iban|account_?number/i;
const MAX_DEPTH = 8;

function safeValue(key: string, value: unknown, depth: number): unknown {
  if (isErrorLike(value)) return safeError(value);
  // Binary is never useful in a log line and may be key material (the worker's options hold the codec's keyring).
  if (value instanceof Uint8Array) return '[binary not logged]';
  if (SECRET_KEY.test(key) && value !== undefined) return '[secret not logged]';
  if (typeof value === 'string') return ERROR_KEYS.has(key) && !CODE.test(value) ? '[free text not logged]' : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => safeValue('', v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = safeValue(k, v, depth + 1);
  return out;
}

/**
 * Log attributes made safe, at any depth: errors reduced to {@link SafeError}, free text under an error key, binary
 * values and credential-named values replaced, so a failing activity's line carries its codes and never a raw
 * provider message, and the worker's own "Creating worker" line never its codec key. Symbol keys (the SDK's internal
 * timestamp) are dropped: the logger stamps its own time.
 */
export function safeAttributes(meta: LogMetadata | undefined): Record<string, unknown> {
  return safeValue('', meta ?? {}, 0) as Record<string, unknown>;
}

/**
 * Temporal's `Logger` on the JSON logger, installed as the Runtime's logger (`Runtime.install({ logger })`, or the
 * Lambda worker's `runtimeOptions.logger`): the worker's, workflows' and activities' lines come out as the process's
 * JSON with their `workflowId`, `runId`, `activityId`, `attempt`… attributes, errors reduced to codes.
 */
export class TemporalLogAdapter implements TemporalLogger {
  constructor(readonly json: ProcessLogger) {}

  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    const attributes = safeAttributes(meta);
    switch (level) {
      case 'TRACE':
        return this.json.trace(message, attributes);
      case 'DEBUG':
        return this.json.debug(message, attributes);
      case 'INFO':
        return this.json.info(message, attributes);
      case 'WARN':
        return this.json.warn(message, attributes);
      default:
        return this.json.error(message, attributes);
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The Temporal Runtime's logging for a worker process: the SDK's lines through {@link TemporalLogAdapter}, and the
 * native core's warnings forwarded to it too (by default core prints its own plain text to the console).
 */
export function workerRuntimeLogging(log: ProcessLogger): Pick<RuntimeOptions, 'logger' | 'telemetryOptions'> {
  return {
    logger: new TemporalLogAdapter(log),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  };
}
