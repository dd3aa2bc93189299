import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { flagName, parseFlags, UsageError } from '../cli/args';

/**
 * The release scripts parse with the one parser of every script (scripts/cli/args.ts): a bad command line throws its
 * UsageError naming the flag, which {@link runCli} prints with the usage and exits 2 (a failed step exits 1).
 */
export { flagName, parseFlags as parseCli, UsageError };

/** A release step that failed (the server refused, a check did not pass): exit 1 with this message. */
export class StepFailed extends Error {
  override name = 'StepFailed';
}

type Options = Parameters<typeof parseFlags>[1];

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
