import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';

/** A bad command line: the script prints it with the usage and exits 2 (a failed step exits 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A release step that failed (the server refused, a check did not pass): exit 1 with this message. */
export class StepFailed extends Error {
  override name = 'StepFailed';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options`, then validates the values with `schema` (zod): an unknown option, a missing value
 * or a schema issue becomes a UsageError naming the argument (`--build-id: required`).
 */
export function parseCli<S extends z.ZodType>(
  argv: string[],
  options: Options,
  schema: S,
): { values: z.infer<S>; positionals: string[]; help: boolean } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values['help']) return { values: {} as z.infer<S>, positionals: parsed.positionals, help: true };
  // parseArgs keys are the flags (`build-id`); the schemas use camelCase (`buildId`).
  const values = Object.fromEntries(
    Object.entries(parsed.values).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path[0];
    const missing = key !== undefined && values[String(key)] === undefined;
    throw new UsageError(`${flagName(key)}: ${missing ? 'required' : (issue?.message ?? 'invalid')}`);
  }
  return { values: result.data, positionals: parsed.positionals, help: false };
}

/** The flag a schema key came from (`buildId` → `--build-id`). */
export function flagName(key: PropertyKey | undefined): string {
  return key === undefined ? 'arguments' : `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A Temporal build ID or deployment name as the server and the CDK app accept them. */
export const idSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use [A-Za-z0-9._-], at most 64 characters');

/** Temporal connection overrides shared by the release commands (the rest comes from TEMPORAL_* and temporal.toml). */
export const connectionOptions = {
  address: { type: 'string' },
  namespace: { type: 'string' },
} as const satisfies Options;

/** The environment the Temporal client reads, with `--address` / `--namespace` applied on top. */
export function temporalEnv(values: { address?: string; namespace?: string }): Record<string, string | undefined> {
  return {
    ...process.env,
    ...(values.address ? { TEMPORAL_ADDRESS: values.address } : {}),
    ...(values.namespace ? { TEMPORAL_NAMESPACE: values.namespace } : {}),
  };
}

/**
 * Runs a CLI's `main` and exits with its code: usage errors exit 2 with the usage text, failed steps exit 1 with
 * their message, anything else exits 1 with its name and message.
 */
export function runCli(main: (argv: string[]) => Promise<number>, usage: string): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`${err.message}\n(${usage.split('\n')[0]}; --help lists the options)`);
        process.exit(2);
      }
      console.error(err instanceof Error ? `${err.name === 'StepFailed' ? 'failed' : err.name}: ${err.message}` : err);
      process.exit(1);
    },
  );
}

/** The SDK logs every replay worker's state changes at INFO; a release step's output is its report, so WARN and up. */
export function quietSdkLogs(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
