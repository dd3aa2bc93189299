import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connect';
import { ClientInputError } from '../client/errors';
import { dataConverterFor } from './data-converter';
import { ConfigError, loadConfig, temporalEnv, type AppConfig } from './config';

/**
 * A release step that ensures Schedules (`workers/ensure-*-schedule(s).ts`): `--help`, no other arguments, the
 * processes' configuration, a client, the step's lines on stdout. Exit 0 done, 2 bad arguments or configuration, 1
 * anything else.
 */
export async function scheduleStep(
  usage: string,
  argv: string[],
  step: (client: Client, config: AppConfig) => Promise<string[]>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  if (argv.length) {
    console.error(`unknown argument ${argv[0]}\n\n${usage}`);
    return 2;
  }
  const config = loadConfig();
  const { client, close } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
  try {
    for (const line of await step(client, config)) console.log(line);
    return 0;
  } finally {
    await close();
  }
}

/** Runs a step's `main` as the process, mapping configuration and input errors to exit 2. */
export function runScheduleStep(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const bad = err instanceof ConfigError || err instanceof ClientInputError;
      console.error(err instanceof Error ? err.message : err);
      process.exit(bad ? 2 : 1);
    },
  );
}
