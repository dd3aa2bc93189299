import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { DefaultLogger, type LogEntry, type Logger } from '@temporalio/worker';

/**
 * What `npm start` prints: the summary (what runs where), then only what needs attention. The details (the workflow
 * bundler's module listing, the SDKs' notices, warnings that are expected here) go to the log file the summary names.
 */

/**
 * Warnings expected on every start, so they are details, not attention: the PSP queue's worker serves activities
 * only, so the SDK says it will not poll for workflow tasks (workers/psp-worker.ts); the bundler's notes.
 */
const EXPECTED_WARNINGS: readonly RegExp[] = [/^No workflows registered, not polling for workflow tasks/, /webpack/i];

/** Whether a log line goes to the terminal too: warnings and errors, except the expected ones. */
export function needsAttention(level: string, message: string): boolean {
  if (level !== 'WARN' && level !== 'ERROR') return false;
  return !EXPECTED_WARNINGS.some((expected) => expected.test(message));
}

/** One line of the log file. */
const fileLine = (level: string, message: string, meta?: unknown) =>
  `${new Date().toISOString()} ${level} ${message}${meta && Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : ''}\n`;

/** The start's log: every SDK log line and process warning in `file`; those that need attention on `attention`. */
export interface StartOutput {
  file: string;
  /** For `Runtime.install({ logger })`: the SDK's logger (worker, bundler, native core). */
  logger: Logger;
  /** Node process warnings (SDK deprecation and maintenance notices): to the file, not the terminal. */
  warning(warning: Error): void;
  close(): Promise<void>;
}

export function startOutput(file: string, attention: (line: string) => void): StartOutput {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a' });
  const logger = new DefaultLogger('DEBUG', (entry: LogEntry) => {
    stream.write(fileLine(entry.level, entry.message, entry.meta));
    if (needsAttention(entry.level, entry.message)) attention(`[${entry.level.toLowerCase()}] ${entry.message}`);
  });
  return {
    file,
    logger,
    warning: (w) => void stream.write(fileLine('NOTICE', `${w.name}: ${w.message}`)),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
